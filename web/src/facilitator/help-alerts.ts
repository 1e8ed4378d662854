// Help requests cannot be missed: a band above everything else, the tab's title, and a message
// for screen readers whenever a new request arrives.
import { h, render } from '../lib/dom';
import { roundInUse, type DashState } from './state';

export interface HelpAlerts {
  root: HTMLElement;
  update(s: DashState): void;
}

/** `handled(room)` tells the server the facilitator has seen to a room's request. */
export function helpAlerts(baseTitle: () => string, goToRoom: (room: string) => void,
  handled: (room: string) => Promise<void>): HelpAlerts {
  const list = h('ul', { class: 'help-list' });
  const announcer = h('p', { class: 'visually-hidden', role: 'alert' });
  const root = h('section', { class: 'help-alerts', 'data-testid': 'help-alerts', 'aria-label': 'Help requests' }, list, announcer);
  let seen = new Set<string>();

  function update(s: DashState): void {
    // Until the facilitator ends the round, even once its time is up: people may still ask.
    const asking = roundInUse(s) && s.statusRound === s.round
      ? [...s.statuses.values()].filter((g) => g.needsHelp)
      : [];
    root.hidden = asking.length === 0;
    render(list, asking.map((g) => {
      const show = h('button', { type: 'button', class: 'secondary small-button' }, 'Show room');
      show.addEventListener('click', () => goToRoom(g.room));
      const done = h('button', { type: 'button', class: 'secondary small-button', 'data-testid': 'help-handled' },
        'Handled', h('span', { class: 'visually-hidden' }, ` (${g.room})`));
      done.addEventListener('click', () => {
        done.disabled = true;
        handled(g.room).catch(() => { done.disabled = false; });
      });
      return h('li', { class: 'help-item' },
        h('span', { class: 'help-icon', 'aria-hidden': 'true' }, '⚠'),
        h('span', { class: 'help-words' },
          h('strong', {}, `${g.room} needs help`),
          g.helpNote ? ` — “${g.helpNote}”` : '',
          h('span', { class: 'help-from' }, ` asked by ${g.helpFrom || 'someone in the room'}`)),
        show, done);
    }));
    const keys = new Set(asking.map((g) => `${s.round}/${g.room}/${g.helpFrom}/${g.helpNote}`));
    const fresh = asking.filter((g) => !seen.has(`${s.round}/${g.room}/${g.helpFrom}/${g.helpNote}`));
    if (fresh.length > 0) announcer.textContent = fresh.map((g) => `${g.room} needs help.`).join(' ');
    seen = keys;
    document.title = asking.length > 0 ? `(${asking.length}) Help needed — ${baseTitle()}` : baseTitle();
  }
  return { root, update };
}
