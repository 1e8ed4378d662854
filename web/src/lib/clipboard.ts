// Copying to the clipboard, with a fallback: over plain http, or when the browser withholds the
// permission, the text is put in a field, selected, and the user is told to press Ctrl+C.
import { h } from './dom';

/**
 * Copies `text`; on failure selects it in `fallback` (a text field showing it) and says how to
 * copy by hand. `status` gets a short sentence either way, read out by screen readers.
 */
export async function copyText(text: string, status: HTMLElement, fallback: HTMLInputElement | HTMLTextAreaElement): Promise<void> {
  try {
    if (!navigator.clipboard || !window.isSecureContext) throw new Error('no clipboard');
    await navigator.clipboard.writeText(text);
    status.textContent = 'Copied. Paste it where you need it.';
    status.className = 'copy-status ok';
  } catch {
    fallback.hidden = false;
    fallback.value = text;
    fallback.focus();
    fallback.select();
    const key = /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘+C' : 'Ctrl+C';
    status.textContent = `This browser did not allow copying. The text is selected: press ${key} to copy it.`;
    status.className = 'copy-status warn';
  }
  window.clearTimeout(Number(status.dataset.timer));
  status.dataset.timer = String(window.setTimeout(() => { status.textContent = ''; }, 8000));
}

/** A status line for copy results, announced politely. */
export function copyStatus(): HTMLParagraphElement {
  return h('p', { class: 'copy-status', role: 'status', 'aria-live': 'polite' });
}
