// The dashboard's picture of the workshop: filled from the FacilitatorSnapshot, then kept up to
// date by the server's events. Panels read it and redraw; only main.ts writes to it.
import { Lifecycle, Presence, type Group } from '@gen/dyad/v1/events_pb';
import type { Tallies } from '@gen/dyad/v1/feedback_pb';
import type { Exercise, Plan } from '@gen/dyad/v1/plan_pb';
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
  responses: number;
  lastBroadcast: BroadcastMessage | undefined;
  /** Why the server said goodbye, while it is the latest news. */
  goodbye: string;
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
    lastBroadcast: undefined,
    goodbye: '',
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
  s.phase = snap.round > 0 ? snap.phase : undefined;
  setStatuses(s, snap.groupStatuses?.round ?? snap.round, snap.groupStatuses?.groups ?? []);
  s.tallies = snap.tallies;
  s.responses = snap.tallies?.responses ?? 0;
  s.lastBroadcast = snap.lastBroadcast;
  s.goodbye = '';
  s.joinUrl = snap.joinUrl;
  s.joinUrlLocalOnly = snap.joinUrlLocalOnly;
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
