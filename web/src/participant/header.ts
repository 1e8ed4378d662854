// The page's top bar: the workshop's title, who you are, and the state of the connection, which
// stays visible whatever else the page shows (on shaky Wi-Fi the first question is always
// "am I still connected?").
import { h } from '../lib/dom';
import { homeUrl } from '../lib/urls';
import type { ConnectionState } from '../lib/wire';

export type ConnView = ConnectionState | { kind: 'idle' };

export class Header {
  readonly el: HTMLElement;
  private readonly title = h('span', { class: 'p-title', 'data-testid': 'workshop-title' });
  private readonly me = h('span', { class: 'p-me', 'data-testid': 'me', hidden: true });
  private readonly conn = h('span', { class: 'conn', 'data-testid': 'conn-state', 'data-state': 'connecting' }, 'Connecting…');
  private readonly retry = h('button', { type: 'button', class: 'p-retry secondary', hidden: true }, 'Retry now');
  // Only changes of kind are announced: a ticking "Reconnecting in 4s…" read out every second
  // would drown everything else.
  private readonly announcer = h('span', { class: 'visually-hidden', 'aria-live': 'polite' });
  private state: ConnView = { kind: 'idle' };

  constructor(onRetry: () => void) {
    this.retry.addEventListener('click', onRetry);
    this.el = h('header', { class: 'topbar p-top' },
      h('div', { class: 'p-top-row' },
        h('a', { class: 'brand', href: homeUrl() }, 'Dyad'),
        h('span', { class: 'p-conn-wrap' }, this.conn, this.retry)),
      h('div', { class: 'p-top-row p-top-sub' }, this.title, this.me),
      this.announcer);
  }

  setTitle(title: string): void {
    this.title.textContent = title;
    document.title = title ? `${title} — Dyad` : 'Dyad — join the workshop';
  }

  setName(name: string): void {
    this.me.hidden = !name;
    this.me.replaceChildren();
    if (name) this.me.append('You: ', h('strong', {}, name));
  }

  setState(state: ConnView): void {
    const before = this.state.kind;
    this.state = state;
    this.tick();
    if (before !== state.kind && before !== 'idle') {
      const words: Record<string, string> = {
        online: 'Connected.',
        offline: 'You are offline. The page will reconnect when the network is back.',
        waiting: 'The connection dropped. Reconnecting.',
        stopped: state.kind === 'stopped' ? state.reason : '',
      };
      const text = words[state.kind];
      if (text) this.announcer.textContent = text;
    }
  }

  /** Called a few times a second so the "Reconnecting in Ns…" count stays true. */
  tick(): void {
    const s = this.state;
    let kind: string;
    let text: string;
    switch (s.kind) {
      case 'idle':
        // No connection yet: the join form is open and the workshop answered the probe.
        // "Connected" is kept for a joined page, so that it always means "you are in".
        kind = 'online';
        text = 'Ready to join';
        break;
      case 'online':
        kind = 'online';
        text = 'Connected';
        break;
      case 'connecting':
        kind = 'connecting';
        text = 'Connecting…';
        break;
      case 'waiting': {
        kind = 'waiting';
        const seconds = Math.max(0, Math.ceil((s.retryAtMs - Date.now()) / 1000));
        text = seconds > 0 ? `Reconnecting in ${seconds}s…` : 'Connecting…';
        break;
      }
      case 'offline':
        kind = 'offline';
        text = 'Offline — will reconnect';
        break;
      case 'stopped':
        kind = 'stopped';
        text = s.reason;
        break;
    }
    if (this.conn.dataset.state !== kind) this.conn.dataset.state = kind;
    if (this.conn.textContent !== text) this.conn.textContent = text;
    this.conn.title = s.kind === 'waiting' ? s.reason : '';
    this.retry.hidden = s.kind !== 'waiting' && s.kind !== 'offline';
  }

  /** For the first paint before anything is known. */
  setProbing(): void {
    this.state = { kind: 'connecting', attempt: 1 };
    this.tick();
  }
}
