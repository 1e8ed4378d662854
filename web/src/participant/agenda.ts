// The day's agenda and "what comes next". Agenda times are wall-clock "HH:MM" in the plan's time
// zone (the snapshot's time_zone); they are compared with the server's clock read in that zone,
// or in this browser's zone when the plan names none.
import type { AgendaBlock } from '@gen/dyad/v1/plan_pb';
import { type AgendaPosition, kindName, minutesOf } from '../lib/agenda';
import { h } from '../lib/dom';

function span(b: AgendaBlock): string {
  return b.end ? `${b.start}–${b.end}` : b.start;
}

/** One sentence for the top of the waiting view: what runs now and what follows. */
export function nextLine(agenda: readonly AgendaBlock[], pos: AgendaPosition): string {
  const parts: string[] = [];
  if (pos.current >= 0) {
    const b = agenda[pos.current];
    parts.push(`Now: ${b.title}${b.end ? ` (until ${b.end})` : ''}.`);
  }
  if (pos.next >= 0) {
    const b = agenda[pos.next];
    parts.push(`Next, at ${b.start}: ${b.title}.`);
  }
  if (parts.length === 0 && agenda.length > 0) {
    const first = minutesOf(agenda[0].start);
    const last = minutesOf(agenda[agenda.length - 1].end || agenda[agenda.length - 1].start);
    if (first !== null && last !== null) return `The day runs from ${agenda[0].start} to ${agenda[agenda.length - 1].end || agenda[agenda.length - 1].start}.`;
  }
  return parts.join(' ');
}

export function renderAgenda(agenda: readonly AgendaBlock[], pos: AgendaPosition): HTMLElement {
  return h('ol', { class: 'agenda p-agenda', 'data-testid': 'agenda' },
    agenda.map((b, i) => {
      const now = i === pos.current;
      const next = i === pos.next;
      const kind = kindName(b.kind);
      return h('li', { class: now ? 'is-now' : next ? 'is-next' : null, 'aria-current': now ? 'time' : null },
        h('span', { class: 'time' }, span(b)),
        h('span', { class: 'p-agenda-body' },
          h('span', { class: 'p-agenda-title' }, b.title),
          now ? h('span', { class: 'pill ok' }, 'Now') : null,
          next ? h('span', { class: 'pill' }, 'Next') : null,
          kind && kind !== b.title ? h('span', { class: 'p-agenda-kind' }, kind) : null,
          b.description ? h('span', { class: 'p-agenda-desc' }, b.description) : null));
    }));
}
