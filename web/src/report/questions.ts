// The per-question part of the report, shared by one run and the combined runs of a series:
// each question's text, how many answered, a bar chart and a table of counts and percentages,
// the mean of a scale, and free-text comments as the server ordered them.
import type { QuestionTally, Tallies } from '@gen/dyad/v1/feedback_pb';
import { barChart, barsOf, formatPercent, type Bar } from '../lib/chart';
import { h } from '../lib/dom';
import { mean2 } from './format';

/** Shown where a question's numbers are withheld; the threshold comes from the plan. */
export function withheldSentence(threshold: number): string {
  return `Withheld: fewer than ${threshold} answers, so that no one's answers can be singled out.`;
}

export type QuestionKind = 'choice' | 'scale' | 'text' | 'unknown';

/** A hidden tally carries neither options nor scale, so its kind cannot be told; callers treat it as unknown. */
export function kindOf(q: QuestionTally): QuestionKind {
  if (q.options.length > 0) return 'choice';
  if (q.scale) return 'scale';
  if (q.hidden) return 'unknown';
  return 'text';
}

/** Every question of `t`, or the reason they are all withheld. */
export function questionSections(t: Tallies, scope: string): Node[] {
  if (t.hidden) {
    // Whole set below the threshold: say why once, then only which questions were asked, so the
    // page is not a column of identical "withheld" notes.
    return [
      h('div', { class: 'banner warn withheld-all', 'data-testid': 'hidden-reason', role: 'note' },
        h('strong', {}, 'Results withheld. '),
        t.hiddenReason || withheldSentence(t.anonymityThreshold)),
      h('section', { class: 'card questions-asked', 'aria-labelledby': `asked-${scope}` },
        h('h2', { id: `asked-${scope}` }, 'Questions asked'),
        h('ol', { class: 'asked' },
          t.questions.map((q) => h('li', { 'data-testid': `question-${q.questionId}` },
            h('span', {}, q.text || q.questionId), ' ', h('span', { class: 'pill warn' }, 'withheld'))))),
    ];
  }
  return t.questions.map((q) => questionSection(q, t.responses, t.anonymityThreshold, scope));
}

function questionSection(q: QuestionTally, responses: number, threshold: number, scope: string): HTMLElement {
  const headingId = `q-${scope}-${q.questionId}`;
  const kind = kindOf(q);
  const answered = kind === 'text' ? `${q.answered} of ${responses} wrote an answer` : `Answered by ${q.answered} of ${responses}`;
  // A short list of comments is kept on one page when printed; a long one may break between comments.
  const short = kind !== 'text' || q.comments.length <= 20;
  return h('section', { class: `card question q-${kind}${short ? ' q-keep' : ''}`, 'data-testid': `question-${q.questionId}`, 'aria-labelledby': headingId },
    h('header', { class: 'q-head' },
      h('h3', { id: headingId }, q.text || q.questionId),
      h('p', { class: 'q-answered muted small', 'data-testid': `answered-${q.questionId}` }, q.hidden ? '' : answered)),
    q.hidden ? h('p', { class: 'withheld', 'data-testid': `withheld-${q.questionId}` }, withheldSentence(threshold)) : body(q, kind));
}

function body(q: QuestionTally, kind: QuestionKind): Node | Node[] {
  switch (kind) {
    case 'choice':
      return figure(q, 'Option', barsOf(q));
    case 'scale': {
      const s = q.scale!;
      return [
        h('p', { class: 'mean' },
          h('span', { class: 'mean-label' }, 'Mean '),
          h('strong', { class: 'mean-value', 'data-testid': `mean-${q.questionId}` }, q.answered > 0 ? mean2(s.mean) : '—'),
          h('span', { class: 'muted' }, ` on a scale from ${s.min} to ${s.max}`)),
        figure(q, 'Value', barsOf(q)),
      ];
    }
    case 'text':
      return comments(q);
    case 'unknown':
      return [];
  }
}

/** The chart beside its table: the table holds the same numbers for screen readers and for
 *  anyone who reads figures rather than bars. */
function figure(q: QuestionTally, first: string, bars: Bar[]): HTMLElement {
  return h('div', { class: 'q-figure' },
    h('div', { class: 'q-chart' }, barChart(q.text || q.questionId, bars)),
    h('table', { class: 'q-table', 'data-testid': `table-${q.questionId}` },
      h('caption', { class: 'visually-hidden' }, `${q.text}: counts and percentages`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, first), h('th', { scope: 'col', class: 'num' }, 'Count'), h('th', { scope: 'col', class: 'num' }, 'Percent'))),
      h('tbody', {}, bars.map((b) => h('tr', {},
        h('th', { scope: 'row' }, b.label),
        h('td', { class: 'num' }, b.count),
        h('td', { class: 'num' }, formatPercent(b.percent)))))));
}

function comments(q: QuestionTally): Node[] {
  if (q.comments.length === 0) return [h('p', { class: 'muted', 'data-testid': `comments-${q.questionId}` }, 'No comments.')];
  // The server's order is random and unrelated to arrival; sorting here would only add an order
  // someone might read meaning into, so the list stays as it came.
  return [
    h('ul', { class: 'comments', 'data-testid': `comments-${q.questionId}` }, q.comments.map((c) => h('li', {}, c))),
    h('p', { class: 'comments-note muted small' }, 'Shown in random order. Names are never kept with answers.'),
  ];
}
