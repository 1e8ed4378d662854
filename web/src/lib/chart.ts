// Horizontal bar charts drawn as SVG, for live tallies and the organiser's report. Each bar is
// labelled in text as well (count and percent), so the chart reads without colour and prints.
import type { QuestionTally } from '@gen/dyad/v1/feedback_pb';

const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

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

/** An accessible SVG bar chart; `title` names it for screen readers. */
export function barChart(title: string, bars: Bar[]): SVGSVGElement {
  const rowH = 28;
  const labelW = 150;
  const barW = 260;
  const valueW = 90;
  const width = labelW + barW + valueW;
  const height = Math.max(1, bars.length) * rowH;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart', width: '100%' });
  const t = svg('title', {});
  t.textContent = `${title}: ${bars.map((b) => `${b.label} ${b.count}`).join(', ')}`;
  root.appendChild(t);
  const max = Math.max(1, ...bars.map((b) => b.count));
  bars.forEach((b, i) => {
    const y = i * rowH;
    const label = svg('text', { x: labelW - 8, y: y + rowH / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'chart-label' });
    label.textContent = b.label.length > 22 ? `${b.label.slice(0, 21)}…` : b.label;
    root.appendChild(label);
    root.appendChild(svg('rect', { x: labelW, y: y + 5, width: barW, height: rowH - 10, rx: 3, class: 'chart-track' }));
    const w = b.count === 0 ? 0 : Math.max(2, (barW * b.count) / max);
    root.appendChild(svg('rect', { x: labelW, y: y + 5, width: w, height: rowH - 10, rx: 3, class: 'chart-bar' }));
    const value = svg('text', { x: labelW + barW + 8, y: y + rowH / 2, 'dominant-baseline': 'middle', class: 'chart-value' });
    value.textContent = `${b.count} (${formatPercent(b.percent)})`;
    root.appendChild(value);
  });
  return root;
}

export function formatPercent(p: number): string {
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}
