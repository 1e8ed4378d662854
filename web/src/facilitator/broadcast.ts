// One message to every participant's page at once (and a copy stays on the dashboard).
import { clockTimeIn } from '../lib/agenda';
import { h } from '../lib/dom';
import type { DashState } from './state';
import { ago, messageOf } from './util';

export interface BroadcastPanel {
  root: HTMLElement;
  update(s: DashState): void;
}

export function broadcastPanel(send: (text: string) => Promise<void>, serverNow: () => number): BroadcastPanel {
  let state: DashState | undefined;
  const text = h('textarea', { id: 'broadcast-text', rows: 3, maxlength: 2000, 'data-testid': 'broadcast-text',
    placeholder: 'e.g. Two minutes left: start wrapping up, then come back to the main room.' });
  const button = h('button', { type: 'submit' }, 'Send to everyone');
  const error = h('p', { class: 'error-text', role: 'alert' });
  const last = h('div', { class: 'last-broadcast', 'data-testid': 'last-broadcast', 'aria-live': 'polite' });
  const form = h('form', { class: 'card broadcast', 'aria-labelledby': 'broadcast-h' },
    h('h2', { id: 'broadcast-h' }, 'Broadcast'),
    h('label', { for: 'broadcast-text' }, 'Message to everyone',
      h('span', { class: 'hint' }, 'Appears at once on every participant’s page, in every breakout room.')),
    text,
    h('div', { class: 'actions' }, button),
    error,
    last);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const value = text.value.trim();
    error.textContent = '';
    if (!value) {
      error.textContent = 'Write the message first.';
      text.focus();
      return;
    }
    button.disabled = true;
    try {
      await send(value);
      text.value = '';
    } catch (e) {
      error.textContent = messageOf(e);
    } finally {
      button.disabled = false;
    }
  });
  // Ctrl+Enter sends, as in most chat boxes; Enter alone makes a new line.
  text.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) form.requestSubmit();
  });

  function drawLast(): void {
    const b = state?.lastBroadcast;
    last.replaceChildren();
    if (!b || !b.text) {
      // None sent yet, or the last one's round has ended: participants see no message now.
      last.append(h('p', { class: 'muted small' }, 'No message is showing on participants’ pages.'));
      return;
    }
    last.append(
      h('p', { class: 'small muted' }, `Last sent at ${clockTimeIn(b.sentMs, state?.plan?.timeZone)} (${ago(b.sentMs, serverNow())}):`),
      h('blockquote', { class: 'broadcast-text' }, b.text));
  }
  // "3 min ago" should stay true while the page stays open.
  window.setInterval(drawLast, 30_000);

  function update(s: DashState): void {
    state = s;
    drawLast();
  }
  return { root: form, update };
}
