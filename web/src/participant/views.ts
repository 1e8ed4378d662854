// The screens around the workshop itself: joining, a code that leads nowhere, the end of the
// day, and the page opened in a second tab.
import { h } from '../lib/dom';
import { homeUrl } from '../lib/urls';

/** The longest display name the server accepts, in characters (Unicode code points), as
 *  server/core/roster.cpp counts them after trimming. */
export const MAX_NAME_CHARS = 40;

export interface JoinDetails {
  displayName: string;
  email: string;
}

export class JoinForm {
  readonly el: HTMLElement;
  private readonly name = h('input', { type: 'text', id: 'p-name', name: 'name', autocomplete: 'name', required: true,
    'aria-required': 'true', 'aria-describedby': 'p-name-hint p-name-cut p-join-error', 'data-testid': 'join-name' });
  // No maxlength: it counts UTF-16 units, not characters as the server does, and cuts a pasted
  // name without a word. The input handler below cuts at the server's limit and says so.
  private readonly nameCut = h('p', { class: 'p-name-cut small', id: 'p-name-cut', role: 'status', 'data-testid': 'join-name-cut' });
  private readonly email = h('input', { type: 'email', id: 'p-email', name: 'email', autocomplete: 'email',
    inputmode: 'email', 'aria-describedby': 'p-email-hint', 'data-testid': 'join-email' });
  private readonly error = h('p', { class: 'error-text', id: 'p-join-error', role: 'alert', 'data-testid': 'join-error' });
  private readonly note = h('p', { class: 'small muted', 'data-testid': 'join-note' });
  private readonly button = h('button', { type: 'submit', 'data-testid': 'join' }, 'Join');

  constructor(code: string, onJoin: (d: JoinDetails) => void) {
    const form = h('form', { class: 'card p-join', novalidate: true, 'aria-labelledby': 'p-join-h' },
      h('h1', { id: 'p-join-h' }, 'Join the workshop'),
      h('p', { class: 'muted' }, 'Workshop code ', h('span', { class: 'mono' }, code),
        '. Keep this page open beside the video call: it shows your partner, your role, the exercise and the time left.'),
      // Hints sit beside the labels, not inside: they are read once, as the fields' descriptions.
      h('label', { for: 'p-name' }, 'Your name'),
      h('p', { class: 'hint', id: 'p-name-hint' }, `Shown to your partners and your facilitator; at most ${MAX_NAME_CHARS} characters.`),
      this.name,
      this.nameCut,
      h('label', { for: 'p-email' }, 'Email (optional)'),
      h('p', { class: 'hint', id: 'p-email-hint' },
        'Only used to pre-assign your Zoom breakout room. It is never shown to other participants.'),
      this.email,
      this.error,
      this.note,
      h('div', { class: 'actions' }, this.button));
    this.name.addEventListener('input', () => this.keepNameShort());
    // The server judges the name (empty, too long) and says why in its own words, so the
    // browser's built-in validation stays out of the way.
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (this.button.disabled) return; // Enter pressed again while joining
      this.error.textContent = '';
      this.busy(true);
      onJoin({ displayName: this.name.value.trim(), email: this.email.value.trim() });
    });
    this.el = form;
  }

  /** Cuts a name longer than the server takes (typed or pasted) to its first characters, and
   *  says so, rather than letting the server refuse it after Join. */
  private keepNameShort(): void {
    const chars = [...this.name.value.trimStart()];
    if (chars.length <= MAX_NAME_CHARS || [...this.name.value.trim()].length <= MAX_NAME_CHARS) {
      if (this.nameCut.textContent && chars.length < MAX_NAME_CHARS) this.nameCut.textContent = '';
      return;
    }
    this.name.value = chars.slice(0, MAX_NAME_CHARS).join('');
    this.nameCut.textContent = `A name can be at most ${MAX_NAME_CHARS} characters, so it was cut to the first ${MAX_NAME_CHARS}: ` +
      'check it, or type a shorter one.';
  }

  showError(message: string): void {
    this.busy(false);
    this.error.textContent = message;
    this.name.setAttribute('aria-invalid', 'true');
    this.name.focus();
  }

  /** E.g. "The server cannot be reached just now; …". */
  setNote(text: string): void {
    this.note.textContent = text;
  }

  busy(on: boolean): void {
    this.button.disabled = on;
    this.button.textContent = on ? 'Joining…' : 'Join';
    if (!on) return;
    this.name.removeAttribute('aria-invalid');
  }

  focus(): void {
    if (!this.name.value) this.name.focus();
  }
}

export function unknownWorkshop(code: string, hadJoined: boolean): HTMLElement {
  return h('section', { class: 'card p-unknown', 'data-testid': 'unknown-workshop', 'aria-labelledby': 'p-unknown-h' },
    h('h1', { id: 'p-unknown-h' }, hadJoined ? 'This workshop is no longer open' : 'No workshop with this code'),
    h('p', {}, hadJoined
      ? `The workshop ${code} is not open on the server any more; it has probably ended. Thank you for taking part.`
      : `There is no open workshop with the code ${code}. Check the code your facilitator shared: a letter or digit may be mistyped, or the workshop may have ended.`),
    h('p', {}, h('a', { href: homeUrl(), class: 'button secondary' }, 'Enter the code again')));
}

export function endedView(submitted: boolean): HTMLElement {
  return h('section', { class: 'card p-ended', 'data-testid': 'ended', 'aria-labelledby': 'p-ended-h' },
    h('h1', { id: 'p-ended-h' }, 'The workshop has ended'),
    h('p', {}, 'Thank you for taking part.'),
    submitted ? h('p', { class: 'muted' }, 'Your feedback was recorded anonymously.') : null,
    h('p', { class: 'muted small' }, 'You can close this page.'));
}

export function elsewhereView(onTakeOver: () => void): HTMLElement {
  const button = h('button', { type: 'button', 'data-testid': 'use-here' }, 'Use this window');
  button.addEventListener('click', onTakeOver);
  return h('section', { class: 'card p-elsewhere', 'data-testid': 'elsewhere', 'aria-labelledby': 'p-elsewhere-h' },
    h('h1', { id: 'p-elsewhere-h' }, 'Open in another window'),
    h('p', {}, 'This workshop is open in another window or tab of this browser, and only one of them can stay connected.'),
    h('div', { class: 'actions' }, button));
}
