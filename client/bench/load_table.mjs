// Turns the figures deploy/bench-load.sh collected into the README's Markdown table: each cell
// the median of the runs with their range (min–max), Dyad beside the Node.js `ws` peer and the
// raw-Asio floor measured in the same session.
//
// Input: lines "SERVER SCENARIO SIZE RUN FIGURE VALUE", as the script writes them, from one file
// or several (runs of different sessions are told apart by file).
// Usage: node client/bench/load_table.mjs results.txt [more.txt …]
import { readFileSync } from 'node:fs';

const servers = [['dyad', 'Dyad'], ['peer', 'Node.js ws peer'], ['floor', 'raw-Asio floor']];

// [label, scenario, figure, digits]; every size measured for that scenario gets a row.
const rows = [
  ['server memory per participant, idle (KiB)', 'hold', 'rss_kib_per_participant', 1],
  ['joins answered per second', 'hold', 'joins_per_s', 0],
  ['broadcast p50 (ms)', 'hold', 'broadcast_p50_ms', 1],
  ['broadcast p99 (ms)', 'hold', 'broadcast_p99_ms', 1],
  ['broadcast, last delivery (ms)', 'hold', 'broadcast_last_ms', 1],
  ['server CPU per 1,000 deliveries (ms)', 'hold', 'cpu_ms_per_1k_deliveries', 1],
  ['facilitator still connected after the joins (runs)', 'hold', 'facilitator_connected', 'runs'],
  ['feedback burst: ack p50 (ms)', 'feedback', 'ack_p50_ms', 1],
  ['feedback burst: ack p99 (ms)', 'feedback', 'ack_p99_ms', 1],
  ['feedback burst: acks per second', 'feedback', 'acks_per_s', 0],
  ['feedback burst: retries after "busy"', 'feedback', 'retries', 0],
  ['feedback burst with a series export each second: ack p99 (ms)', 'feedback_export', 'ack_p99_ms', 1],
  ['feedback burst with a series export each second: acks per second', 'feedback_export', 'acks_per_s', 0],
  ['feedback burst with a series export each second: exports answered', 'feedback_export', 'exports', 0],
  ['mass disconnect, then a new join served after (ms)', 'churn', 'join_after_disconnect_ms', 1],
  ['mass disconnect, then a resume served after (ms)', 'churn', 'resume_after_disconnect_ms', 1],
  ['mass disconnect: facilitator still connected (runs)', 'churn', 'facilitator_connected', 'runs'],
  ['10 broadcasts/s, no slow readers: p99 (ms)', 'slow_none', 'broadcast_p99_ms', 1],
  ['10 broadcasts/s, 1% slow readers: the others\' p99 (ms)', 'slow', 'broadcast_p99_ms', 1],
  ['10 broadcasts/s, no slow readers: server memory growth (MiB)', 'slow_none', 'rss_growth_mib', 1],
  ['10 broadcasts/s, 1% slow readers: server memory growth (MiB)', 'slow', 'rss_growth_mib', 1],
];

const data = new Map();  // "server scenario size figure" -> [values]
const sizes = new Map(); // scenario -> Set of sizes
const runs = new Map();  // "server scenario size" -> Set of runs
const lines = process.argv.slice(2).flatMap((file, i) =>
  readFileSync(file, 'utf8').split('\n').map((line) => `${i} ${line.trim()}`));
for (const line of lines) {
  const [file, server, scenario, size, runInFile, figure, value] = line.split(/\s+/);
  const run = `${file}.${runInFile}`;
  if (value === undefined) continue;
  const key = `${server} ${scenario} ${size} ${figure}`;
  if (!data.has(key)) data.set(key, []);
  data.get(key).push(Number(value));
  if (!sizes.has(scenario)) sizes.set(scenario, new Set());
  sizes.get(scenario).add(Number(size));
  const rk = `${server} ${scenario} ${size}`;
  if (!runs.has(rk)) runs.set(rk, new Set());
  runs.get(rk).add(run);
}

function format(x, digits) {
  if (!Number.isFinite(x)) return '–';
  return x.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cell(server, scenario, size, figure, digits) {
  const values = data.get(`${server} ${scenario} ${size} ${figure}`);
  const ran = runs.get(`${server} ${scenario} ${size}`);
  if (digits === 'runs') {
    if (!ran) return '–';
    const yes = (values ?? []).filter((v) => v === 1).length;
    return `${yes} of ${ran.size}`;
  }
  if (!values || values.length === 0) return '–';
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]
    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  const missing = ran && ran.size > values.length ? ` [${ran.size - values.length} run(s) without]` : '';
  if (sorted.length === 1) return format(median, digits) + missing;
  return `${format(median, digits)} (${format(sorted[0], digits)}–${format(sorted[sorted.length - 1], digits)})${missing}`;
}

const out = [];
out.push(`| measure | people | ${servers.map(([, name]) => name).join(' | ')} |`);
out.push(`|---|---:|${servers.map(() => '---:').join('|')}|`);
for (const [label, scenario, figure, digits] of rows) {
  for (const size of [...(sizes.get(scenario) ?? [])].sort((a, b) => a - b)) {
    const cells = servers.map(([server]) => cell(server, scenario, size, figure, digits));
    if (cells.every((c) => c === '–')) continue;
    out.push(`| ${label} | ${size.toLocaleString('en-GB')} | ${cells.join(' | ')} |`);
  }
}
console.log(out.join('\n'));
