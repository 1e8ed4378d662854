// Small formatting rules of the report, kept in one place so the screen and the printout agree.
import { formatPercent } from '../lib/chart';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "22 November 2026" for "2026-11-22"; anything else is shown as it came. Parsed by hand, not by
 *  Date, so that a reader west of Greenwich does not see the day before. */
export function longDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  const month = MONTHS[Number(m[2]) - 1];
  return month ? `${Number(m[3])} ${month} ${m[1]}` : iso;
}

/** "22 Nov" for "2026-11-22": short enough for a chart's axis. */
export function shortDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  const month = MONTHS[Number(m[2]) - 1];
  return month ? `${Number(m[3])} ${month.slice(0, 3)}` : iso;
}

/** "22 Nov 2026": a table's date, short enough for a phone. */
export function mediumDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${shortDate(iso)} ${m[1]}` : iso;
}

/** The span of a series' dates: one date, or "first – last". */
export function dateRange(dates: string[]): string {
  const known = dates.filter((d) => d !== '').sort();
  if (known.length === 0) return '';
  const first = known[0]!;
  const last = known[known.length - 1]!;
  return first === last ? longDate(first) : `${longDate(first)} – ${longDate(last)}`;
}

/** Today as the printout's date. */
export function today(): string {
  const d = new Date();
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
}

/** Share of `part` in `whole` as "72.7%", or "—" when there is no whole to share. */
export function share(part: number, whole: number): string {
  if (whole <= 0) return '—';
  return formatPercent(Math.round((1000 * part) / whole) / 10);
}

/** Means are read to two decimals, as organisers quote them. */
export function mean2(mean: number): string {
  return mean.toFixed(2);
}

/** A string literal for generated CSS (the printout's running footer): quotes, backslashes and
 *  line breaks escaped, so a title cannot end the string and write rules of its own. */
export function cssString(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\n\r\f]/g, ' ').replace(/[<>]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `)}"`;
}
