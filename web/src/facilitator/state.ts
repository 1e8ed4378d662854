// The dashboard's picture of the workshop: filled from the FacilitatorSnapshot, then kept up to
// date by the server's events. Panels read it and redraw; only main.ts writes to it.
import { Lifecycle, Presence, type Group } from '@gen/dyad/v1/events_pb';
import { clockTimeIn } from '../lib/agenda';
import type { Tallies } from '@gen/dyad/v1/feedback_pb';
import { RoleKind, type Exercise, type Plan } from '@gen/dyad/v1/plan_pb';
import type { BroadcastMessage, FacilitatorSnapshot, GroupStatus, PhaseState, RosterEntry } from '@gen/dyad/v1/wire_pb';

export interface DashState {
  code: string;
  token: string;
  plan: Plan | undefined;
  lifecycle: Lifecycle;
  roster: RosterEntry[];
  /** The current (or last) round; 0 before the first. */
  round: number;
  exerciseId: string;
  groups: Group[];
  phase: PhaseState | undefined;
  statuses: Map<string, GroupStatus>;
  /** The round the statuses belong to. */
  statusRound: number;
  tallies: Tallies | undefined;
  /** How many responses the figures show (they follow released batches, not each submission). */
  responses: number;
  /** The server's words for how the figures follow the responses. */
  releaseNote: string;
  lastBroadcast: BroadcastMessage | undefined;
  /** Why the server said goodbye, while it is the latest news. */
  goodbye: string;
  /** Who the round's regroups moved where, newest first; emptied when a new round launches. */
  roundLog: RoundLogEntry[];
  /** Everyone who has been in a group of the round the log belongs to. */
  roundSeen: Set<string>;
  /** The participants' join link as the server gives it out ('' from a server that does not). */
  joinUrl: string;
  /** The join link opens on the facilitator's computer only (127.0.0.1, localhost, ::1). */
  joinUrlLocalOnly: boolean;
}

export function emptyState(code: string, token: string): DashState {
  return {
    code,
    token,
    plan: undefined,
    lifecycle: Lifecycle.UNSPECIFIED,
    roster: [],
    round: 0,
    exerciseId: '',
    groups: [],
    phase: undefined,
    statuses: new Map(),
    statusRound: 0,
    tallies: undefined,
    responses: 0,
    releaseNote: '',
    lastBroadcast: undefined,
    goodbye: '',
    roundLog: [],
    roundSeen: new Set(),
    joinUrl: '',
    joinUrlLocalOnly: false,
  };
}

export function applySnapshot(s: DashState, snap: FacilitatorSnapshot): void {
  s.plan = snap.plan;
  s.lifecycle = snap.lifecycle;
  s.roster = snap.roster?.entries ?? [];
  s.round = snap.round;
  s.exerciseId = snap.exerciseId;
  s.groups = snap.groups;
  s.roundLog = [];
  s.roundSeen = new Set(snap.groups.flatMap((g) => g.members.map((m) => m.participantId)));
  s.phase = snap.round > 0 ? snap.phase : undefined;
  setStatuses(s, snap.groupStatuses?.round ?? snap.round, snap.groupStatuses?.groups ?? []);
  s.tallies = snap.tallies;
  s.responses = snap.feedback?.responses ?? snap.tallies?.responses ?? 0;
  s.releaseNote = snap.feedback?.releaseNote ?? '';
  s.lastBroadcast = snap.lastBroadcast;
  s.goodbye = '';
  s.joinUrl = snap.joinUrl;
  s.joinUrlLocalOnly = snap.joinUrlLocalOnly;
}

/** The roster's changes since the last: each entry replaces the one with its id, or joins the end. */
export function applyRosterChanges(s: DashState, entries: RosterEntry[]): void {
  const at = new Map(s.roster.map((e, i) => [e.participantId, i]));
  for (const e of entries) {
    const i = at.get(e.participantId);
    if (i === undefined) {
      at.set(e.participantId, s.roster.length);
      s.roster.push(e);
    } else {
      s.roster[i] = e;
    }
  }
}

