// The facilitator's dashboard, at <base>f/CODE#t=TOKEN: beside the video call, it shows who is here,
// plans and runs the breakout rounds, keeps the clock, broadcasts, and follows feedback.
// main.ts wires the connection to the panels: it owns the state, panels only read it.
// Opened from the workspace as <base>f/CODE, with no token, it attaches with an empty one: the
// server lets in a signed-in organiser, or the run's facilitator or co-facilitator, by the
// session cookie the browser sends with the WebSocket's upgrade.
import { create } from '@bufbuild/protobuf';
import type { ClockAction, Group } from '@gen/dyad/v1/events_pb';
import { Lifecycle } from '@gen/dyad/v1/events_pb';
import {
  AttachFacilitatorSchema,
  BroadcastSchema,
  CloseWorkshopSchema,
  ControlClockSchema,
  EndRoundSchema,
  HelpHandledSchema,
  ErrorCode,
  LaunchRoundSchema,
  MarkAwaySchema,
  OpenFeedbackSchema,
  PreviewRoundSchema,
  type RoundPreview,
  type ServerMessage,
} from '@gen/dyad/v1/wire_pb';
import { byId, fragmentParam, h, render } from '../lib/dom';
import { codeFromPath, homeUrl, joinUrl, reportUrl, signInUrl, workspaceUrl } from '../lib/urls';
import { Connection, WireError, type ClientKind, type ConnectionState } from '../lib/wire';
import { agendaPanel } from './agenda';
import { broadcastPanel } from './broadcast';
import { feedbackPanel } from './feedback';
import { helpAlerts } from './help-alerts';
import { joinPanel } from './join-panel';
import { plannerPanel } from './planner';
import { rosterPanel } from './roster';
import { roundView } from './round-view';
import { applyRosterChanges, applyRoundGroups, applySnapshot, emptyState, roundRunning, setStatuses } from './state';

const code = codeFromPath();
const token = fragmentParam('t');
const state = emptyState(code, token);
const app = byId('app');

// ---- the frame: header with the connection's state, banners, two columns ----

const connEl = h('span', { class: 'conn', 'data-testid': 'conn-state', 'data-state': 'connecting', role: 'status' }, 'Connecting…');
const retryButton = h('button', { type: 'button', class: 'secondary small-button', hidden: true }, 'Retry now');
const titleEl = h('span', { class: 'title' }, 'Facilitator dashboard');
const banners = h('div', { class: 'banners' });
app.classList.add('facilitator-app');

function baseTitle(): string {
  return state.plan?.title ? `${code} — ${state.plan.title} — Dyad` : `${code} — Dyad facilitator`;
}

function stopPage(message: string): void {
  render(banners, h('div', { class: 'banner alert invalid-link', role: 'alert', 'data-testid': 'invalid-link' },
    h('h1', {}, 'This link is not a valid facilitator link'),
    h('p', {}, message),
    h('p', {}, 'Use the facilitator link that was printed when the workshop was created (it ends with “#t=” and a long secret). ',
      'Participants join at ', h('a', { href: joinUrl(code) }, joinUrl(code)), '.')));
  columns.hidden = true;
}

/** No token in the address, and the session did not open the dashboard: not signed in, or
 *  signed in without access to this run. */
function signInPage(): void {
  render(banners, h('div', { class: 'banner alert', role: 'alert', 'data-testid': 'not-signed-in' },
    h('h1', {}, 'Sign in to open this dashboard'),
    h('p', {}, `The dashboard of ${code} opens for organisers, and for the run's facilitators when they are signed in. `,
      'You are not signed in in this browser, or your account has no access to this run.'),
    h('div', { class: 'actions' },
      h('a', { class: 'button', href: signInUrl(`f/${code}`), 'data-testid': 'sign-in' }, 'Sign in'),
      h('a', { class: 'button secondary', href: workspaceUrl() }, 'Your workspace')),
    h('p', { class: 'muted small' }, 'With a facilitator link (it ends with “#t=” and a long secret), open that link instead.')));
  columns.hidden = true;
}

/** A closed workshop is no longer served live (the server said so); its report keeps everything. */
function closedPage(): void {
  columns.hidden = true;
  render(banners, h('div', { class: 'banner info', 'data-testid': 'closed-banner' },
    h('h1', {}, 'This workshop is closed'),
    h('p', {}, 'Its rounds are over and its feedback is kept. The report shows the results.'),
    h('p', {}, h('a', { class: 'button', href: reportUrl(code, token) }, 'Open the report'))));
}

// ---- the connection ----

let conn: Connection | undefined;

function request(kind: ClientKind): Promise<ServerMessage> {
  if (!conn) return Promise.reject(new Error('Not connected.'));
  return conn.request(kind);
}

