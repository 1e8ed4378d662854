// Small helpers shared by the dashboard's panels: names of things, times, focus keeping.
import { Presence } from '@gen/dyad/v1/events_pb';
import type { Exercise } from '@gen/dyad/v1/plan_pb';
import type { RosterEntry } from '@gen/dyad/v1/wire_pb';

export const PRESENCE_WORD: Record<Presence, string> = {
  [Presence.UNSPECIFIED]: 'unknown',
  [Presence.PRESENT]: 'present',
  [Presence.AWAY]: 'away',
  [Presence.DISCONNECTED]: 'disconnected',
  [Presence.LEFT]: 'left',
};

/** "just now", "4 min ago", "1 h 5 min ago": how long something has been so. */
export function ago(ms: number | bigint, now: number): string {
  const mins = Math.floor((now - Number(ms)) / 60_000);
  if (mins < 1) return 'just now';
  if (mins < 60) return `${mins} min ago`;
  return `${Math.floor(mins / 60)} h ${mins % 60} min ago`;
}

export function roleName(exercise: Exercise | undefined, roleId: string): string {
  return exercise?.roles.find((r) => r.id === roleId)?.name || roleId || 'no role';
}

export function exerciseMinutes(exercise: Exercise): number {
  return exercise.phases.reduce((sum, p) => sum + p.minutes, 0);
}

export function nameOf(roster: RosterEntry[], participantId: string): string {
  return roster.find((e) => e.participantId === participantId)?.shownName || participantId;
}

/** "1 person", "3 people". */
export function people(n: number): string {
  return n === 1 ? '1 person' : `${n} people`;
}

/**
 * Re-renders a region without losing the keyboard user's place: the focused element's
 * data-focus-key is remembered and the element with the same key is focused afterwards.
 */
export function keepFocus(region: Element, redraw: () => void): void {
  const active = document.activeElement;
  const key = active instanceof HTMLElement && region.contains(active) ? active.dataset.focusKey : undefined;
  redraw();
  if (key) {
    const again = region.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(key)}"]`);
    again?.focus();
  }
}

/** The message of whatever a request was rejected with, as the sentence to show. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
