// How the workspace writes days and times: "Thu 3 Dec 2026", 24-hour clock times.

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Thu 3 Dec 2026" for "2026-12-03". A run's date is a day in its plan's time zone, not an
 *  instant: it is read by hand (the weekday from UTC), so no reader's time zone moves it. */
export function dayOf(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const when = new Date(Date.UTC(y, mo - 1, d));
  if (when.getUTCMonth() !== mo - 1) return iso;
  return `${DAYS[when.getUTCDay()]} ${d} ${MONTHS[mo - 1]} ${y}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An instant (ms since 1970) in this browser's time: "Thu 3 Dec 2026, 14:05". */
export function momentOf(ms: number | bigint): string {
  const t = Number(ms);
  if (!t) return '';
  const d = new Date(t);
  return `${DAYS[d.getDay()]} ${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}, ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Today in this browser as "2026-12-03", for a date field's first value. */
export function todayIso(): string {
  const d = new Date();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** "1 participant", "3 responses". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
