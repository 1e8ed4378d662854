// A question asked before a change that cannot be undone, in a modal <dialog>: the browser keeps
// focus inside it, Escape cancels, and focus starts on the safe answer.
import { h, render } from '../lib/dom';

export interface Question {
  title: string;
  paragraphs: string[];
  yes: string;
  /** The answer changes something for good: the red button. */
  danger?: boolean;
}

let dialog: HTMLDialogElement | null = null;

/** Resolves true when the person confirms, false when they cancel (or press Escape). */
export function ask(q: Question): Promise<boolean> {
  if (!dialog) {
    dialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-h', 'aria-describedby': 'confirm-body', 'data-testid': 'confirm' });
    document.body.append(dialog);
  }
  const d = dialog;
  const yes = h('button', { type: 'button', class: q.danger ? 'danger' : '', 'data-testid': 'confirm-yes' }, q.yes);
  const no = h('button', { type: 'button', class: 'secondary', 'data-testid': 'confirm-no' }, 'Cancel');
  render(d,
    h('h2', { id: 'confirm-h' }, q.title),
    h('div', { id: 'confirm-body' }, q.paragraphs.map((p) => h('p', {}, p))),
    h('div', { class: 'actions' }, yes, no));
  return new Promise((resolve) => {
    let done = false;
    const finish = (answer: boolean) => {
      if (done) return;
      done = true;
      if (d.open) d.close();
      resolve(answer);
    };
    yes.addEventListener('click', () => finish(true));
    no.addEventListener('click', () => finish(false));
    d.addEventListener('close', () => finish(false), { once: true });
    d.showModal();
    no.focus();
  });
}
