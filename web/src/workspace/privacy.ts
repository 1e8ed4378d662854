// Personal data (organisers): how long participants' names and e-mail addresses are kept, and
// in plain words what Dyad keeps and for how long.
import { h } from '../lib/dom';
import { setRetentionDays } from './api';
import { count } from './format';
import type { Page } from './state';

/** The sentence for a retention period: what happens to names and e-mails after a run closes. */
export function retentionSentence(days: number): string {
  return days > 0
    ? `Names and e-mail addresses are erased by themselves ${count(days, 'day')} after a run closes, or earlier when an organiser erases them.`
    : 'Names and e-mail addresses are kept until an organiser erases them (“Erase names and e-mails” on a closed run).';
}

export function privacySection(page: Page): { root: HTMLElement; update(): void } {
  const { state } = page;
  const days = h('input', { id: 'retention-days', type: 'number', min: 0, max: 3650, step: 1, inputmode: 'numeric',
    'aria-describedby': 'retention-hint', class: 'short-number' });
  const problem = h('p', { class: 'error-text', role: 'alert', 'data-testid': 'retention-problem' });
  const note = h('p', { class: 'ok-text', role: 'status', 'data-testid': 'retention-note' });
  const current = h('p', { 'data-testid': 'retention-now' });
  const save = h('button', { type: 'submit' }, 'Save');

  const form = h('form', { novalidate: true, class: 'retention' },
    h('label', { for: 'retention-days' }, 'Erase names and e-mails automatically after'),
    h('p', { class: 'hint', id: 'retention-hint' }, 'Days after a run closes. 0 keeps them until an organiser erases them.'),
    h('div', { class: 'copy-row' }, days, h('span', { class: 'unit' }, 'days'), save),
    problem, note);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    note.textContent = '';
    const wanted = Number(days.value);
    if (days.value.trim() === '' || !Number.isInteger(wanted) || wanted < 0) {
      problem.textContent = 'Enter a whole number of days: 0 or more.';
      return days.focus();
    }
    save.disabled = true;
    await page.act(async () => {
      state.retentionDays = await setRetentionDays(wanted);
      note.textContent = `Saved. ${retentionSentence(state.retentionDays)}`;
    }, problem);
    save.disabled = false;
  });

  const root = h('section', { class: 'card', 'aria-labelledby': 'privacy-h', 'data-testid': 'privacy' },
    h('h2', { id: 'privacy-h' }, 'Personal data'),
    h('h3', {}, 'What Dyad keeps, and for how long'),
    h('ul', { class: 'kept' },
      h('li', {}, 'Participants\' names, and e-mail addresses when they give one, are kept only for the run: until an organiser erases them or the period below ends. Then the list of who took part reads “Participant 1”, “Participant 2”, and so on.'),
      h('li', {}, 'The anonymous feedback statistics are kept, so that the reports of a run and of its series still work.'),
      h('li', {}, 'Feedback is never linked to a person: no one, organisers included, can see who answered what, or who has answered.')),
    current,
    form);

  function update(): void {
    if (document.activeElement !== days) days.value = String(state.retentionDays);
    current.textContent = retentionSentence(state.retentionDays);
  }

  return { root, update };
}
