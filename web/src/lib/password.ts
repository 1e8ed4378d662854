// Password fields: typed unseen by default, with one "Show password" box for the fields of a form
// (someone choosing a password on a phone wants to see what they typed).
import { h } from './dom';

/** A password input; `autocomplete` is "current-password" or "new-password", so password
 *  managers offer or save the right thing. */
export function passwordInput(id: string, autocomplete: 'current-password' | 'new-password', describedBy?: string): HTMLInputElement {
  return h('input', { id, name: id, type: 'password', autocomplete, spellcheck: 'false', autocapitalize: 'off',
    'aria-describedby': describedBy, required: true });
}

/** A checkbox that shows or hides every field of `inputs` together. */
export function showPasswordsBox(id: string, inputs: HTMLInputElement[]): HTMLElement {
  const box = h('input', { id, type: 'checkbox' });
  box.addEventListener('change', () => {
    for (const input of inputs) input.type = box.checked ? 'text' : 'password';
  });
  return h('label', { class: 'choice show-password', for: id }, box, inputs.length > 1 ? 'Show passwords' : 'Show password');
}