export function setStatuses(s: DashState, round: number, groups: GroupStatus[]): void {
  s.statusRound = round;
  s.statuses = new Map(groups.map((g) => [g.room, g]));
}

export function exerciseById(s: DashState, id: string): Exercise | undefined {
  return s.plan?.exercises.find((e) => e.id === id);
}

/** The rooms are in use: a round launched and not yet ended by the facilitator, even with its
 *  time up (people may still be finishing, or asking for help). */
export function roundInUse(s: DashState): boolean {
  return s.round > 0 && !!s.phase && s.phase.round === s.round && !s.phase.ended && s.phase.phaseCount > 0;
}

/** A round is running: launched, not ended, its clock not run out. */
export function roundRunning(s: DashState): boolean {
  return s.round > 0 && !!s.phase && s.phase.round === s.round && !s.phase.finished && s.phase.phaseCount > 0;
}

export function countPresence(s: DashState, p: Presence): number {
  return s.roster.filter((e) => e.presence === p).length;
}

/** Ids of the people a round would pair now. */
export function presentIds(s: DashState): string[] {
  return s.roster.filter((e) => e.presence === Presence.PRESENT).map((e) => e.participantId);
}

export interface RoundLogEntry {
  /** The server's clock when the regroup was heard of. */
  atMs: number;
  text: string;
}

/** How a role reads in a sentence: "observing", "as Therapist". */
function roleWords(ex: Exercise | undefined, roleId: string): string {
  const role = ex?.roles.find((r) => r.id === roleId);
  if (role?.kind === RoleKind.OBSERVER) return 'observing';
  return `as ${role?.name || roleId}`;
}

/**
 * The groups of the round as they now stand (a GroupStatuses event). Within the same round a
 * change of membership is a regroup, which Zoom does not follow by itself: the log gets a line
 * naming who moved where, stamped with the server's clock in the plan's zone. A new round
 * starts a new log.
 */
export function applyRoundGroups(s: DashState, round: number, exerciseId: string, groups: Group[], serverMs: number): void {
  const sameRound = round === s.round && round > 0;
  if (!sameRound) {
    s.roundLog = [];
    s.roundSeen = new Set();
  } else {
    const lines = regroupLines(s, exerciseId, s.groups, groups);
    if (lines.length) s.roundLog = [{ atMs: serverMs, text: `${clockTimeIn(serverMs, s.plan?.timeZone)} — ${lines.join('; ')}.` }, ...s.roundLog];
  }
  for (const g of groups) for (const m of g.members) s.roundSeen.add(m.participantId);
  s.round = round;
  s.exerciseId = exerciseId;
  s.groups = groups;
}

function regroupLines(s: DashState, exerciseId: string, before: Group[], after: Group[]): string[] {
  const ex = exerciseById(s, exerciseId);
  const name = (id: string) => s.roster.find((e) => e.participantId === id)?.shownName || 'Someone';
  const roomOf = new Map<string, string>();
  for (const g of before) for (const m of g.members) roomOf.set(m.participantId, g.room);
  const nowIn = new Set<string>();
  const moves: string[] = [];
  for (const g of after) {
    for (const m of g.members) {
      nowIn.add(m.participantId);
      const was = roomOf.get(m.participantId);
      const how = roleWords(ex, m.role);
      if (was === undefined) {
        const again = s.roundSeen.has(m.participantId);
        moves.push(`${name(m.participantId)}${again ? ' (back)' : ' (new)'} joined ${g.room} (${how})`);
      } else if (was !== g.room) {
        moves.push(`${name(m.participantId)} moved from ${was} to ${g.room} (${how})`);
      }
    }
  }
  for (const [id, room] of roomOf) if (!nowIn.has(id)) moves.push(`${name(id)} left ${room}`);
  const open = new Set(after.map((g) => g.room));
  const closed = before.filter((g) => !open.has(g.room)).map((g) => `${g.room} closed`);
  return moves.length ? [...moves, ...closed] : closed;
}
