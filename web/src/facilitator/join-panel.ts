// How participants get in: the link and the code, large enough to read out, a QR code for
// phones (also full-screen, for sharing the screen in the call), and ready-made text for the
// call's chat. The link is the one the server gives out (its public URL, which may carry a path
// prefix); a link that only opens on this computer says so, and how to share one that works.
import { h, render } from '../lib/dom';
import { joinUrl, typedAddress } from '../lib/urls';
import { copyStatus, copyText } from '../lib/clipboard';
import { qrSvg } from './qr';
import type { DashState } from './state';

export interface JoinPanel {
  root: HTMLElement;
  update(s: DashState): void;
}

/** The port a restart should keep, as the link shows it. */
function portOf(link: string): string {
  try {
    const url = new URL(link);
    return url.port || (url.protocol === 'https:' ? '443' : '80');
  } catch {
    return 'PORT';
  }
}

/** The host of the link as a person reads it ("127.0.0.1", "localhost", "::1"). */
function hostOf(link: string): string {
  try {
    return new URL(link).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return '127.0.0.1';
  }
}

/** Plain words for a clinician whose link works only on their own computer. */
function localOnlyNote(note: HTMLElement, link: string): void {
  render(note,
    h('p', { class: 'local-note-title', id: 'local-note-h' }, 'This link works only on this computer'),
    h('p', {}, `${hostOf(link)} means “this machine”: phones and other people’s computers cannot open it.`),
    h('p', {}, h('strong', {}, 'For people in the same room: '), 'restart Dyad with',
      h('code', { class: 'local-note-command' }, `--bind 0.0.0.0 --port ${portOf(link)} --public-url http://THIS-COMPUTER'S-ADDRESS:${portOf(link)}`),
      'This computer’s address on the room’s network looks like 192.168.1.20.'),
    h('p', {}, h('strong', {}, 'For a Zoom day: '),
      'run Dyad on a server with a public address — see “Running a real workshop day” in the README.'));
}

export function joinPanel(code: string): JoinPanel {
  let link = '';
  const chatMessage = () => `Join today's practice: ${link} (code ${code})`;
  const status = copyStatus();
  const fallback = h('textarea', { class: 'copy-fallback', readonly: true, rows: 3, 'aria-label': 'Text to copy', hidden: true });
  const copyLink = h('button', { type: 'button', class: 'secondary' }, 'Copy link');
  copyLink.addEventListener('click', () => void copyText(link, status, fallback));
  const copyChat = h('button', { type: 'button' }, 'Copy message for Zoom chat');
  copyChat.addEventListener('click', () => void copyText(chatMessage(), status, fallback));

  const linkEl = h('a', { class: 'join-link', 'data-testid': 'join-link', target: '_blank', rel: 'noopener' });
  const note = h('div', { class: 'banner warn local-note', role: 'note', 'aria-labelledby': 'local-note-h',
    'data-testid': 'local-only-note', hidden: true });
  const where = h('span', { class: 'mono', 'data-testid': 'join-where' });
  const qr = h('div', { class: 'join-qr' });
  const largeLink = h('p', { class: 'qr-large-link' });
  const largeQr = h('div', { class: 'qr-large-qr' });

  const closeLarge = h('button', { type: 'button', class: 'secondary' }, 'Close');
  const large = h('dialog', { class: 'qr-large', 'aria-label': 'Join link, large' },
    largeLink,
    largeQr,
    h('p', { class: 'qr-large-code mono' }, code),
    h('div', { class: 'actions' }, closeLarge));
  closeLarge.addEventListener('click', () => large.close());
  // A click on the backdrop (outside the content) closes it too.
  large.addEventListener('click', (ev) => { if (ev.target === large) large.close(); });
  const showLarge = h('button', { type: 'button', class: 'secondary' }, 'Show QR code large');
  showLarge.addEventListener('click', () => large.showModal());

  /** Draws everything made from the link; the QR codes only when it changes. */
  function show(next: string, localOnly: boolean): void {
    if (next !== link) {
      link = next;
      linkEl.href = link;
      linkEl.textContent = link;
      where.textContent = typedAddress(link);
      largeLink.textContent = link;
      render(qr, qrSvg(link, `QR code of the join link ${link}`));
      render(largeQr, qrSvg(link, `QR code of the join link ${link}`));
      localOnlyNote(note, link);
    }
    note.hidden = !localOnly;
  }
  // Until the server's snapshot says otherwise, the link of this very server.
  show(joinUrl(code), false);

  const root = h('section', { class: 'card join-panel', 'aria-labelledby': 'join-h' },
    h('h2', { id: 'join-h' }, 'Participants join here'),
    h('p', { class: 'join-label' }, 'Link'),
    linkEl,
    note,
    h('div', { class: 'join-row' },
      h('div', { class: 'join-text' },
        h('p', { class: 'join-label' }, 'Code'),
        h('p', { class: 'join-code mono', 'data-testid': 'join-code' }, code),
        h('p', { class: 'muted small join-where' }, 'or enter it at ', where)),
      qr),
    h('div', { class: 'actions' }, copyChat, copyLink, showLarge),
    status,
    fallback,
    large);

  return {
    root,
    update(s: DashState): void {
      show(s.joinUrl || joinUrl(code), s.joinUrlLocalOnly);
    },
  };
}
