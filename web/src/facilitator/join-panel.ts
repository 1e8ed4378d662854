// How participants get in: the link and the code, large enough to read out, a QR code for
// phones (also full-screen, for sharing the screen in the call), and ready-made text for the
// call's chat.
import { h } from '../lib/dom';
import { joinUrl, typedAddress } from '../lib/urls';
import { copyStatus, copyText } from './clipboard';
import { qrSvg } from './qr';

export function joinPanel(code: string): HTMLElement {
  const link = joinUrl(code);
  const chatMessage = `Join today's practice: ${link} (code ${code})`;
  const status = copyStatus();
  const fallback = h('textarea', { class: 'copy-fallback', readonly: true, rows: 3, 'aria-label': 'Text to copy', hidden: true });
  const copyLink = h('button', { type: 'button', class: 'secondary' }, 'Copy link');
  copyLink.addEventListener('click', () => void copyText(link, status, fallback));
  const copyChat = h('button', { type: 'button' }, 'Copy message for Zoom chat');
  copyChat.addEventListener('click', () => void copyText(chatMessage, status, fallback));

  const closeLarge = h('button', { type: 'button', class: 'secondary' }, 'Close');
  const large = h('dialog', { class: 'qr-large', 'aria-label': 'Join link, large' },
    h('p', { class: 'qr-large-link' }, link),
    qrSvg(link, `QR code of the join link ${link}`),
    h('p', { class: 'qr-large-code mono' }, code),
    h('div', { class: 'actions' }, closeLarge));
  closeLarge.addEventListener('click', () => large.close());
  // A click on the backdrop (outside the content) closes it too.
  large.addEventListener('click', (ev) => { if (ev.target === large) large.close(); });
  const showLarge = h('button', { type: 'button', class: 'secondary' }, 'Show QR code large');
  showLarge.addEventListener('click', () => large.showModal());

  return h('section', { class: 'card join-panel', 'aria-labelledby': 'join-h' },
    h('h2', { id: 'join-h' }, 'Participants join here'),
    h('p', { class: 'join-label' }, 'Link'),
    h('a', { class: 'join-link', 'data-testid': 'join-link', href: link, target: '_blank', rel: 'noopener' }, link),
    h('div', { class: 'join-row' },
      h('div', { class: 'join-text' },
        h('p', { class: 'join-label' }, 'Code'),
        h('p', { class: 'join-code mono', 'data-testid': 'join-code' }, code),
        h('p', { class: 'muted small join-where' }, 'or enter it at ', h('span', { class: 'mono' }, typedAddress(link)))),
      h('div', { class: 'join-qr' }, qrSvg(link, `QR code of the join link ${link}`))),
    h('div', { class: 'actions' }, copyChat, copyLink, showLarge),
    status,
    fallback,
    large);
}
