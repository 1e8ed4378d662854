// The anonymous feedback form, built from the plan's questionnaire: choice questions as radio
// groups, scales as a row of numbers, free text as text areas, conditional questions shown only
// while their condition holds (exactly as the server judges it: asked when the earlier choice
// question was answered with one of the listed options, so a question whose source is hidden
// is hidden too), required questions checked before anything is sent.
import { create } from '@bufbuild/protobuf';
import { AnswerSchema, FeedbackResponseSchema, type Answer, type FeedbackResponse } from '@gen/dyad/v1/feedback_pb';
import type { Question, Questionnaire } from '@gen/dyad/v1/plan_pb';
import { h } from '../lib/dom';

const DEFAULT_TEXT_MAX = 2000;

interface QuestionView {
  question: Question;
  wrap: HTMLElement;
  error: HTMLElement;
  /** The current answer, or undefined when unanswered. */
  read: () => Answer['value'] | undefined;
  focus: () => void;
  setInvalid: (invalid: boolean) => void;
}

function hasCondition(q: Question): boolean {
  return !!q.condition && q.condition.questionId !== '';
}

/** Which questions are asked, given the answers so far, in the questionnaire's order. A
 *  condition names an earlier question; its answer counts only if that question is asked. */
export function askedQuestions(questions: readonly Question[], answerOf: (id: string) => Answer['value'] | undefined): Set<string> {
  const asked = new Set<string>();
  for (const q of questions) {
    if (!hasCondition(q)) {
      asked.add(q.id);
      continue;
    }
    const c = q.condition!;
    if (!asked.has(c.questionId)) continue;
    const a = answerOf(c.questionId);
    if (a && a.case === 'optionId' && c.optionIds.includes(a.value)) asked.add(q.id);
  }
  return asked;
}

function requiredMark(q: Question): HTMLElement | null {
  return q.required ? h('span', { class: 'p-required' }, ' (required)') : null;
}

let formSeq = 0;

export class FeedbackForm {
  readonly el: HTMLFormElement;
  private readonly views: QuestionView[] = [];
  private readonly summary = h('p', { class: 'error-text p-form-summary', role: 'alert', 'data-testid': 'feedback-error' });
  private readonly submitButton = h('button', { type: 'submit', 'data-testid': 'send-feedback' }, 'Send feedback');

