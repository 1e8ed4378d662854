// The day's agenda and "what comes next". Agenda times are wall-clock "HH:MM" in the plan's time
// zone (the snapshot's time_zone); they are compared with the server's clock read in that zone,
// or in this browser's zone when the plan names none.
import { AgendaBlockKind, type AgendaBlock } from '@gen/dyad/v1/plan_pb';
import { h } from '../lib/dom';

export interface AgendaPosition {
  /** Index of the block running now, or -1. */
  current: number;
  /** Index of the next block to start, or -1. */
  next: number;
}

function minutesOf(hhmm: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm.trim());
  if (!m) return null;
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  if (hours > 23 || minutes > 59) return null;
  return hours * 60 + minutes;
}

/** Minutes since midnight of an instant, in the given IANA zone (or the browser's). */
export function minutesInZone(ms: number, timeZone?: string): number {
  const d = new Date(ms);
  if (!timeZone) return d.getHours() * 60 + d.getMinutes() + d.getSeconds() / 60;
  try {
    const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(d);
    const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? '0');
    const minute = Number(parts.find((p) => p.type === 'minute')?.value ?? '0');
    return hour * 60 + minute + d.getSeconds() / 60;
  } catch {
    return d.getHours() * 60 + d.getMinutes();
  }
}

export function agendaPosition(agenda: readonly AgendaBlock[], nowMinutes: number): AgendaPosition {
  let current = -1;
  let next = -1;
  agenda.forEach((b, i) => {
    const start = minutesOf(b.start);
    const end = minutesOf(b.end);
    if (start === null) return;
    if (current < 0 && start <= nowMinutes && (end === null ? false : nowMinutes < end)) current = i;
    if (next < 0 && start > nowMinutes) next = i;
  });
  return { current, next };
}

export function kindName(kind: AgendaBlockKind): string {
  switch (kind) {
    case AgendaBlockKind.TEACHING: return 'Teaching';
    case AgendaBlockKind.EXERCISE: return 'Paired practice';
    case AgendaBlockKind.BREAK: return 'Break';
    case AgendaBlockKind.DISCUSSION: return 'Discussion';
    case AgendaBlockKind.FEEDBACK: return 'Feedback';
    default: return '';
  }
}

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