async function ack(kind: ClientKind): Promise<void> {
  await request(kind);
}

// ---- panels ----

const join = joinPanel(code);
const roster = rosterPanel((participantId, away) => ack({ case: 'markAway', value: create(MarkAwaySchema, { participantId, away }) }));
const planner = plannerPanel({
  async preview(exerciseId: string, lockedGroups: Group[]): Promise<RoundPreview> {
    const answer = await request({ case: 'previewRound', value: create(PreviewRoundSchema, { exerciseId, lockedGroups }) });
    if (answer.kind.case !== 'roundPreview') throw new Error('The server answered the preview with something else; reload the page.');
    return answer.kind.value;
  },
  async launch(exerciseId: string, groups: Group[]): Promise<void> {
    // The groups as launched arrive in the GroupStatuses event that follows.
    await ack({ case: 'launchRound', value: create(LaunchRoundSchema, { exerciseId, groups }) });
  },
});
const serverNow = () => conn?.serverNow() ?? Date.now();
const round = roundView({
  control: (action: ClockAction, byMs = 0) =>
    ack({ case: 'controlClock', value: create(ControlClockSchema, { action, byMs: BigInt(byMs) }) }),
  endRound: () => ack({ case: 'endRound', value: create(EndRoundSchema, {}) }),
  serverNow,
});
const broadcast = broadcastPanel((text) => ack({ case: 'broadcast', value: create(BroadcastSchema, { text }) }), serverNow);
const feedback = feedbackPanel({
  async openFeedback() {
    // The server opens feedback only between rounds; the facilitator confirmed ending this one.
    if (roundRunning(state)) await ack({ case: 'endRound', value: create(EndRoundSchema, {}) });
    await ack({ case: 'openFeedback', value: create(OpenFeedbackSchema, {}) });
  },
  async closeWorkshop() {
    await ack({ case: 'closeWorkshop', value: create(CloseWorkshopSchema, {}) });
    state.lifecycle = Lifecycle.CLOSED;
    redraw();
  },
});
const agenda = agendaPanel((exerciseId) => {
  const select = planner.root.querySelector('select');
  if (!select) return;
  select.value = exerciseId;
  select.dispatchEvent(new Event('change'));
  planner.root.scrollIntoView({ behavior: 'smooth', block: 'start' });
  select.focus();
}, serverNow);
const help = helpAlerts(baseTitle, (room) => {
  const card = round.root.querySelector<HTMLElement>(`[data-testid="group-card"][data-room="${CSS.escape(room)}"]`);
  card?.scrollIntoView({ behavior: 'smooth', block: 'center' });
  card?.setAttribute('tabindex', '-1');
  card?.focus();
}, (room) => ack({ case: 'helpHandled', value: create(HelpHandledSchema, { room, round: state.round }) }));

const side = h('aside', { class: 'fac-side', 'aria-label': 'Joining and participants' }, join.root, roster.root, agenda.root);
const mainCol = h('div', { class: 'fac-main' });
const columns = h('div', { class: 'fac-grid' }, side, mainCol);

render(app,
  h('header', { class: 'topbar fac-top' },
    h('a', { class: 'brand', href: homeUrl() }, 'Dyad'),
    titleEl,
    h('span', { class: 'code-badge' }, h('span', { class: 'muted small' }, 'Code '), h('strong', { class: 'mono' }, code)),
    h('span', { class: 'conn-wrap' }, connEl, retryButton)),
  h('main', { class: 'wrap wide fac' }, banners, help.root, columns));

/** The main column's order: what the facilitator needs next comes first. */
function mainOrder(): HTMLElement[] {
  if (state.lifecycle === Lifecycle.FEEDBACK || state.lifecycle === Lifecycle.CLOSED)
    return [feedback.root, round.root, broadcast.root, feedback.closeRoot, planner.root];
  if (roundRunning(state)) return [round.root, broadcast.root, planner.root, feedback.root, feedback.closeRoot];
  return [planner.root, round.root, broadcast.root, feedback.root, feedback.closeRoot];
}

