// How participants get in: the link and the code, large enough to read out, a QR code for
// phones, and ready-made text for the call's chat.
import { h } from '../lib/dom';
import { copyStatus, copyText } from './clipboard';
import { qrSvg } from './qr';

export function joinPanel(code: string): HTMLElement {
  const link = `${location.origin}/j/${encodeURIComponent(code)}`;
  const chatMessage = `Join today's practice: ${link} (code ${code})`;
  const status = copyStatus();
  const fallback = h('textarea', { class: 'copy-fallback', readonly: true, rows: 3, 'aria-label': 'Text to copy', hidden: true });
  const copyLink = h('button', { type: 'button', class: 'secondary' }, 'Copy link');
  copyLink.addEventListener('click', () => void copyText(link, status, fallback));
  const copyChat = h('button', { type: 'button' }, 'Copy message for Zoom chat');
  copyChat.addEventListener('click', () => void copyText(chatMessage, status, fallback));
  const qr = qrSvg(link, `QR code of the join link ${link}`);
  return h('section', { class: 'card join-panel', 'aria-labelledby': 'join-h' },
    h('h2', { id: 'join-h' }, 'Participants join here'),
    h('div', { class: 'join-body' },
      h('div', { class: 'join-text' },
        h('p', { class: 'join-label' }, 'Link'),
        h('a', { class: 'join-link', 'data-testid': 'join-link', href: link, target: '_blank', rel: 'noopener' }, link),
        h('p', { class: 'join-label' }, 'or go to ', h('span', { class: 'mono' }, location.host), ' and enter the code'),
        h('p', { class: 'join-code mono', 'data-testid': 'join-code' }, code)),
      h('div', { class: 'join-qr' }, qr)),
    h('div', { class: 'actions' }, copyChat, copyLink),
    status,
    fallback);
}
