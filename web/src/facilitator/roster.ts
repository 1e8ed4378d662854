// Who is here: everyone who joined, present first, with a way to take someone out of the
// pairing (away) and put them back.
import { Lifecycle, Presence } from '@gen/dyad/v1/events_pb';
import type { RosterEntry } from '@gen/dyad/v1/wire_pb';
import { clockTimeIn } from '../lib/agenda';
import { h, render } from '../lib/dom';
import { countPresence, type DashState } from './state';
import { keepFocus, PRESENCE_WORD } from './util';

const ORDER: Record<Presence, number> = {
  [Presence.PRESENT]: 0,
  [Presence.AWAY]: 1,
  [Presence.DISCONNECTED]: 2,
  [Presence.UNSPECIFIED]: 3,
  [Presence.LEFT]: 4,
};

const PILL: Record<Presence, string> = {
  [Presence.PRESENT]: 'pill ok',
  [Presence.AWAY]: 'pill warn',
  [Presence.DISCONNECTED]: 'pill alert',
  [Presence.LEFT]: 'pill gone',
  [Presence.UNSPECIFIED]: 'pill',
};

export interface RosterPanel {
  root: HTMLElement;
  update(s: DashState): void;
}

export function rosterPanel(markAway: (participantId: string, away: boolean) => Promise<void>): RosterPanel {
  // Not a live region: twenty people arriving would be twenty announcements.
  const counts = h('p', { class: 'roster-counts', 'data-testid': 'roster-counts' });
  const list = h('ul', { class: 'roster', 'data-testid': 'roster', 'aria-label': 'Participants' });
  const error = h('p', { class: 'error-text', role: 'alert' });
  const root = h('section', { class: 'card roster-panel', 'aria-labelledby': 'roster-h' },
    h('h2', { id: 'roster-h' }, 'Participants'), counts, error, list);

  function entry(e: RosterEntry, closed: boolean, timeZone: string | undefined): HTMLLIElement {
    const word = PRESENCE_WORD[e.presence];
    // Presence is not sent once feedback opens: there is nothing to show or toggle.
    const unknown = e.presence === Presence.UNSPECIFIED;
    const canToggle = e.presence !== Presence.LEFT && !closed && !unknown;
    const away = e.presence === Presence.AWAY;
    const button = canToggle
      ? h('button', { type: 'button', class: 'secondary small-button', 'data-focus-key': `away-${e.participantId}`,
          'aria-label': `${away ? 'Mark present' : 'Mark away'}: ${e.shownName}` }, away ? 'Mark present' : 'Mark away')
      : null;
    button?.addEventListener('click', () => {
      button.disabled = true;
      error.textContent = '';
      markAway(e.participantId, !away).catch((err: Error) => {
        error.textContent = err.message;
        button.disabled = false;
      });
    });
    return h('li', { 'data-testid': 'roster-entry', 'data-presence': word, 'data-id': e.participantId, class: `presence-${word}` },
      h('div', { class: 'roster-main' },
        h('div', { class: 'roster-line' },
          h('span', { class: 'roster-name' }, e.shownName),
          closed || unknown ? null : h('span', { class: PILL[e.presence] }, word)),
        h('div', { class: 'roster-line small muted' },
          unknown ? null : h('span', {}, `since ${clockTimeIn(e.sinceMs, timeZone)}`),
          e.joinedLate ? h('span', { class: 'tag', title: 'Joined after the first round started' }, 'joined late') : null,
          e.hasEmail ? h('span', { class: 'tag', title: 'Gave an email, so the Zoom CSV can pre-assign them' }, 'has email') : null)),
      button);
  }

  function update(s: DashState): void {
    const parts: string[] = [`${countPresence(s, Presence.PRESENT)} present`];
    const away = countPresence(s, Presence.AWAY);
    const disc = countPresence(s, Presence.DISCONNECTED);
    const left = countPresence(s, Presence.LEFT);
    if (away) parts.push(`${away} away`);
    if (disc) parts.push(`${disc} disconnected`);
    if (left) parts.push(`${left} left`);
    // A closed workshop has sent everyone home: presence no longer means anything. While feedback
    // is open it is not shown, since a page closed just after sending would say who sent it.
    const closed = s.lifecycle === Lifecycle.CLOSED;
    const feedback = s.lifecycle === Lifecycle.FEEDBACK;
    counts.textContent = s.roster.length === 0 ? 'No one has joined yet. Share the link above.'
      : closed ? `${s.roster.length} took part. The workshop is closed.`
      : feedback ? `${s.roster.length} took part. Who is still connected is not shown while feedback is open, so that no one can tell who has just sent theirs.`
      : parts.join(', ');
    const sorted = [...s.roster].sort((a, b) => ORDER[a.presence] - ORDER[b.presence] || a.shownName.localeCompare(b.shownName));
    keepFocus(list, () => render(list, sorted.map((e) => entry(e, closed, s.plan?.timeZone))));
  }

  return { root, update };
}
