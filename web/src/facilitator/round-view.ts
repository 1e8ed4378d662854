// The running (or last) round: its clock, one card per breakout room with how the group is
// doing, and the pairs in the forms Zoom and the chat need.
import { RoleKind, type Exercise } from '@gen/dyad/v1/plan_pb';
import type { Group } from '@gen/dyad/v1/events_pb';
import type { GroupStatus } from '@gen/dyad/v1/wire_pb';
import { apiGet, download, h, render } from '../lib/dom';
import { apiUrl } from '../lib/urls';
import { copyStatus, copyText } from '../lib/clipboard';
import { clockPanel, type ClockActions } from './clock';
import { exerciseById, roundInUse, roundRunning, type DashState } from './state';
import { keepFocus, messageOf, nameOf, roleName } from './util';

export interface RoundView {
  root: HTMLElement;
  update(s: DashState): void;
}

/** The role a member plays now: therapist and client trade places in each swap-roles phase. */
function roleNow(ex: Exercise | undefined, role: string, phaseIndex: number): string {
  if (!ex) return role;
  const swaps = ex.phases.slice(0, phaseIndex + 1).filter((p) => p.swapRoles).length;
  if (swaps % 2 === 0) return role;
  const kind = ex.roles.find((r) => r.id === role)?.kind;
  const other = kind === RoleKind.THERAPIST ? RoleKind.CLIENT : kind === RoleKind.CLIENT ? RoleKind.THERAPIST : undefined;
  return other === undefined ? role : ex.roles.find((r) => r.kind === other)?.id ?? role;
}

export function statusOf(st: GroupStatus | undefined): 'help' | 'done' | 'working' {
  if (st?.needsHelp) return 'help';
  if (st?.done) return 'done';
  return 'working';
}

/** The groups as the list shows them: when this changes, a list on screen is out of date. */
function groupsKey(s: DashState): string {
  return JSON.stringify([s.round, s.groups.map((g) => [g.room, g.members.map((m) => m.participantId)])]);
}

