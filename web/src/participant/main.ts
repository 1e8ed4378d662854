// The participant's page at <base>j/CODE: join (or resume), wait, work in a group with the clock,
// give anonymous feedback. Everything the page shows comes from the server's snapshot and the
// events after it, so a reload or a reconnect redraws exactly where the participant was.
import { create, equals, fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import { FeedbackResponseSchema, type FeedbackResponse } from '@gen/dyad/v1/feedback_pb';
import { Lifecycle } from '@gen/dyad/v1/events_pb';
import {
  ErrorCode,
  JoinSchema,
  ResumeSchema,
  SubmitFeedbackSchema,
  type Assignment,
  type BroadcastMessage,
  type FeedbackState,
  type ParticipantSnapshot,
  type PhaseState,
  type ServerMessage,
} from '@gen/dyad/v1/wire_pb';
import { QuestionnaireSchema, type AgendaBlock } from '@gen/dyad/v1/plan_pb';
import { clockTimeIn } from '../lib/agenda';
import { byId, h, render } from '../lib/dom';
import { codeFromPath } from '../lib/urls';
import { Connection, WireError, type ClientKind, type ConnectionState } from '../lib/wire';
import { FeedbackForm } from './feedback';
import { Header } from './header';
import { probeWorkshop } from './probe';
import { ActionsCard, ClockCard, GroupCard, MaterialCards } from './round';
import { DeviceStore, newResumeToken, newSubmissionId } from './storage';
import { JoinForm, elsewhereView, endedView, unknownWorkshop, type JoinDetails } from './views';
import { WaitingView } from './waiting';

const TICK_MS = 250;
// What the server applies when a plan sets no threshold; older servers did not send it.
const DEFAULT_ANONYMITY_THRESHOLD = 3;

const code = codeFromPath();
const store = new DeviceStore(code);
const app = byId('app');

// ---------------------------------------------------------------------------------------------
// What the page knows

type Mode = 'boot' | 'join' | 'live' | 'unknown' | 'ended' | 'elsewhere';

let mode: Mode = 'boot';
let conn: Connection | null = null;
let joinDetails: JoinDetails | null = null;
let lastGreeting: 'join' | 'resume' = 'join';
let everGreeted = false;

let title = '';
let agenda: AgendaBlock[] = [];
let presenter = '';
let timeZone = '';
let lifecycle: Lifecycle = Lifecycle.UNSPECIFIED;
let assignment: Assignment | undefined;
let phase: PhaseState | undefined;
let feedback: FeedbackState | undefined;
let away = false;
let broadcast: BroadcastMessage | undefined;
let feedbackThanks = false;

// ---------------------------------------------------------------------------------------------
// The page's parts, built once

const header = new Header(() => retryNow());
const broadcastEl = h('div', { class: 'banner info p-broadcast', role: 'status', 'data-testid': 'broadcast', hidden: true });
const noticeEl = h('div', { class: 'banner warn p-notice', role: 'status', 'data-testid': 'notice', hidden: true });
const content = h('div', { class: 'p-content' });
const main = h('main', { class: 'wrap p-main', id: 'main', tabindex: -1 }, broadcastEl, noticeEl, content);
render(app, header.el, main);

const joinForm = new JoinForm(code, (d) => join(d));

const clock = new ClockCard(() => serverNow(), () => timeZone);
const group = new GroupCard();
const actions = new ActionsCard(async (kind, note) => {
  const c = requireConn();
  const round = assignment?.round ?? 0;
  // With the round seen when pressed: if it is delivered only after another round began, the
  // server refuses it rather than mark the new room.
  if (kind === 'done') await c.request({ case: 'done', value: { $typeName: 'dyad.v1.MarkDone', round } });
  else if (kind === 'withdraw') await c.request({ case: 'withdrawHelp', value: { $typeName: 'dyad.v1.WithdrawHelp', round } });
  else await c.request({ case: 'help', value: { $typeName: 'dyad.v1.AskForHelp', note, round } });
  if (kind !== 'withdraw') store.setRoundFlag(round, kind);
}, () => conn?.online ?? false);
const material = new MaterialCards();
const roundEl = h('div', { class: 'p-round', 'data-testid': 'assignment' },
  h('div', { class: 'p-round-side' }, clock.el, group.el, actions.el),
  material.el);

const waiting = new WaitingView(() => serverNow(), async (want) => {
  await requireConn().request({ case: 'setAway', value: { $typeName: 'dyad.v1.SetAway', away: want } });
  away = want;
  draw();
});

const feedbackEl = h('section', { class: 'card p-feedback', 'data-testid': 'feedback' });
const pendingEl = h('div', { class: 'banner warn p-pending', role: 'status', 'data-testid': 'feedback-pending' },
  h('p', { class: 'p-pending-title' }, 'Your feedback is not sent yet'),
  h('p', { class: 'p-pending-text' }, "Saved on this device — it will be sent as soon as you're back online"));
const thanksEl = h('div', { class: 'p-thanks', role: 'status', 'data-testid': 'feedback-thanks' },
  h('p', { class: 'p-thanks-title' }, 'Thank you — your feedback has been recorded anonymously.'),
  h('p', { class: 'muted small' }, 'Your answers are stored without your name. You can leave this page open or close it.'));
let form: FeedbackForm | null = null;
let formSubmissionId = '';

const liveEl = h('div', { class: 'p-live' }, feedbackEl, roundEl, waiting.el);

function serverNow(): number {
  return conn ? conn.serverNow() : Date.now();
}

function requireConn(): Connection {
  if (!conn) throw new WireError(ErrorCode.UNSPECIFIED, 'The page is not connected to the workshop; reload it.');
  return conn;
}

// ---------------------------------------------------------------------------------------------
// Drawing

function show(next: Mode, view?: HTMLElement): void {
  const before = document.activeElement;
  const changed = next !== mode;
  mode = next;
  if (next !== 'live') render(content, view ?? null);
  else if (content.firstChild !== liveEl) render(content, liveEl);
  // A new screen: keyboard and screen-reader users start at its top, not on <body>.
  if (changed && (!before || before === document.body || content.contains(before) || !before.isConnected)) {
    main.focus({ preventScroll: true });
  }
}

/** Runs a redraw; if it removed or hid the focused control (say "I'm stepping away" when a round
 *  starts), focus goes to the start of the content instead of being lost. */
function keepingFocus(redraw: () => void): void {
  const before = document.activeElement;
  redraw();
  if (before instanceof HTMLElement && before !== document.body && before !== main &&
      (!before.isConnected || before.closest('[hidden]'))) {
    main.focus({ preventScroll: true });
  }
}

function draw(): void {
  if (mode === 'live') keepingFocus(drawLive);
}

function drawLive(): void {
  drawBroadcast();
  const fbVisible = drawFeedback();
  // Feedback opens only after the last round ended, so a room still held then is over.
  const inGroup = !!assignment && !fbVisible;
  roundEl.hidden = !inGroup;
  main.classList.toggle('is-round', inGroup);
  waiting.el.hidden = inGroup || fbVisible;
  if (inGroup && assignment) {
    actions.setRound(assignment.round, store.roundFlags(assignment.round));
    actions.setRoom({ done: assignment.roomDone, helpOpen: assignment.helpOpen, helpFrom: assignment.helpFrom, helpHandled: assignment.helpHandled });
    clock.update(phase && phase.round === assignment.round ? phase : undefined);
  } else {
    clock.update(undefined);
    waiting.update({ title, agenda, presenter, away, timeZone });
  }
}

function applyAssignment(a: Assignment | undefined, news = false): void {
  // A group that arrives (as news, or in the answer to a first Join) while this page already
  // knows its round is running is a late joiner's, or one back from a break: the launch sends
  // the groups before the clock, and a reload's Resume is no news.
  const lateJoin = news && !!a && !!a.room && !!phase && phase.round === a.round && !phase.ended &&
    (!assignment || assignment.round !== a.round);
  // An Assignment without a room is "not in a group now": back to waiting.
  assignment = a && a.room ? a : undefined;
  if (assignment) {
    group.update(assignment, lateJoin);
    material.update(assignment);
  }
}

function drawBroadcast(): void {
  const b = broadcast;
  const visible = !!b && b.text !== '' && Number(b.sentMs) > store.dismissedBroadcast;
  broadcastEl.hidden = !visible;
  if (!visible || !b) return;
  if (broadcastEl.dataset.sent === String(b.sentMs)) return;
  broadcastEl.dataset.sent = String(b.sentMs);
  // The server's instant, written in the plan's zone like every clock time on the page.
  const when = new Date(Number(b.sentMs));
  const dismiss = h('button', { type: 'button', class: 'secondary p-dismiss', 'aria-label': 'Dismiss the facilitator’s message' }, 'Dismiss');
  dismiss.addEventListener('click', () => {
    store.dismissedBroadcast = Number(b.sentMs);
    broadcastEl.hidden = true;
    main.focus();
  });
  render(broadcastEl,
    h('div', { class: 'p-broadcast-body' },
      h('p', { class: 'p-broadcast-label' }, 'From your facilitator',
        h('time', { datetime: when.toISOString() }, ` · ${clockTimeIn(b.sentMs, timeZone)}`)),
      h('p', { class: 'p-broadcast-text', 'data-testid': 'broadcast-text' }, b.text)),
    dismiss);
}

/** Form, "saved on this device" or thanks; returns whether the feedback part is showing. */
function drawFeedback(): boolean {
  const outbox = store.outbox;
  let part: HTMLElement | null = null;
  if (outbox) {
    part = pendingEl;
  } else if (feedbackThanks || feedback?.submitted) {
    part = thanksEl;
  } else if (feedback?.open && feedback.questionnaire) {
    // A new form only for a different questionnaire: every snapshot (each reconnect) brings a
    // fresh copy of the same one, and rebuilding would wipe what the participant has filled in.
    if (!form || !equals(QuestionnaireSchema, form.questionnaire, feedback.questionnaire)) {
      formSubmissionId = newSubmissionId(); // once per form: a retry of this form reuses it
      form = new FeedbackForm(feedback.questionnaire, feedback.anonymityThreshold || DEFAULT_ANONYMITY_THRESHOLD, (r) => submitFeedback(r));
    }
    part = form.el;
  }
  feedbackEl.hidden = !part;
  if (part && feedbackEl.firstChild !== part) render(feedbackEl, part);
  return !!part;
}

// ---------------------------------------------------------------------------------------------
// Feedback and its outbox: saved on the device before it is sent, removed only on the server's
// acknowledgement, sent again (same submission id, counted once) after every greeting.

let outboxInFlight = false;
let outboxRetry: number | undefined;

function submitFeedback(response: FeedbackResponse): void {
  store.outbox = { submissionId: formSubmissionId, response: toJson(FeedbackResponseSchema, response) };
  draw();
  flushOutbox();
}

function flushOutbox(): void {
  const entry = store.outbox;
  if (!entry || outboxInFlight || !conn) return;
  let response: FeedbackResponse;
  try {
    response = fromJson(FeedbackResponseSchema, entry.response as JsonValue);
  } catch {
    store.outbox = null; // Not a response this page can send; nothing to retry.
    draw();
    return;
  }
  outboxInFlight = true;
  window.clearTimeout(outboxRetry);
  conn.request({ case: 'submitFeedback', value: create(SubmitFeedbackSchema, { submissionId: entry.submissionId, response }) })
    .then(() => {
      outboxInFlight = false;
      recorded(entry.submissionId);
    })
    .catch((e: unknown) => {
      outboxInFlight = false;
      if (!(e instanceof WireError)) return; // The connection stopped: it stays saved for next time.
      if (e.code === ErrorCode.ALREADY_SUBMITTED) return recorded(entry.submissionId);
      if (e.code === ErrorCode.UNAVAILABLE || e.code === ErrorCode.RATE_LIMITED) {
        outboxRetry = window.setTimeout(flushOutbox, 3000);
        return;
      }
      // Refused for good (e.g. a required question the server judges unanswered): back to the
      // form, with the server's sentence.
      if (store.outbox?.submissionId === entry.submissionId) store.outbox = null;
      draw();
      form?.showError(e.message);
    });
}

function recorded(submissionId: string): void {
  if (store.outbox?.submissionId === submissionId) store.outbox = null;
  feedbackThanks = true;
  draw();
}

// ---------------------------------------------------------------------------------------------
// The connection

function greeting(): ClientKind {
  const token = store.resumeToken;
  if (token) {
    lastGreeting = 'resume';
    return { case: 'resume', value: create(ResumeSchema, { resumeToken: token }) };
  }
  lastGreeting = 'join';
  const d = joinDetails ?? { displayName: '', email: '' };
  // The same token on every attempt: a Join that arrived but whose answer was lost is answered
  // as a Resume the second time, so nobody is added twice.
  if (!store.joinToken) store.joinToken = newResumeToken();
  return { case: 'join', value: create(JoinSchema, { displayName: d.displayName, email: d.email, resumeToken: store.joinToken }) };
}

function connect(): void {
  const c: Connection = new Connection({
    code,
    greeting,
    onGreeted: (answer) => {
      if (c === conn) greeted(answer);
    },
    onGreetingRefused: (e) => {
      if (c !== conn) return false;
      return greetingRefused(e);
    },
    onEvent: (ev) => {
      if (c === conn) onEvent(ev);
    },
    onState: (s) => {
      if (c === conn) onState(s);
    },
  });
  conn = c;
  c.start();
}

function greeted(answer: ServerMessage): void {
  if (answer.kind.case !== 'participantSnapshot') return;
  const s = answer.kind.value;
  if (s.resumeToken) store.resumeToken = s.resumeToken;
  store.joinToken = '';
  everGreeted = true;
  noticeEl.hidden = true;
  announceActive();
  applySnapshot(s);
}

function applySnapshot(s: ParticipantSnapshot): void {
  header.setTitle(s.workshopTitle);
  header.setName(s.shownName);
  title = s.workshopTitle;
  agenda = s.agenda;
  presenter = s.presenter;
  timeZone = s.timeZone;
  lifecycle = s.lifecycle;
  away = s.away;
  phase = s.phase;
  feedback = s.feedback;
  broadcast = s.lastBroadcast;
  applyAssignment(s.assignment, lastGreeting === 'join');
  if (lifecycle === Lifecycle.CLOSED) return ended();
  show('live');
  draw();
  flushOutbox();
}

function ended(): void {
  const c = conn;
  const submitted = feedbackThanks || !!feedback?.submitted;
  show('ended', endedView(submitted));
  broadcastEl.hidden = true;
  if (!c) return;
  // A response still waiting on this device goes out first: the server acknowledges a retry of
  // a stored submission even after the workshop closed.
  const finish = () => c.stop('The workshop has ended');
  if (store.outbox) {
    // Already in flight, it waits in the connection's queue, which is sent once this returns.
    if (!outboxInFlight) flushOutbox();
    window.setTimeout(finish, 3000);
  } else {
    finish();
  }
}

function greetingRefused(e: WireError): boolean {
  if (e.code === ErrorCode.UNAVAILABLE || e.code === ErrorCode.RATE_LIMITED) return true;
  // The code itself: the workshop has ended, or there is none by this code on this server.
  if (e.code === ErrorCode.WORKSHOP_CLOSED) {
    conn = null;
    header.setState({ kind: 'stopped', reason: 'The workshop has ended' });
    show('ended', endedView(feedbackThanks || !!feedback?.submitted));
    return false;
  }
  if (e.code === ErrorCode.NO_SUCH_WORKSHOP) {
    conn = null;
    header.setState({ kind: 'stopped', reason: 'No open workshop with this code' });
    show('unknown', unknownWorkshop(code, everGreeted || !!store.resumeToken));
    return false;
  }
  const aboutTheToken = e.code === ErrorCode.UNAUTHORIZED || e.code === ErrorCode.NOT_FOUND || e.code === ErrorCode.WRONG_STATE;
  if (lastGreeting === 'resume' && !aboutTheToken) {
    // Not about the token (a server this page does not understand): keep it, say so, stop; a
    // reload tries again as the same person.
    conn = null;
    header.setState({ kind: 'stopped', reason: e.message });
    noticeEl.textContent = e.message;
    noticeEl.hidden = false;
    return false;
  }
  if (lastGreeting === 'resume') {
    // The token is unknown here, or its owner left: start afresh with the join form.
    store.resumeToken = '';
  }
  conn = null;
  header.setState({ kind: 'idle' });
  header.setName('');
  show('join', joinForm.el);
  joinForm.showError(e.message);
  return false;
}

function onEvent(ev: ServerMessage): void {
  switch (ev.kind.case) {
    case 'assignment':
      applyAssignment(ev.kind.value, true);
      break;
    case 'phase':
      phase = ev.kind.value;
      break;
    case 'broadcast':
      broadcast = ev.kind.value;
      break;
    case 'feedback':
      feedback = ev.kind.value;
      if (feedback.open && lifecycle !== Lifecycle.CLOSED) lifecycle = Lifecycle.FEEDBACK;
      break;
    case 'lifecycle':
      lifecycle = ev.kind.value.lifecycle;
      if (lifecycle === Lifecycle.CLOSED) return ended();
      break;
    case 'goodbye':
      return goodbye(ev.kind.value.reason);
    default:
      return;
  }
  draw();
}

function goodbye(reason: string): void {
  noticeEl.textContent = reason || 'The server closed the connection; reconnecting.';
  noticeEl.hidden = false;
  // Another tab took over (the server closes the older connection): reconnecting here would
  // take it back, and the two tabs would push each other off for ever.
  if (/another window/i.test(reason)) elsewhere();
}

function onState(s: ConnectionState): void {
  // A closed or unknown code is answered on the WebSocket itself (greetingRefused): a drop here
  // is the network or a restarting server, and the connection keeps trying.
  header.setState(s);
}

function retryNow(): void {
  if (conn) conn.reconnectNow();
  else if (mode === 'join') void probeForJoin();
}

function join(d: JoinDetails): void {
  joinDetails = d;
  store.resumeToken = '';
  store.joinToken = ''; // a join asked for by hand starts afresh
  connect();
}

// ---------------------------------------------------------------------------------------------
// One connection per browser: a second tab of the same workshop takes over and this one steps
// aside, rather than the two closing each other's connection in turn.

const tabId = newSubmissionId();
const channel = 'BroadcastChannel' in window ? new BroadcastChannel(`dyad:${code}`) : null;

let activeSince = 0;
function announceActive(): void {
  activeSince = Date.now();
  channel?.postMessage({ active: tabId, since: activeSince });
}

// The newer tab wins; two that connected in the same millisecond are ordered by their ids, so
// exactly one of them steps aside.
channel?.addEventListener('message', (ev: MessageEvent) => {
  const data = ev.data as { active?: string; since?: number } | null;
  if (!data?.active || data.active === tabId || !conn) return;
  const since = data.since ?? 0;
  if (since > activeSince || (since === activeSince && data.active > tabId)) elsewhere();
});

function elsewhere(): void {
  const c = conn;
  conn = null;
  c?.stop('Open in another window');
  header.setState({ kind: 'stopped', reason: 'Open in another window' });
  show('elsewhere', elsewhereView(() => {
    noticeEl.hidden = true;
    show('boot', h('p', { class: 'muted' }, 'Connecting…'));
    connect();
  }));
}

// ---------------------------------------------------------------------------------------------
// Start

async function probeForJoin(): Promise<void> {
  header.setProbing();
  const r = await probeWorkshop(code);
  if (conn) return; // joined meanwhile
  if (r === 'unknown') {
    header.setState({ kind: 'stopped', reason: 'No open workshop with this code' });
    show('unknown', unknownWorkshop(code, false));
    return;
  }
  if (r === 'closed') {
    // Said before anyone types a name, not after.
    header.setState({ kind: 'stopped', reason: 'The workshop has ended' });
    show('ended', endedView(false));
    return;
  }
  header.setState(r === 'open' ? { kind: 'idle' } : { kind: 'offline' });
  joinForm.setNote(r === 'open' ? '' : 'The workshop cannot be reached just now. You can still fill this in: the page joins as soon as the connection is back.');
}

function boot(): void {
  window.setInterval(() => {
    header.tick();
    if (mode !== 'live') return;
    if (assignment) clock.tick();
    else waiting.tick();
  }, TICK_MS);

  if (!code) {
    show('unknown', unknownWorkshop('(none)', false));
    return;
  }
  header.setTitle('');
  // A Join sent before a reload, answered or not: try its token as a Resume; if the Join never
  // arrived, the refusal brings back the join form.
  if (!store.resumeToken && store.joinToken) {
    store.resumeToken = store.joinToken;
    store.joinToken = '';
  }
  if (store.resumeToken) {
    show('boot', h('p', { class: 'muted', 'data-testid': 'loading' }, 'Connecting to the workshop…'));
    header.setProbing();
    connect();
    return;
  }
  show('join', joinForm.el);
  joinForm.focus();
  void probeForJoin();
}

boot();
