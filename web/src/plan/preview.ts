// The live previews beside the questions: the participant's feedback form, built by the very code
// that builds it on the participant's page (participant/feedback.ts), and the summary sentence
// the report opens with, phrased as the server phrases it, from invented figures.
import type { Plan } from '@gen/dyad/v1/plan_pb';
import { h, render } from '../lib/dom';
import { FeedbackForm } from '../participant/feedback';
import { EXAMPLE_RESPONSES, numberInWords, previewSummary } from './summary-preview';

export class Previews {
  readonly el: HTMLElement;
  private readonly formSlot = h('div', { class: 'preview-form', 'data-testid': 'form-preview' });
  private readonly summary = h('p', { class: 'preview-summary', 'data-testid': 'summary-preview' });

  constructor() {
    this.el = h('aside', { class: 'previews', 'aria-labelledby': 'preview-h' },
      h('h3', { id: 'preview-h' }, 'Preview'),
      h('p', { class: 'muted small' }, 'A preview of what participants will see: try the answers to see conditional questions appear. Nothing is sent.'),
      h('section', { class: 'preview-box', 'aria-labelledby': 'summary-preview-h' },
        h('h4', { id: 'summary-preview-h' }, 'The summary sentence (preview)'),
        h('p', { class: 'muted small' },
          `As the report would open it if ${numberInWords(EXAMPLE_RESPONSES)} people had answered; the figures are invented.`),
        this.summary),
      h('section', { class: 'preview-box', 'aria-labelledby': 'form-preview-h' },
        h('h4', { id: 'form-preview-h' }, 'The feedback form (preview)'),
        this.formSlot));
  }

  /** Draws both previews from the plan as it stands, keeping the answers tried in the form. */
  update(plan: Plan): void {
    this.summary.textContent = previewSummary(plan.questionnaire);
    const tried = new Map<string, string>();
    for (const input of this.formSlot.querySelectorAll<HTMLInputElement>('input[type=radio]:checked')) {
      const q = input.closest<HTMLElement>('[data-question-id]')?.dataset.questionId;
      if (q) tried.set(q, input.value);
    }
    const threshold = plan.anonymityThreshold || 3;
    const form = new FeedbackForm(plan.questionnaire ?? { $typeName: 'dyad.v1.Questionnaire', intro: '', questions: [], summaryOpening: '' },
      threshold, () => form.showError('This is a preview: nothing was sent.'));
    // The preview's own heading level sits under this panel's.
    for (const q of tried.keys()) {
      const box = form.el.querySelector<HTMLInputElement>(`[data-question-id="${CSS.escape(q)}"] input[value="${CSS.escape(tried.get(q)!)}"]`);
      if (box) box.checked = true;
    }
    render(this.formSlot, form.el);
    form.el.dispatchEvent(new Event('change'));
  }
}