  constructor(readonly questionnaire: Questionnaire, anonymityThreshold: number,
              private readonly onSubmit: (response: FeedbackResponse) => void) {
    const seq = ++formSeq;
    for (const [i, q] of questionnaire.questions.entries()) {
      const v = this.questionView(q, `fq${seq}-${i}`);
      if (v) this.views.push(v);
    }
    this.el = h('form', { class: 'p-feedback-form', novalidate: true, 'data-testid': 'feedback-form', 'aria-labelledby': 'p-fb-h' },
      h('h2', { id: 'p-fb-h' }, 'Your feedback on the day'),
      questionnaire.intro ? h('p', { class: 'p-fb-intro' }, questionnaire.intro) : null,
      anonymityNote(anonymityThreshold),
      this.views.map((v) => v.wrap),
      this.summary,
      h('div', { class: 'actions' }, this.submitButton));
    this.el.addEventListener('change', () => this.refresh());
    this.el.addEventListener('input', () => this.refresh());
    this.el.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit();
    });
    this.refresh();
  }

  /** A refusal from the server (e.g. a question it judges unanswered), shown beside the form. */
  showError(message: string): void {
    this.summary.textContent = message;
    this.submitButton.disabled = false;
  }

  private answerOf(id: string): Answer['value'] | undefined {
    return this.views.find((v) => v.question.id === id)?.read();
  }

  private refresh(): void {
    const asked = askedQuestions(this.views.map((v) => v.question), (id) => this.answerOf(id));
    for (const v of this.views) {
      const show = asked.has(v.question.id);
      if (v.wrap.hidden === show) v.wrap.hidden = !show;
      // An answer given clears its own complaint at once.
      if (v.error.textContent && v.read() !== undefined) {
        v.error.textContent = '';
        v.setInvalid(false);
      }
    }
  }

  private submit(): void {
    const asked = askedQuestions(this.views.map((v) => v.question), (id) => this.answerOf(id));
    const answers: Answer[] = [];
    const missing: QuestionView[] = [];
    for (const v of this.views) {
      v.error.textContent = '';
      v.setInvalid(false);
      if (!asked.has(v.question.id)) continue; // Hidden questions send nothing.
      const value = v.read();
      if (value === undefined) {
        if (v.question.required) missing.push(v);
        continue;
      }
      answers.push(create(AnswerSchema, { questionId: v.question.id, value }));
    }
    if (missing.length) {
      for (const v of missing) {
        v.error.textContent = 'Please answer this question; it is required.';
        v.setInvalid(true);
      }
      this.summary.textContent = missing.length === 1
        ? 'One required question is not answered yet; it is marked below.'
        : `${missing.length} required questions are not answered yet; they are marked below.`;
      missing[0].focus();
      return;
    }
    this.summary.textContent = '';
    this.submitButton.disabled = true;
    this.onSubmit(create(FeedbackResponseSchema, { answers }));
  }

  private questionView(q: Question, id: string): QuestionView | null {
    const error = h('p', { class: 'error-text p-q-error', id: `${id}-err` });
    switch (q.kind.case) {
      case 'choice': {
        const inputs = q.kind.value.options.map((o, j) =>
          h('input', { type: 'radio', name: id, id: `${id}-${j}`, value: o.id }));
        const fieldset = h('fieldset', { class: 'p-q p-q-choice', 'data-question-id': q.id, 'aria-describedby': `${id}-err` },
          h('legend', {}, q.text, requiredMark(q)),
          q.kind.value.options.map((o, j) => h('label', { class: 'choice', for: `${id}-${j}` }, inputs[j], o.label || o.id)),
          error);
        return {
          question: q, wrap: fieldset, error,
          read: () => {
            const on = inputs.find((i) => i.checked);
            return on ? { case: 'optionId', value: on.value } : undefined;
          },
          focus: () => inputs[0]?.focus(),
          setInvalid: (bad) => inputs.forEach((i) => (bad ? i.setAttribute('aria-invalid', 'true') : i.removeAttribute('aria-invalid'))),
        };
      }
      case 'scale': {
        const s = q.kind.value;
        const values: number[] = [];
        for (let n = s.min; n <= s.max && values.length < 101; n++) values.push(n);
        const inputs = values.map((n) => h('input', { type: 'radio', name: id, id: `${id}-${n}`, value: String(n) }));
        const ends = s.minLabel || s.maxLabel
          ? h('p', { class: 'p-scale-ends', id: `${id}-ends` },
              h('span', {}, s.minLabel ? `${s.min} = ${s.minLabel}` : ''),
              h('span', {}, s.maxLabel ? `${s.max} = ${s.maxLabel}` : ''))
          : null;
        const fieldset = h('fieldset', { class: 'p-q p-q-scale', 'data-question-id': q.id,
          'aria-describedby': [ends ? `${id}-ends` : '', `${id}-err`].filter(Boolean).join(' ') },
          h('legend', {}, q.text, requiredMark(q)),
          h('div', { class: 'p-scale' },
            values.map((n, j) => h('label', { class: 'p-scale-option', for: `${id}-${n}` }, inputs[j], h('span', {}, String(n))))),
          ends,
          error);
        return {
          question: q, wrap: fieldset, error,
          read: () => {
            const on = inputs.find((i) => i.checked);
            return on ? { case: 'scale', value: Number(on.value) } : undefined;
          },
          focus: () => inputs[0]?.focus(),
          setInvalid: (bad) => inputs.forEach((i) => (bad ? i.setAttribute('aria-invalid', 'true') : i.removeAttribute('aria-invalid'))),
        };
      }
      case 'textAnswer': {
        const max = q.kind.value.maxLength || DEFAULT_TEXT_MAX;
        const counter = h('span', { class: 'p-counter', id: `${id}-count` });
        const area = h('textarea', { id, name: id, maxlength: max, rows: 4, 'aria-describedby': `${id}-count ${id}-err` });
        const update = () => { counter.textContent = `${[...area.value].length} of ${max} characters`; };
        area.addEventListener('input', update);
        update();
        const wrap = h('div', { class: 'p-q p-q-text', 'data-question-id': q.id },
          h('label', { for: id }, q.text, requiredMark(q)),
          area, counter, error);
        return {
          question: q, wrap, error,
          // A blank answer is no answer: the server refuses blank text, so it is left out.
          read: () => (area.value.trim() ? { case: 'text', value: area.value.trim() } : undefined),
          focus: () => area.focus(),
          setInvalid: (bad) => (bad ? area.setAttribute('aria-invalid', 'true') : area.removeAttribute('aria-invalid')),
        };
      }
      default:
        return null; // A question the plan gives no kind cannot be answered; the server agrees.
    }
  }
}

/** What anonymity means here, in plain words, before anyone answers. */
export function anonymityNote(k: number): HTMLElement {
  return h('div', { class: 'p-anon', 'data-testid': 'anonymity' },
    h('h3', {}, 'How your answers stay anonymous'),
    h('ul', {},
      h('li', {}, 'Your answers are stored without your name or any link to you, in an order unrelated to when you sent them.'),
      h('li', {}, `The facilitator sees only totals, and they change only when at least ${k} more people have answered, so no one’s answers show up on their own. The facilitator cannot see who has sent theirs.`),
      h('li', {}, 'Written comments are shown without names, in random order: leave your name out of them if you want them to stay anonymous.')));
}
