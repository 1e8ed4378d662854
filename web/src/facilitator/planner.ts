// Planning the next round: pick an exercise, preview the groups the server proposes, adjust
// them (swap two people, change a role, lock a group and reshuffle the rest), then launch.
import { create } from '@bufbuild/protobuf';
import { GroupMemberSchema, GroupSchema, Lifecycle, type Group } from '@gen/dyad/v1/events_pb';
import { GroupSize, RoleKind, type Exercise } from '@gen/dyad/v1/plan_pb';
import type { RoundPreview } from '@gen/dyad/v1/wire_pb';
import { h, render } from '../lib/dom';
import { exerciseById, presentIds, roundRunning, type DashState } from './state';
import { exerciseMinutes, keepFocus, messageOf, nameOf, people, roleName } from './util';

interface DraftMember { participantId: string; role: string }
interface DraftGroup { room: string; withFacilitator: boolean; members: DraftMember[]; locked: boolean }
interface Draft {
  exerciseId: string;
  groups: DraftGroup[];
  repeatedPairs: number;
  keepApartRelaxed: boolean;
  /** Who was present when previewed, to notice when that changes. */
  presentKey: string;
}

export interface PlannerActions {
  preview(exerciseId: string, locked: Group[]): Promise<RoundPreview>;
  launch(exerciseId: string, groups: Group[]): Promise<void>;
}

export interface PlannerPanel {
  root: HTMLElement;
  update(s: DashState): void;
}

function describeExercise(e: Exercise): string {
  const size = e.groupSize === GroupSize.TRIADS ? 'threes' : 'pairs';
  const roles = e.roles.map((r) => r.name || r.id).join(', ');
  return `${e.title} — ${size}: ${roles} — ${exerciseMinutes(e)} min`;
}

function keyOf(ids: string[]): string {
  return [...ids].sort().join(',');
}

function toGroup(g: DraftGroup): Group {
  return create(GroupSchema, {
    room: g.room,
    withFacilitator: g.withFacilitator,
    members: g.members.map((m) => create(GroupMemberSchema, { participantId: m.participantId, role: m.role })),
  });
}

/** What is wrong with a group's roles, in words, or '' when it is a workable practice. */
function roleProblem(g: DraftGroup, ex: Exercise | undefined): string {
  if (!ex || (g.withFacilitator && g.members.length === 1)) return '';
  const kindOf = (role: string) => ex.roles.find((r) => r.id === role)?.kind;
  const therapists = g.members.filter((m) => kindOf(m.role) === RoleKind.THERAPIST).length;
  const clients = g.members.filter((m) => kindOf(m.role) === RoleKind.CLIENT).length;
  if (therapists === 1 && clients === 1) return '';
  const t = ex.roles.find((r) => r.kind === RoleKind.THERAPIST)?.name ?? 'therapist';
  const c = ex.roles.find((r) => r.kind === RoleKind.CLIENT)?.name ?? 'client';
  return `Needs exactly one ${t} and one ${c}; everyone else observes.`;
}

/** A small padlock, closed or open, drawn so it needs no icon font. */
function padlock(closed: boolean): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '14');
  svg.setAttribute('height', '14');
  svg.setAttribute('aria-hidden', 'true');
  const body = document.createElementNS(ns, 'rect');
  for (const [k, v] of Object.entries({ x: '2.5', y: '7', width: '11', height: '8', rx: '1.5', fill: 'currentColor' })) body.setAttribute(k, v);
  const shackle = document.createElementNS(ns, 'path');
  shackle.setAttribute('d', closed ? 'M5 7V5a3 3 0 0 1 6 0v2' : 'M5 7V5a3 3 0 0 1 6 0');
  shackle.setAttribute('fill', 'none');
  shackle.setAttribute('stroke', 'currentColor');
  shackle.setAttribute('stroke-width', '1.8');
  svg.append(shackle, body);
  return svg;
}

