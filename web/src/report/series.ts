// The series part of the report: a table of runs with one question followed run over run, and
// a small line chart of the same figure. A run withheld below the anonymity threshold shows as
// a gap, never as zero, so a small run cannot be read off the line.
import type { QuestionTally, RunStatistics, SeriesStatistics } from '@gen/dyad/v1/feedback_pb';
import { formatPercent } from '../lib/chart';
import { h, render } from '../lib/dom';
import { mean2, mediumDate, shortDate } from './format';
import { kindOf } from './questions';

/** A question that can be followed over runs: a choice (share of its first, top-ranked option) or a scale (mean). */
interface Followed {
  id: string;
  text: string;
  kind: 'choice' | 'scale';
  /** The option followed, for choice questions: the first of the plan's ordered labels. */
  optionId: string;
  optionLabel: string;
  min: number;
  max: number;
}

interface Point {
  run: RunStatistics;
  /** null when the run's figure is withheld or the run did not ask the question. */
  value: number | null;
  why: string;
}

/** The questions worth following, in the questionnaire's order, learnt from the combined tallies or any shown run. */
export function followable(s: SeriesStatistics): Followed[] {
  const sources: QuestionTally[][] = [s.combined?.questions ?? [], ...s.runs.map((r) => r.tallies?.questions ?? [])];
  const found = new Map<string, Followed>();
  const order: string[] = [];
  for (const list of sources) {
    for (const q of list) {
      if (!order.includes(q.questionId)) order.push(q.questionId);
      if (found.has(q.questionId)) continue;
      const kind = kindOf(q);
      if (kind === 'choice') {
        const top = q.options[0]!;
        found.set(q.questionId, { id: q.questionId, text: q.text, kind, optionId: top.optionId, optionLabel: top.label || top.optionId, min: 0, max: 100 });
      } else if (kind === 'scale') {
        found.set(q.questionId, { id: q.questionId, text: q.text, kind, optionId: '', optionLabel: '', min: q.scale!.min, max: q.scale!.max });
      }
    }
  }
  return order.flatMap((id) => found.get(id) ?? []);
}

/** The first choice question, else the first scale: what "trends run over run" opens on. */
export function defaultFollowed(list: Followed[]): string {
  return (list.find((f) => f.kind === 'choice') ?? list[0])?.id ?? '';
}

function pointOf(run: RunStatistics, f: Followed): Point {
  const t = run.tallies;
  if (!t || t.hidden) return { run, value: null, why: 'withheld' };
  const q = t.questions.find((x) => x.questionId === f.id);
  if (!q) return { run, value: null, why: 'not asked' };
  if (q.hidden) return { run, value: null, why: 'withheld' };
  if (q.answered === 0) return { run, value: null, why: 'no answers' };
  if (f.kind === 'scale') return { run, value: q.scale ? q.scale.mean : null, why: q.scale ? '' : 'not a scale' };
  const o = q.options.find((x) => x.optionId === f.optionId);
  return { run, value: o ? o.percent : 0, why: '' };
}

function formatValue(f: Followed, v: number): string {
  return f.kind === 'scale' ? mean2(v) : formatPercent(Math.round(v * 10) / 10);
}

function metricName(f: Followed): string {
  return f.kind === 'scale' ? 'Mean' : `“${f.optionLabel}” share`;
}

/** The trend card: a question chooser, the table of runs, the chart. Redraws itself on a new choice. */
export function trendCard(s: SeriesStatistics, currentCode: string, linkOf: (code: string) => string, chosen: string,
  onChoose: (id: string) => void): HTMLElement {
  const list = followable(s);
  const card = h('section', { class: 'card trend', 'aria-labelledby': 'trend-h' });
  const f = list.find((x) => x.id === chosen) ?? list.find((x) => x.id === defaultFollowed(list));
  const points = f ? s.runs.map((r) => pointOf(r, f)) : [];

  const chooser = list.length > 1
    ? h('div', { class: 'trend-chooser no-print' },
        h('label', { for: 'trend-question' }, 'Question to follow'),
        h('select', {
          id: 'trend-question', 'data-testid': 'trend-question',
          onchange: (e: Event) => onChoose((e.target as HTMLSelectElement).value),
        }, list.map((x) => h('option', { value: x.id, selected: f?.id === x.id }, x.text || x.id))))
    : null;

  const explain = f
    ? f.kind === 'scale'
      ? `Followed: the mean answer to “${f.text}” (${f.min} to ${f.max}).`
      : `Followed: the share answering “${f.optionLabel}” to “${f.text}”.`
    : 'The questionnaire has no choice or scale question to follow from run to run.';

  render(card,
    h('h2', { id: 'trend-h' }, 'Runs and trends'),
    chooser,
    h('p', { class: 'muted small trend-explain', 'data-testid': 'trend-explain' }, explain),
    // On a phone the table scrolls sideways: focusable, so the keyboard can scroll it too.
    h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Runs of the series' }, runsTable(points, s.runs, f, currentCode, linkOf)),
    f && points.some((p) => p.value !== null) ? trendChart(f, points) : null);
  return card;
}