export function roundView(clockActions: ClockActions): RoundView {
  let state: DashState | undefined;
  // The groups the list on screen was fetched for, and a count that lets only the latest fetch
  // fill it: a round launched while an older list is on its way must not get that list.
  let listFor = '';
  let listFetch = 0;
  const clock = clockPanel(clockActions);
  const heading = h('h2', { id: 'round-h', tabindex: '-1' }, 'Round');
  const subtitle = h('p', { class: 'muted round-sub' });
  const summary = h('p', { class: 'round-summary', 'aria-live': 'polite' });
  const grid = h('div', { class: 'group-grid live-grid', 'data-testid': 'groups' });
  // Regroups during the round: Zoom does not move anyone by itself, so each move is written down
  // (newest first) for the facilitator to carry out; read out once as it arrives, not an alarm.
  let logRound = 0;
  const logList = h('ol', { class: 'round-log-list', 'aria-live': 'polite', 'aria-relevant': 'additions', 'data-testid': 'round-log' });
  const log = h('section', { class: 'banner info round-log', 'aria-labelledby': 'round-log-h' },
    h('h3', { id: 'round-log-h' }, 'Moves this round (move them in Zoom too)'), logList);
  const emailNote = h('p', { class: 'banner info small', 'data-testid': 'email-note' });
  const exportStatus = copyStatus();
  const listArea = h('textarea', { class: 'copy-fallback list-area', readonly: true, rows: 8, 'aria-label': 'The groups as text', hidden: true });
  const csvButton = h('button', { type: 'button', class: 'secondary' }, 'Download Zoom CSV');
  const listButton = h('button', { type: 'button', class: 'secondary' }, 'Copy list');
  const exportError = h('p', { class: 'error-text', role: 'alert' });
  const exports = h('div', { class: 'exports' },
    h('h3', {}, 'For Zoom’s breakout rooms'),
    emailNote,
    h('div', { class: 'actions' }, csvButton, listButton),
    exportError, exportStatus, listArea);
  const empty = h('p', { class: 'muted' }, 'No round yet. When you launch one, each breakout room appears here with its people, their roles and how they are doing.');

  const root = h('section', { class: 'card round-view', 'aria-labelledby': 'round-h' },
    heading, subtitle, clock.root, summary, log, grid, exports, empty);

  /** Who in the round gave no email, so the Zoom CSV leaves them out. */
  function withoutEmail(s: DashState): { members: number; missing: string[] } {
    const ids = s.groups.flatMap((g) => g.members.map((m) => m.participantId));
    return { members: ids.length, missing: ids.filter((id) => !s.roster.find((e) => e.participantId === id)?.hasEmail) };
  }

  csvButton.addEventListener('click', async () => {
    if (!state) return;
    const s = state;
    exportError.textContent = '';
    try {
      const res = await apiGet(apiUrl(`workshops/${encodeURIComponent(s.code)}/rounds/${s.round}/zoom.csv`), s.token);
      download(`${s.code}-round-${s.round}-zoom.csv`, 'text/csv', await res.text());
      const { members, missing } = withoutEmail(s);
      exportStatus.textContent = missing.length === 0
        ? 'Downloaded. In Zoom: Breakout Rooms → Recreate → Import from CSV.'
        : `Downloaded, with ${members - missing.length} of ${members} people: the ${missing.length} without an email are not in it. ` +
          'In Zoom: Breakout Rooms → Recreate → Import from CSV, then assign the others by hand.';
    } catch (e) {
      exportError.textContent = messageOf(e);
    }
  });

  /** Fetches the current round's list into the text area; answers the text, or '' when a newer
   *  fetch or round has taken its place. */
  async function fetchList(s: DashState): Promise<string> {
    const mine = ++listFetch;
    const key = groupsKey(s);
    const res = await apiGet(apiUrl(`workshops/${encodeURIComponent(s.code)}/rounds/${s.round}/list`), s.token);
    const text = await res.text();
    if (mine !== listFetch || !state || groupsKey(state) !== key) return '';
    listFor = key;
    // Shown as well as copied: the list is also for reading out or pasting by hand.
    listArea.hidden = false;
    listArea.value = text;
    return text;
  }

  listButton.addEventListener('click', async () => {
    if (!state) return;
    exportError.textContent = '';
    try {
      const text = await fetchList(state);
      if (text) await copyText(text, exportStatus, listArea);
    } catch (e) {
      exportError.textContent = messageOf(e);
    }
  });

  /** A list on screen always shows the groups as they stand: a new round or a regroup (a late
   *  joiner slotted in) fetches it again, and until then the old one is not shown. */
  function keepListCurrent(s: DashState): void {
    if (listArea.hidden || listFor === groupsKey(s)) return;
    listFor = '';
    listArea.value = '';
    listArea.hidden = true;
    exportStatus.textContent = '';
    if (s.round === 0 || s.groups.length === 0) return;
    fetchList(s).catch((e: unknown) => {
      exportError.textContent = messageOf(e);
    });
  }

  function card(s: DashState, ex: Exercise | undefined, g: Group): HTMLElement {
    const st = s.statusRound === s.round ? s.statuses.get(g.room) : undefined;
    // Rooms keep their status until the facilitator ends the round, time up or not.
    const status = roundInUse(s) ? statusOf(st) : 'working';
    // Between rounds the roles read as launched; during one, as they stand after any swap.
    const phaseIndex = roundRunning(s) ? s.phase?.phaseIndex ?? 0 : 0;
    const badge = status === 'help'
      ? h('p', { class: 'status-badge help', 'data-testid': 'help-badge' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '⚠'), ' Needs help')
      : status === 'done'
        ? h('p', { class: 'status-badge done' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '✓'), ' Done')
        : h('p', { class: 'status-badge working' }, roundRunning(s) ? 'Working' : roundInUse(s) ? 'Time is up' : 'Ended');
    return h('article', { class: `group-card live-card status-${status}`, 'data-testid': 'group-card', 'data-room': g.room, 'data-status': status },
      h('header', { class: 'group-head' }, h('h3', {}, g.room), badge),
      status === 'help'
        ? h('div', { class: 'help-detail' },
            st?.helpNote ? h('p', { class: 'help-note' }, `“${st.helpNote}”`) : h('p', { class: 'help-note muted' }, 'No note given.'),
            h('p', { class: 'small' }, `Asked by ${st?.helpFrom || 'someone in the room'}`))
        : null,
      g.withFacilitator ? h('p', { class: 'small muted' }, 'Practises with you, the facilitator.') : null,
      h('ul', { class: 'members' }, g.members.map((m) =>
        h('li', { class: 'member' },
          h('span', { class: 'person-name' }, nameOf(s.roster, m.participantId)),
          h('span', { class: 'role' }, roleName(ex, roleNow(ex, m.role, phaseIndex)))))));
  }

  function update(s: DashState): void {
    state = s;
    clock.update(s);
    const has = s.round > 0;
    const running = roundRunning(s);
    const ex = exerciseById(s, s.exerciseId);
    heading.textContent = has ? `Round ${s.round}${running ? '' : roundInUse(s) ? ' (time is up: end it to bring everyone back)' : ' (ended)'}` : 'Round';
    subtitle.textContent = has && ex ? ex.title : '';
    subtitle.hidden = !subtitle.textContent;
    empty.hidden = has;
    exports.hidden = !has || s.groups.length === 0;
    clock.root.hidden = clock.root.hidden || !has;

    const groups = [...s.groups];
    if (roundInUse(s)) {
      // Help first, then those still working, then the finished: the eye lands where it is needed.
      const rank = (g: Group) => ({ help: 0, working: 1, done: 2 })[statusOf(s.statuses.get(g.room))];
      groups.sort((a, b) => rank(a) - rank(b));
      const done = s.groups.filter((g) => statusOf(s.statuses.get(g.room)) === 'done').length;
      const help = s.groups.filter((g) => statusOf(s.statuses.get(g.room)) === 'help').length;
      summary.textContent = `${s.groups.length} rooms: ${done} done${help ? `, ${help} asking for help` : ''}.`;
    } else {
      summary.textContent = '';
    }
    summary.hidden = !summary.textContent;
    keepFocus(grid, () => render(grid, groups.map((g) => card(s, ex, g))));
    drawLog(s);

    const { members, missing } = withoutEmail(s);
    // A CSV with no one in it pre-assigns nothing: it is not offered at all.
    const nobody = members > 0 && missing.length === members;
    csvButton.hidden = nobody;
    emailNote.className = `banner ${nobody ? 'warn' : 'info'} small`;
    if (missing.length === 0) {
      emailNote.textContent = 'Everyone in this round gave an email, so the Zoom CSV pre-assigns them all.';
    } else if (nobody) {
      emailNote.textContent = 'Zoom can pre-assign breakout rooms only by email, and no one in this round gave one, so there is no CSV to import. ' +
        'Use “Copy list” and assign the rooms by hand in Zoom, or ask participants to join again with the email of their Zoom account.';
    } else {
      const names = missing.map((id) => nameOf(s.roster, id));
      emailNote.textContent = `${missing.length} of ${members} in this round gave no email, so the Zoom CSV leaves them out (${names.join(', ')}): ` +
        'assign them by hand in Zoom, using “Copy list”.';
    }
    keepListCurrent(s);
  }

  /** Adds only the lines not shown yet, so a screen reader hears each move once. */
  function drawLog(s: DashState): void {
    log.hidden = !s.round || s.roundLog.length === 0;
    if (logRound !== s.round || s.roundLog.length < logList.children.length) logList.replaceChildren();
    logRound = s.round;
    const fresh = s.roundLog.slice(0, s.roundLog.length - logList.children.length);
    fresh.reverse().forEach((e) =>
      logList.prepend(h('li', { class: 'round-log-entry', 'data-testid': 'round-log-entry' },
        e.text)));
  }

  return { root, update };
}
