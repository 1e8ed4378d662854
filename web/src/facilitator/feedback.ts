// The end of the day: open the anonymous form, watch responses and tallies arrive, hand over to
// the report, close the workshop.
import { Lifecycle } from '@gen/dyad/v1/events_pb';
import type { QuestionTally } from '@gen/dyad/v1/feedback_pb';
import { barChart, barsOf } from '../lib/chart';
import { h, render } from '../lib/dom';
import { reportUrl } from '../lib/urls';
import { roundRunning, type DashState } from './state';
import { messageOf } from './util';

export interface FeedbackActions {
  openFeedback(): Promise<void>;
  closeWorkshop(): Promise<void>;
}

export interface FeedbackPanel {
  root: HTMLElement;
  closeRoot: HTMLElement;
  update(s: DashState): void;
}

function tallySection(q: QuestionTally, threshold: number): HTMLElement {
  const body: (HTMLElement | SVGElement)[] = [];
  if (q.hidden) {
    body.push(h('p', { class: 'muted small' },
      `Withheld until at least ${threshold} people have answered this question, so no one can be recognised.`));
  } else {
    const bars = barsOf(q);
    if (bars.length > 0) {
      body.push(barChart(q.text, bars));
    }
    if (q.scale && q.answered > 0)
      body.push(h('p', { class: 'small tally-mean' }, `Mean ${q.scale.mean.toFixed(1)} on a scale of ${q.scale.min} to ${q.scale.max}`));
    if (q.comments.length > 0)
      body.push(h('ul', { class: 'comments', 'aria-label': 'Comments' }, q.comments.map((c) => h('li', {}, c))));
    else if (bars.length === 0) body.push(h('p', { class: 'muted small' }, 'No comments yet.'));
  }
  return h('section', { class: 'tally', 'data-testid': `tally-${q.questionId}` },
    h('h3', {}, q.text),
    h('p', { class: 'muted small' }, `${q.answered} answered`),
    body);
}

export function feedbackPanel(actions: FeedbackActions): FeedbackPanel {
  let state: DashState | undefined;
  let opening = false; // a request to open is on its way: the button stays disabled
  const intro = h('p', { class: 'muted' });
  const openButton = h('button', { type: 'button', 'data-testid': 'open-feedback' }, 'Open feedback');
  const openError = h('p', { class: 'error-text', role: 'alert' });
  const count = h('span', { 'data-testid': 'responses-count' }, '0');
  const outOf = h('span', {});
  const responses = h('p', { class: 'responses', 'aria-live': 'polite' }, count, outOf);
  const releaseNote = h('p', { class: 'muted small', 'data-testid': 'release-note' });
  const tallies = h('div', { class: 'tallies', 'data-testid': 'tallies' });
  const reportLink = h('a', { class: 'button secondary', target: '_blank', rel: 'noopener', 'data-testid': 'report-link' }, 'Open the report');
  const root = h('section', { class: 'card feedback', 'aria-labelledby': 'feedback-h' },
    h('h2', { id: 'feedback-h' }, 'Feedback'),
    intro,
    h('div', { class: 'actions' }, openButton, reportLink),
    openError,
    responses,
    releaseNote,
    tallies);

  const closeButton = h('button', { type: 'button', class: 'danger', 'data-testid': 'close-workshop' }, 'Close workshop');
  const closeError = h('p', { class: 'error-text', role: 'alert' });
  const closeText = h('p', { class: 'muted small' });
  const closeRoot = h('section', { class: 'card close-card', 'aria-labelledby': 'close-h' },
    h('h2', { id: 'close-h' }, 'End of the day'), closeText, h('div', { class: 'actions' }, closeButton), closeError);

  openButton.addEventListener('click', async () => {
    if (!state) return;
    const running = roundRunning(state);
    const question = running
      ? `Open feedback now? Round ${state.round} ends for everyone, no more rounds can start, and participants see the feedback form.`
      : 'Open feedback now? No more rounds can start, and participants see the feedback form.';
    if (!window.confirm(question)) return;
    opening = true;
    openButton.disabled = true;
    openError.textContent = '';
    try {
      await actions.openFeedback();
    } catch (e) {
      openError.textContent = messageOf(e);
    } finally {
      opening = false;
      openButton.disabled = false;
    }
  });
  closeButton.addEventListener('click', async () => {
    if (!window.confirm('Close the workshop? Participants are thanked and disconnected, and nothing more can be submitted. This cannot be undone.')) return;
    closeButton.disabled = true;
    closeError.textContent = '';
    try {
      await actions.closeWorkshop();
    } catch (e) {
      closeError.textContent = messageOf(e);
      closeButton.disabled = false;
    }
  });

  function update(s: DashState): void {
    state = s;
    reportLink.setAttribute('href', reportUrl(s.code, s.token));
    const open = s.lifecycle === Lifecycle.FEEDBACK;
    const closed = s.lifecycle === Lifecycle.CLOSED;
    openButton.hidden = open || closed;
    openButton.disabled = opening;
    intro.textContent = closed
      ? 'The workshop is closed. The report keeps every response.'
      : open
        ? 'The feedback form is open on every participant’s page. Responses are anonymous: no one, you included, can see who sent what or who has sent theirs.'
        : 'At the end of the day, open the anonymous feedback form. Any running round ends, and participants see the form at once.';
    count.textContent = String(s.responses);
    const joined = s.roster.length;
    outOf.textContent = closed
      ? ` of ${joined} ${joined === 1 ? 'participant' : 'participants'} responded`
      : ` ${s.responses === 1 ? 'response' : 'responses'} shown so far`;
    responses.hidden = !(open || closed || s.responses > 0);
    releaseNote.textContent = open ? s.releaseNote : '';
    releaseNote.hidden = !open || !s.releaseNote;
    const t = s.tallies;
    const showTallies = (open || closed || s.responses > 0) && !!t;
    tallies.hidden = !showTallies;
    if (showTallies && t) {
      if (t.hidden) {
        render(tallies, h('p', { class: 'banner info tallies-hidden', 'data-testid': 'tallies-hidden' },
          t.hiddenReason || `Results appear once ${t.anonymityThreshold} people have responded.`));
      } else {
        render(tallies, t.questions.map((q) => tallySection(q, t.anonymityThreshold)));
      }
    }
    closeText.textContent = closed
      ? 'This workshop is closed.'
      : 'When everyone says they have sent their feedback, close the workshop: the responses still held back are shown, participants are thanked and their pages stop.';
    closeButton.hidden = closed;
  }

  return { root, closeRoot, update };
}
