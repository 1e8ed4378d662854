// The workspace's one state object, and the pure rules the sections draw from it: which runs
// the search and filters keep, and how runs fall into series.
import type { AccountEntry, Me } from '../lib/accounts';
import type { PlanEntry, RunEntry } from './api';

export type Stage = '' | 'upcoming' | 'open' | 'closed';

export interface Filter {
  query: string;
  stage: Stage;
  /** Only the runs the signed-in person leads or was given access to. */
  mine: boolean;
}

export interface State {
  me: Me;
  organiser: boolean;
  runs: RunEntry[];
  plans: PlanEntry[];
  /** The people who can be named facilitator or given access (organisers only; empty otherwise). */
  accounts: AccountEntry[];
  retentionDays: number;
  filter: Filter;
  /** New facilitator links on show, by run code. */
  links: Map<string, string>;
  /** What the last change to a run did, by run code; said beside the run. */
  notes: Map<string, string>;
  /** Runs whose "Manage" panel is open, by code, so a redraw keeps it open. */
  managing: Set<string>;
  /** The runs (by code) whose "Next run of this series" form is open. */
  planningNext: Set<string>;
}

export const STAGES: { value: Stage; label: string }[] = [
  { value: '', label: 'All stages' },
  { value: 'upcoming', label: 'Upcoming' },
  { value: 'open', label: 'Open now' },
  { value: 'closed', label: 'Closed' },
];

export function stageLabel(stage: string): string {
  return STAGES.find((s) => s.value === stage && s.value !== '')?.label ?? stage;
}

export function involves(run: RunEntry, accountId: string): boolean {
  return run.facilitator?.accountId === accountId || run.cofacilitators.some((p) => p.accountId === accountId);
}

/** The runs the search and the filters keep. The search looks in the title, series, code and
 *  the facilitators' addresses, ignoring case. */
export function filtered(runs: RunEntry[], f: Filter, me: Me): RunEntry[] {
  const words = f.query.toLowerCase().split(/\s+/).filter(Boolean);
  return runs.filter((r) => {
    if (f.stage && r.stage !== f.stage) return false;
    if (f.mine && !involves(r, me.accountId)) return false;
    if (words.length === 0) return true;
    const hay = [r.title, r.series, r.code, r.facilitator?.email ?? '', ...r.cofacilitators.map((p) => p.email)].join(' ').toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** A run's place in time: its planned day and start, then when it was made. */
function when(r: RunEntry): string {
  return `${r.date || '9999-99-99'} ${r.startTime || '99:99'} ${String(Number(r.createdMs)).padStart(15, '0')}`;
}

export interface Series {
  /** The series' name, or for a run of a plan without one, its code (a series of one). */
  key: string;
  name: string;
  title: string;
  /** Every run of the series that the server gave, newest first (filters do not apply). */
  all: RunEntry[];
  /** The runs the filters keep, newest first. */
  shown: RunEntry[];
}

export function seriesKey(r: RunEntry): string {
  return r.series ? `series:${r.series}` : `run:${r.code}`;
}

/** The series with at least one run kept by the filters, the one with the newest run first. */
export function groupBySeries(all: RunEntry[], shown: RunEntry[]): Series[] {
  const byKey = new Map<string, Series>();
  const newestFirst = [...all].sort((a, b) => when(b).localeCompare(when(a)));
  for (const r of newestFirst) {
    const key = seriesKey(r);
    let s = byKey.get(key);
    if (!s) {
      s = { key, name: r.series, title: r.title, all: [], shown: [] };
      byKey.set(key, s);
    }
    s.all.push(r);
  }
  const kept = new Set(shown.map((r) => r.code));
  for (const s of byKey.values()) s.shown = s.all.filter((r) => kept.has(r.code));
  return [...byKey.values()].filter((s) => s.shown.length > 0);
}

/** What the sections may ask of the page. */
export interface Page {
  state: State;
  /** Does `work`; a refusal is said in `problem` (a session that ended changes the whole page).
   *  Redraws either way; answers whether the work was done. */
  act(work: () => Promise<void>, problem: HTMLElement): Promise<boolean>;
  /** Reads the runs (or the plans) again from the server. */
  reloadRuns(): Promise<void>;
  reloadPlans(): Promise<void>;
  redraw(): void;
}