export function plannerPanel(actions: PlannerActions): PlannerPanel {
  let state: DashState | undefined;
  let draft: Draft | undefined;
  let selected: { g: number; m: number } | undefined;
  let busy = false;
  let chosenFor = -1; // the round for which the select was last set to a sensible default

  const select = h('select', { id: 'exercise', 'data-testid': 'exercise-select' });
  const exerciseInfo = h('p', { class: 'muted small', id: 'exercise-info' });
  const previewButton = h('button', { type: 'button', class: 'secondary', 'data-testid': 'preview-groups' }, 'Preview groups');
  const reshuffleButton = h('button', { type: 'button', class: 'secondary', 'data-testid': 'reshuffle' }, 'Reshuffle unlocked');
  const discardButton = h('button', { type: 'button', class: 'secondary' }, 'Discard preview');
  const launchButton = h('button', { type: 'button', 'data-testid': 'launch-round' }, 'Launch round');
  const hint = h('p', { class: 'muted small planner-hint' });
  const error = h('p', { class: 'error-text', role: 'alert', 'data-testid': 'planner-error' });
  const notes = h('div', { class: 'preview-notes', 'aria-live': 'polite' });
  const grid = h('div', { class: 'group-grid preview-grid', 'data-testid': 'preview' });
  const swapStatus = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });

  const root = h('section', { class: 'card planner', 'aria-labelledby': 'planner-h' },
    h('h2', { id: 'planner-h', tabindex: '-1' }, 'Start a round'),
    h('label', { for: 'exercise' }, 'Exercise'),
    select,
    exerciseInfo,
    h('div', { class: 'actions' }, previewButton, launchButton, reshuffleButton, discardButton),
    hint,
    error,
    notes,
    grid,
    swapStatus);

  select.addEventListener('change', () => {
    draft = undefined;
    selected = undefined;
    error.textContent = '';
    draw();
  });

  /** Runs a request with the controls disabled; its refusal is shown as the server's sentence. */
  async function whileBusy(work: () => Promise<void>): Promise<void> {
    busy = true;
    error.textContent = '';
    draw();
    try {
      await work();
      selected = undefined;
    } catch (e) {
      error.textContent = messageOf(e);
    } finally {
      busy = false;
      draw();
    }
  }

  async function runPreview(keepLocked: boolean): Promise<void> {
    const current = state;
    if (!current) return;
    const exerciseId = select.value;
    const lockedGroups = keepLocked && draft ? draft.groups.filter((g) => g.locked) : [];
    await whileBusy(async () => {
      const p = await actions.preview(exerciseId, lockedGroups.map(toGroup));
      // The server keeps each locked room's name and numbers the others around it.
      const lockedKeys = new Set(lockedGroups.map((g) => keyOf(g.members.map((m) => m.participantId))));
      draft = {
        exerciseId: p.exerciseId || exerciseId,
        groups: p.groups.map((g) => ({
          room: g.room,
          withFacilitator: g.withFacilitator,
          members: g.members.map((m) => ({ participantId: m.participantId, role: m.role })),
          locked: lockedKeys.has(keyOf(g.members.map((m) => m.participantId))),
        })),
        repeatedPairs: p.repeatedPairs,
        keepApartRelaxed: p.keepApartRelaxed,
        presentKey: keyOf(presentIds(current)),
      };
    });
  }

  previewButton.addEventListener('click', () => void runPreview(false));
  reshuffleButton.addEventListener('click', () => void runPreview(true));
  discardButton.addEventListener('click', () => {
    draft = undefined;
    selected = undefined;
    draw();
    previewButton.focus();
  });
  launchButton.addEventListener('click', () => {
    const exerciseId = select.value;
    const groups = draft && draft.exerciseId === exerciseId ? draft.groups.map(toGroup) : [];
    void whileBusy(async () => {
      await actions.launch(exerciseId, groups);
      draft = undefined;
    });
  });

  function pick(g: number, m: number): void {
    if (!draft || !state) return;
    if (!selected) {
      selected = { g, m };
      swapStatus.textContent = `${nameOf(state.roster, draft.groups[g].members[m].participantId)} selected; choose who to swap with.`;
    } else if (selected.g === g && selected.m === m) {
      selected = undefined;
      swapStatus.textContent = 'Selection cleared.';
    } else {
      const a = draft.groups[selected.g].members[selected.m];
      const b = draft.groups[g].members[m];
      // Each takes the other's place and the role that goes with it.
      [a.participantId, b.participantId] = [b.participantId, a.participantId];
      swapStatus.textContent = `Swapped ${nameOf(state.roster, a.participantId)} and ${nameOf(state.roster, b.participantId)}.`;
      selected = undefined;
    }
    draw();
  }

  function memberRow(ex: Exercise | undefined, g: DraftGroup, gi: number, m: DraftMember, mi: number): HTMLLIElement {
    const name = nameOf(state?.roster ?? [], m.participantId);
    const isSelected = selected?.g === gi && selected?.m === mi;
    const person = h('button', {
      type: 'button',
      class: `person${isSelected ? ' selected' : ''}`,
      'aria-pressed': isSelected ? 'true' : 'false',
      'data-focus-key': `person-${gi}-${mi}`,
      'data-testid': 'preview-person',
      'data-participant': m.participantId,
      disabled: g.locked || busy,
      title: g.locked ? 'Unlock the group to change it' : selected ? 'Swap with the selected person' : 'Select to swap with someone else',
    }, h('span', { class: 'person-name' }, name), h('span', { class: 'swap-icon', 'aria-hidden': 'true' }, '⇄'));
    person.addEventListener('click', () => pick(gi, mi));
    const roleSelect = h('select', {
      class: 'role-select',
      'aria-label': `Role of ${name}`,
      'data-focus-key': `role-${gi}-${mi}`,
      disabled: g.locked || busy,
    }, (ex?.roles ?? []).map((r) => h('option', { value: r.id, selected: r.id === m.role }, r.name || r.id)));
    if (!ex?.roles.some((r) => r.id === m.role)) roleSelect.appendChild(h('option', { value: m.role, selected: true }, roleName(ex, m.role)));
    roleSelect.addEventListener('change', () => {
      m.role = roleSelect.value;
      draw();
    });
    return h('li', { class: 'member' }, person, roleSelect);
  }

  function groupCard(ex: Exercise | undefined, g: DraftGroup, gi: number): HTMLElement {
    const lock = h('button', {
      type: 'button',
      class: `secondary small-button lock${g.locked ? ' on' : ''}`,
      'aria-pressed': g.locked ? 'true' : 'false',
      'data-focus-key': `lock-${gi}`,
      'data-testid': 'lock-group',
      'aria-label': `${g.locked ? 'Unlock' : 'Lock'} ${g.room}`,
      disabled: busy,
    }, padlock(g.locked), g.locked ? 'Locked' : 'Lock');
    lock.addEventListener('click', () => {
      g.locked = !g.locked;
      if (selected?.g === gi) selected = undefined;
      draw();
    });
    const problem = roleProblem(g, ex);
    return h('article', { class: `group-card preview-card${g.locked ? ' locked' : ''}`, 'data-testid': 'preview-group', 'data-room': g.room,
      'data-locked': g.locked ? 'true' : 'false' },
      h('header', { class: 'group-head' }, h('h3', {}, g.room), lock),
      g.withFacilitator ? h('p', { class: 'small muted' }, 'Practises with you, the facilitator.') : null,
      h('ul', { class: 'members' }, g.members.map((m, mi) => memberRow(ex, g, gi, m, mi))),
      problem ? h('p', { class: 'group-problem' }, problem) : null);
  }

  function draw(): void {
    if (!state) return;
    const s = state;
    const running = roundRunning(s);
    const closed = s.lifecycle === Lifecycle.FEEDBACK || s.lifecycle === Lifecycle.CLOSED;
    const ex = exerciseById(s, select.value);
    exerciseInfo.textContent = ex ? ex.phases.map((p) => `${p.name} ${p.minutes} min`).join(' · ') : '';
    const present = presentIds(s).length;
    previewButton.disabled = busy || closed || !ex;
    launchButton.disabled = busy || closed || running || !ex;
    reshuffleButton.hidden = !draft;
    reshuffleButton.disabled = busy || !draft?.groups.some((g) => g.locked);
    discardButton.hidden = !draft;
    discardButton.disabled = busy;
    if (closed) hint.textContent = 'Feedback is open, so no more rounds can start.';
    else if (running) hint.textContent = `Round ${s.round} is running. You can preview the next one; launch it once this one has ended.`;
    else if (present < 2) hint.textContent = present === 0
      ? 'No one is present yet. Share the join link; groups need at least two people.'
      : 'Only one person is present; groups need at least two.';
    else if (!draft) hint.textContent = `${people(present)} present. Preview to see and adjust the groups first, or launch and let Dyad group everyone.`;
    else hint.textContent = 'To swap two people, choose one and then the other; they trade places and roles. Lock a group to keep it when you reshuffle the rest.';

    const noteItems: HTMLElement[] = [];
    if (draft) {
      if (draft.repeatedPairs > 0)
        noteItems.push(h('p', { class: 'banner warn small' },
          `${draft.repeatedPairs === 1 ? 'One pair has' : `${draft.repeatedPairs} pairs have`} worked together before: with the people present, no grouping avoids every repeat.`));
      if (draft.keepApartRelaxed)
        noteItems.push(h('p', { class: 'banner warn small' }, 'Some people who should be kept apart (same team) share a room: there was no other way to group everyone.'));
      if (draft.presentKey !== keyOf(presentIds(s)))
        noteItems.push(h('p', { class: 'banner warn small', 'data-testid': 'preview-stale' },
          'Who is present has changed since this preview. Reshuffle or preview again before launching, or the server will refuse the groups.'));
    }
    render(notes, noteItems);
    keepFocus(grid, () => render(grid, draft ? draft.groups.map((g, gi) => groupCard(exerciseById(s, draft!.exerciseId), g, gi)) : []));
  }

  function fillSelect(s: DashState): void {
    const exercises = s.plan?.exercises ?? [];
    const current = select.value;
    if (select.options.length !== exercises.length) {
      render(select, exercises.map((e) => h('option', { value: e.id }, describeExercise(e))));
      if (current) select.value = current;
    }
    // After each round, offer the next exercise of the plan as the likely one.
    if (chosenFor !== s.round && exercises.length > 0) {
      chosenFor = s.round;
      if (!draft) {
        const last = exercises.findIndex((e) => e.id === s.exerciseId);
        select.value = exercises[s.round > 0 && last >= 0 ? Math.min(last + 1, exercises.length - 1) : 0].id;
      }
    }
  }

  function update(s: DashState): void {
    state = s;
    fillSelect(s);
    draw();
  }

  return { root, update };
}
