// Horizontal bar charts for live tallies and the organiser's report, built from plain elements
// so that their text reflows and stays full size on a phone. Each bar is labelled in text as
// well (count and percent), so the chart reads without colour, in a screen reader, and on paper.
import type { QuestionTally } from '@gen/dyad/v1/feedback_pb';
import { h } from './dom';

export interface Bar {
  label: string;
  count: number;
  /** 0–100; shown beside the count. */
  percent: number;
}

/** The bars of a tallied question: its options, or one bar per value of a scale. */
export function barsOf(q: QuestionTally): Bar[] {
  if (q.options.length > 0) return q.options.map((o) => ({ label: o.label || o.optionId, count: o.count, percent: o.percent }));
  if (q.scale) {
    const total = q.scale.counts.reduce((a, b) => a + b, 0);
    return q.scale.counts.map((c, i) => ({
      label: String(q.scale!.min + i),
      count: c,
      percent: total > 0 ? Math.round((1000 * c) / total) / 10 : 0,
    }));
  }
  return [];
}

/** A bar chart: one row per bar (label, bar, "count (percent)"); `title` names it for screen readers. */
export function barChart(title: string, bars: Bar[]): HTMLElement {
  const max = Math.max(1, ...bars.map((b) => b.count));
  return h('div', { class: 'chart', role: 'group', 'aria-label': title },
    bars.map((b) => {
      const bar = h('span', { class: 'chart-bar' });
      // Width through the CSSOM, which the pages' Content-Security-Policy allows.
      bar.style.width = b.count === 0 ? '0' : `${Math.max(1.5, (100 * b.count) / max)}%`;
      return h('div', { class: 'chart-row' },
        h('span', { class: 'chart-label' }, b.label),
        h('span', { class: 'chart-track', 'aria-hidden': 'true' }, bar),
        h('span', { class: 'chart-value' }, `${b.count} (${formatPercent(b.percent)})`));
    }));
}

export function formatPercent(p: number): string {
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}
