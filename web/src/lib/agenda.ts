// Where the day stands: the agenda's times are wall-clock "HH:MM" in the plan's time zone, read
// against the server's clock in that zone (or in this browser's when the plan names none). Used by
// the participant's waiting view and the facilitator's agenda panel alike.
import { AgendaBlockKind, type AgendaBlock } from '@gen/dyad/v1/plan_pb';

export interface AgendaPosition {
  /** Index of the block running now, or -1. */
  current: number;
  /** Index of the next block to start, or -1. */
  next: number;
}

export function minutesOf(hhmm: string): number | null {
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

/**
 * "09:05", "17:40": an instant as a 24-hour wall-clock time in the plan's zone (or the
 * browser's when the plan names none), the way the agenda writes its times. Every clock time
 * the pages show goes through here, so the roster, the clock and the agenda agree.
 */
export function clockTimeIn(ms: number | bigint, timeZone?: string): string {
  const minutes = Math.floor(minutesInZone(Number(ms), timeZone || undefined)) % (24 * 60);
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${hh}:${mm}`;
}

/** Where the day stands by the clock; while a round of `runningExercise` is in use, the block of
 *  that exercise is the current one whatever the clock says (the day runs late or early). */
export function agendaPosition(agenda: readonly AgendaBlock[], nowMinutes: number, runningExercise = ''): AgendaPosition {
  let current = -1;
  let next = -1;
  if (runningExercise) {
    // The exercise's block nearest the clock, if it appears more than once.
    let best = Infinity;
    agenda.forEach((b, i) => {
      if (b.exerciseId !== runningExercise) return;
      const start = minutesOf(b.start);
      const distance = start === null ? Infinity - 1 : Math.abs(start - nowMinutes);
      if (distance < best) {
        best = distance;
        current = i;
      }
    });
    if (current >= 0) {
      next = current + 1 < agenda.length ? current + 1 : -1;
      return { current, next };
    }
  }
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