function runsTable(points: Point[], runs: RunStatistics[], f: Followed | undefined, currentCode: string,
  linkOf: (code: string) => string): HTMLElement {
  return h('table', { class: 'runs', 'data-testid': 'runs-table' },
    h('caption', { class: 'visually-hidden' }, 'Every run of the series, in date order'),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Date'),
      h('th', { scope: 'col' }, 'Code'),
      h('th', { scope: 'col', class: 'num' }, 'Participants'),
      h('th', { scope: 'col', class: 'num' }, 'Responses'),
      f ? h('th', { scope: 'col', class: 'num' }, metricName(f)) : null)),
    h('tbody', {}, runs.map((r, i) => {
      const p = points[i];
      const withheld = r.tallies?.hidden ?? false;
      const here = r.workshopCode === currentCode;
      return h('tr', { 'data-testid': `run-${r.workshopCode}`, class: `${withheld ? 'withheld-row' : ''}${here ? ' this-run-row' : ''}` },
        h('td', { class: 'nowrap' }, mediumDate(r.date)),
        h('th', { scope: 'row', class: 'mono nowrap' },
          h('a', { href: linkOf(r.workshopCode), 'data-testid': 'run-report-link' }, r.workshopCode),
          here ? h('span', { class: 'pill this-run' }, 'this run') : null),
        h('td', { class: 'num' }, r.participants),
        h('td', { class: 'num' }, r.tallies?.responses ?? 0),
        f ? h('td', { class: 'num' }, p && p.value !== null ? formatValue(f, p.value) : h('span', { class: 'pill warn' }, p?.why || 'withheld')) : null);
    })));
}

const SVG = 'http://www.w3.org/2000/svg';
function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** A line over runs in date order, each point labelled with its value so it reads without the axis. */
function trendChart(f: Followed, points: Point[]): SVGSVGElement {
  // A narrower drawing on phones, so its text is not scaled down to a speck.
  const W = window.matchMedia('(max-width: 520px)').matches ? 330 : 560;
  const H = 210;
  const left = 54;
  const right = 18;
  const top = 22;
  const bottom = 46;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const n = points.length;
  // Each run sits in the middle of its own slot, so the first and last labels stay inside.
  const xOf = (i: number) => left + (plotW * (i + 0.5)) / n;
  const span = Math.max(1e-9, f.max - f.min);
  const yOf = (v: number) => top + plotH - (plotH * (v - f.min)) / span;

  const title = f.kind === 'scale' ? `Mean of “${f.text}” over runs` : `Share answering “${f.optionLabel}” over runs`;
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'trend-chart', width: '100%', 'data-testid': 'trend-chart' });
  root.appendChild(svg('title', {}, `${title}: ${points.map((p) => `${p.run.date} ${p.run.workshopCode} ${p.value === null ? p.why : formatValue(f, p.value)}`).join(', ')}`));

  // Grid: quarters of the percent scale, or each whole step of a short scale.
  const ticks = f.kind === 'scale' && span <= 10 ? Array.from({ length: span + 1 }, (_, i) => f.min + i) : [0, 25, 50, 75, 100].map((p) => f.min + (span * p) / 100);
  for (const t of ticks) {
    root.appendChild(svg('line', { x1: left, x2: W - right, y1: yOf(t), y2: yOf(t), class: 'trend-grid' }));
    root.appendChild(svg('text', { x: left - 8, y: yOf(t), 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'trend-axis' },
      f.kind === 'scale' ? String(Math.round(t * 100) / 100) : `${Math.round(t)}%`));
  }

  // The line breaks at a withheld run rather than bridging it.
  let path = '';
  let pen = false;
  points.forEach((p, i) => {
    if (p.value === null) { pen = false; return; }
    path += `${pen ? 'L' : 'M'}${xOf(i).toFixed(1)} ${yOf(p.value).toFixed(1)} `;
    pen = true;
  });
  if (path) root.appendChild(svg('path', { d: path.trim(), class: 'trend-line' }));

  const slot = plotW / n;
  const every = Math.ceil(60 / slot); // axis labels at least 60 units apart, so they never overlap
  const withCodes = slot * every >= 80;
  points.forEach((p, i) => {
    const x = xOf(i);
    if (p.value !== null) {
      root.appendChild(svg('circle', { cx: x, cy: yOf(p.value), r: 4.5, class: 'trend-point' }));
      root.appendChild(svg('text', { x, y: yOf(p.value) - 10, 'text-anchor': 'middle', class: 'trend-value' }, formatValue(f, p.value)));
    } else {
      root.appendChild(svg('text', { x, y: top + plotH - 6, 'text-anchor': 'middle', class: 'trend-gap' }, p.why));
    }
    if (i % every === 0) {
      root.appendChild(svg('text', { x, y: H - bottom + 18, 'text-anchor': 'middle', class: 'trend-axis' }, shortDate(p.run.date)));
      if (withCodes) root.appendChild(svg('text', { x, y: H - bottom + 34, 'text-anchor': 'middle', class: 'trend-axis trend-code' }, p.run.workshopCode));
    }
  });
  return root;
}