function redraw(): void {
  titleEl.textContent = state.plan?.title || 'Facilitator dashboard';
  const running = roundRunning(state);
  app.classList.toggle('round-running', running);
  const order = mainOrder();
  if (order.some((el, i) => mainCol.children[i] !== el)) {
    // Moving the focused element out of the document drops focus; put it back after the move.
    const hadFocus = document.activeElement;
    mainCol.append(...order);
    if (hadFocus instanceof HTMLElement && hadFocus !== document.activeElement) hadFocus.focus({ preventScroll: true });
  }
  planner.root.hidden = state.lifecycle === Lifecycle.FEEDBACK || state.lifecycle === Lifecycle.CLOSED;
  broadcast.root.hidden = state.lifecycle === Lifecycle.CLOSED;
  // A closed workshop takes no one in: no link, code, QR code or chat message to hand out.
  join.root.hidden = state.lifecycle === Lifecycle.CLOSED;
  // Before the first round there are no rooms to show; the planner says what to do.
  round.root.hidden = state.round === 0;
  const notes: HTMLElement[] = [];
  if (state.lifecycle === Lifecycle.CLOSED)
    notes.push(h('p', { class: 'banner info', 'data-testid': 'closed-banner' }, 'This workshop is closed. The report keeps the feedback; the figures below stay as they were.'));
  if (state.goodbye) notes.push(h('p', { class: 'banner warn', role: 'status' }, state.goodbye));
  render(banners, notes);
  join.update(state);
  roster.update(state);
  planner.update(state);
  round.update(state);
  broadcast.update(state);
  feedback.update(state);
  agenda.update(state);
  help.update(state);
}

function onEvent(m: ServerMessage): void {
  const k = m.kind;
  switch (k.case) {
    case 'roster':
      state.roster = k.value.entries;
      break;
    case 'rosterChanges':
      applyRosterChanges(state, k.value.entries);
      break;
    case 'groupStatuses':
      // Sent after a launch and every regroup (a late joiner slotted in, an orphan re-paired),
      // with the members as they stand, and whenever a room's status changes.
      setStatuses(state, k.value.round, k.value.groups);
      applyRoundGroups(state, k.value.round, k.value.exerciseId, k.value.roundGroups, Number(m.serverMs) || serverNow());
      break;
    case 'phase':
      state.phase = k.value;
      break;
    case 'feedback':
      // Facilitators hear of feedback only when it opens, when the workshop closes, and as
      // batches of responses are released (while open): so "not open" here means closed.
      state.responses = k.value.responses;
      state.releaseNote = k.value.releaseNote;
      state.lifecycle = k.value.open ? Lifecycle.FEEDBACK : Lifecycle.CLOSED;
      break;
    case 'lifecycle':
      state.lifecycle = k.value.lifecycle;
      break;
    case 'tallies':
      state.tallies = k.value;
      state.responses = k.value.responses;
      break;
    case 'broadcast':
      state.lastBroadcast = k.value;
      break;
    case 'goodbye':
      state.goodbye = k.value.reason || 'The server is going away; the dashboard reconnects by itself.';
      break;
    default:
      return;
  }
  if (state.lifecycle === Lifecycle.LOBBY && state.round > 0) state.lifecycle = Lifecycle.ROUNDS;
  redraw();
}

function showState(s: ConnectionState): void {
  connEl.dataset.state = s.kind;
  retryButton.hidden = !(s.kind === 'waiting' || s.kind === 'offline');
  connEl.removeAttribute('title');
  switch (s.kind) {
    case 'online':
      connEl.textContent = 'Connected';
      break;
    case 'connecting':
      connEl.textContent = s.attempt > 1 ? 'Reconnecting…' : 'Connecting…';
      break;
    case 'waiting':
      connEl.textContent = 'Connection lost — retrying';
      connEl.title = s.reason;
      break;
    case 'offline':
      connEl.textContent = 'Offline — check the network';
      break;
    case 'stopped':
      connEl.textContent = 'Not connected';
      connEl.title = s.reason;
      break;
  }
}

if (!code) {
  showState({ kind: 'stopped', reason: 'No workshop code in the link.' });
  stopPage('The link has no workshop code.');
} else {
  conn = new Connection({
    code,
    greeting: () => ({ case: 'attach', value: create(AttachFacilitatorSchema, { facilitatorToken: token }) }),
    onGreeted: (answer) => {
      if (answer.kind.case !== 'facilitatorSnapshot') return;
      applySnapshot(state, answer.kind.value);
      redraw();
    },
    onGreetingRefused: (e: WireError) => {
      if (e.code === ErrorCode.WORKSHOP_CLOSED) {
        closedPage();
        return false;
      }
      if (e.code === ErrorCode.NO_SUCH_WORKSHOP) {
        stopPage(`There is no workshop ${code} on this server.`);
        return false;
      }
      if (e.code === ErrorCode.UNAUTHORIZED || e.code === ErrorCode.NOT_FOUND || e.code === ErrorCode.FORBIDDEN) {
        if (token) stopPage(e.message);
        else signInPage(); // the server's sentence speaks of a token, and none was sent
        return false;
      }
      return true;
    },
    onEvent,
    onState: showState,
  });
  retryButton.addEventListener('click', () => conn?.reconnectNow());
  conn.start();
  redraw();
}
