// The organiser's report at <base>r/CODE#t=TOKEN: feedback statistics of one run, or of every run of
// its series, read over HTTP with the facilitator's or the admin's token. The token stays in the
// fragment, which browsers never send to a server, so it does not land in access logs; the
// chosen view lives there too (#t=…&view=series), so a reload or a shared link opens the same view.
// Opened from the workspace as <base>r/CODE, with no token, the report is read by the session
// cookie alone (no Authorization header): organisers, and the run's facilitators when signed in.
// When that is refused, the token form is offered as before, with a way to sign in.
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { RunStatisticsSchema, SeriesStatisticsSchema, type RunStatistics, type SeriesStatistics } from '@gen/dyad/v1/feedback_pb';
import { HttpError, apiGet, byId, download, fragmentParam, h, render } from '../lib/dom';
import { apiUrl, appUrl, codeFromPath, homeUrl, reportUrl, signInUrl } from '../lib/urls';
import { cssString, dateRange, longDate, share, today } from './format';
import { questionSections } from './questions';
import { defaultFollowed, followable, trendCard } from './series';

type View = 'run' | 'series';

const app = byId('app');
const code = codeFromPath();

let token = '';
let view: View = 'run';
let run: RunStatistics | undefined;
let series: SeriesStatistics | undefined;
let seriesError: unknown;
let seriesLoading = false;
let followed = '';
/** Bumped whenever the token changes, so that an answer for an old token is dropped. */
let generation = 0;

const TOKEN_WHERE = "the part after #t= in the facilitator's link, or the admin token the server printed when it started";
const TOKEN_HINT = `It is ${TOKEN_WHERE}.`;

function readFragment(): void {
  token = fragmentParam('t').trim();
  view = fragmentParam('view') === 'series' ? 'series' : 'run';
}

/** Writes the view into the fragment without a hashchange (nothing needs reloading). */
function writeFragment(): void {
  const p = new URLSearchParams();
  if (token) p.set('t', token);
  if (view === 'series') p.set('view', 'series');
  const fragment = p.toString();
  history.replaceState(history.state, '', fragment ? `#${fragment}` : `${location.pathname}${location.search}`);
}

function apiPath(kind: 'statistics' | 'series-statistics', format: 'json' | 'csv'): string {
  return apiUrl(`workshops/${encodeURIComponent(code)}/${kind}?format=${format}`);
}

// ---- errors ---------------------------------------------------------------------------------

interface Explained {
  sentence: string;
  advice: string;
}

/** The server's own sentence where there is one; a network failure is said as such. */
function explain(e: unknown): Explained {
  if (e instanceof TypeError) {
    return {
      sentence: 'The Dyad server could not be reached.',
      advice: 'Check your network connection and that the server is running, then try again.',
    };
  }
  const sentence = e instanceof Error && e.message ? e.message : String(e);
  return {
    sentence,
    // The server answers an unknown code like a wrong token (401), so codes cannot be probed;
    // only the admin token gets a 404 for a code.
    advice: e instanceof HttpError && (e.status === 401 || e.status === 403)
      ? `Check the access token: it is ${TOKEN_WHERE}.`
      : e instanceof HttpError && e.status === 404
        ? 'Check the workshop code in the address: it is the part after /r/, as in the facilitator\'s link.'
        : 'Try again in a moment; if it persists, the server\'s log says more.',
  };
}

// ---- loading --------------------------------------------------------------------------------

async function loadRun(): Promise<void> {
  const g = ++generation;
  run = undefined;
  series = undefined;
  seriesError = undefined;
  seriesLoading = false;
  renderShell(h('p', { class: 'loading muted', role: 'status' }, 'Loading the report…'));
  try {
    const res = await apiGet(apiPath('statistics', 'json'), token);
    const json = (await res.json()) as JsonValue;
    if (g !== generation) return;
    run = fromJson(RunStatisticsSchema, json, { ignoreUnknownFields: true });
    draw();
  } catch (e) {
    if (g !== generation) return;
    // A refused token is best answered where a new one can be typed; without a token, the
    // session did not open it: the same form, with a way to sign in, and no alarm.
    if (e instanceof HttpError && (e.status === 401 || e.status === 403)) renderTokenForm(token ? e.message : undefined);
    else renderError(e);
  }
}

async function loadSeries(): Promise<void> {
  const g = generation;
  seriesLoading = true;
  seriesError = undefined;
  try {
    const res = await apiGet(apiPath('series-statistics', 'json'), token);
    const json = (await res.json()) as JsonValue;
    if (g !== generation) return;
    series = fromJson(SeriesStatisticsSchema, json, { ignoreUnknownFields: true });
  } catch (e) {
    if (g !== generation) return;
    seriesError = e;
  } finally {
    if (g === generation) seriesLoading = false;
  }
  if (g === generation && view === 'series') draw();
}

// ---- pages without a report -----------------------------------------------------------------

function topbar(): HTMLElement {
  return h('header', { class: 'topbar no-print' },
    h('a', { class: 'brand', href: homeUrl() }, 'Dyad'),
    h('span', { class: 'title' }, 'Feedback report'),
    code ? h('span', { class: 'mono small muted' }, code) : null);
}

function renderShell(...content: Node[]): void {
  render(app, topbar(), h('main', { class: 'wrap report', id: 'main' }, content));
}

/** The token form; `refused` is the server's sentence when the last token was turned down. */
function renderTokenForm(refused?: string): void {
  document.title = `Dyad — feedback report ${code}`;
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'token-hint', 'data-testid': 'token-input' });
  const problem = h('p', { class: 'error-text', role: 'alert', 'data-testid': refused ? 'error' : null }, refused ?? '');
  const form = h('form', {
    class: 'card token-form', 'data-testid': 'token-form',
    onsubmit: (e: Event) => {
      e.preventDefault();
      const value = input.value.trim();
      if (!value) {
        problem.textContent = 'Enter the access token to open the report.';
        input.focus();
        return;
      }
      // Setting the fragment fires hashchange, which loads the report; the token stays out of
      // the address sent to the server.
      const wanted = new URLSearchParams({ t: value });
      if (view === 'series') wanted.set('view', 'series');
      const hash = `#${wanted.toString()}`;
      if (location.hash === hash) {
        // The same token again (say, after the server was restarted with it): no hashchange fires.
        token = value;
        void loadRun();
      } else {
        location.hash = hash;
      }
    },
  },
  h('h1', {}, 'Feedback report'),
  h('p', { class: 'muted' }, 'Workshop ', h('span', { class: 'mono' }, code), '. Reports are open to the workshop\'s facilitator and to the server\'s administrator.'),
  token ? null : h('p', { 'data-testid': 'sign-in-note' }, 'Organisers and the run\'s facilitators with an account: ',
    h('a', { href: signInUrl(`r/${code}${view === 'series' ? '#view=series' : ''}`), 'data-testid': 'sign-in' }, 'sign in'),
    ' and the report opens without a token. Or enter the token:'),
  h('label', { for: 'token' }, 'Access token', h('span', { class: 'hint', id: 'token-hint' }, TOKEN_HINT)),
  input,
  problem,
  h('div', { class: 'actions' }, h('button', { type: 'submit', 'data-testid': 'token-submit' }, 'Open report')));
  renderShell(form);
  input.focus();
}

function renderNoCode(): void {
  renderShell(h('div', { class: 'card' },
    h('h1', {}, 'Which workshop?'),
    h('p', { 'data-testid': 'error' }, 'This address lacks a workshop code.'),
    h('p', { class: 'muted' }, `Open the report as ${appUrl('r/')}CODE, with the code from the facilitator’s link.`)));
}

function renderError(e: unknown): void {
  const { sentence, advice } = explain(e);
  renderShell(h('div', { class: 'card error-card', role: 'alert' },
    h('h1', {}, 'The report could not be opened'),
    h('p', { class: 'error-text', 'data-testid': 'error' }, sentence),
    h('p', { class: 'muted' }, advice),
    h('div', { class: 'actions' },
      h('button', { type: 'button', 'data-testid': 'retry', onclick: () => void loadRun() }, 'Try again'),
      h('button', {
        type: 'button', class: 'secondary', 'data-testid': 'other-token',
        onclick: () => {
          // Out of the address without a hashchange: the form, not another try by the session.
          token = '';
          history.replaceState(history.state, '', `${location.pathname}${location.search}`);
          renderTokenForm();
        },
      }, 'Use another token'))));
}

// ---- the report -----------------------------------------------------------------------------

function stat(label: string, value: string | number, testid: string, note?: string): HTMLElement {
  return h('div', { class: 'stat' },
    h('span', { class: 'stat-value', 'data-testid': testid }, value),
    h('span', { class: 'stat-label' }, label),
    note ? h('span', { class: 'stat-note' }, note) : null);
}

function summaryBlock(text: string): HTMLElement {
  return h('section', { class: 'summary-block', 'aria-labelledby': 'summary-h' },
    h('h2', { id: 'summary-h', class: 'eyebrow' }, 'In plain words'),
    h('blockquote', { class: 'summary', 'data-testid': 'summary' }, text || 'No responses yet.'));
}

function runPanel(r: RunStatistics): Node[] {
  const t = r.tallies;
  const responses = t?.responses ?? 0;
  return [
    h('div', { class: 'stats' },
      stat('Responses', responses, 'responses'),
      stat('Participants', r.participants, 'participants', 'who joined'),
      stat('Response rate', share(responses, r.participants), 'response-rate')),
    summaryBlock(r.summary),
    h('h2', { class: 'section-h' }, 'Question by question'),
    ...(t ? questionSections(t, 'run') : [h('p', { class: 'muted' }, 'No questionnaire in this run.')]),
  ];
}

function seriesPanel(): Node[] {
  if (!series) {
    if (seriesError !== undefined) {
      const { sentence, advice } = explain(seriesError);
      return [h('div', { class: 'banner alert', role: 'alert' },
        h('p', { class: 'error-text', 'data-testid': 'error' }, sentence),
        h('p', {}, advice),
        h('button', { type: 'button', class: 'secondary', onclick: () => { void loadSeries(); draw(); } }, 'Try again'))];
    }
    if (!seriesLoading) void loadSeries();
    return [h('p', { class: 'loading muted', role: 'status' }, 'Loading every run of the series…')];
  }
  const s = series;
  const c = s.combined;
  const responses = s.runs.reduce((a, r) => a + (r.tallies?.responses ?? 0), 0);
  const participants = s.runs.reduce((a, r) => a + r.participants, 0);
  const withheld = s.runs.filter((r) => r.tallies?.hidden);
  const threshold = c?.anonymityThreshold || run?.tallies?.anonymityThreshold || 3;
  if (!followed || !followable(s).some((f) => f.id === followed)) followed = defaultFollowed(followable(s));

  const withheldNote = withheld.length === 0
    ? `Runs with fewer than ${threshold} responses are withheld and not counted in the combined figures; every run here is counted.`
    : `${withheld.length === 1 ? 'One run' : `${withheld.length} runs`} below the anonymity threshold of ${threshold} responses (${withheld.map((r) => r.workshopCode).join(', ')}) ${withheld.length === 1 ? 'is' : 'are'} withheld and not counted in the combined figures.`;

  // Each run links to its own report; this one keeps its token, the others open by the session
  // (a facilitator's token opens only its own run).
  const linkOf = (runCode: string) => reportUrl(runCode, runCode === code ? token : '');
  const trend = trendCard(s, code, linkOf, followed, (id) => {
    followed = id;
    draw();
    byId<HTMLSelectElement>('trend-question').focus();
  });

  return [
    h('div', { class: 'stats' },
      stat('Runs', s.runs.length, 'runs-count'),
      stat('Responses', responses, 'responses', c ? `${c.responses} counted` : undefined),
      stat('Participants', participants, 'participants', 'who joined'),
      stat('Response rate', share(responses, participants), 'response-rate')),
    summaryBlock(s.summary),
    h('p', { class: `banner ${withheld.length ? 'warn' : 'info'} withheld-note`, 'data-testid': 'withheld-note' }, withheldNote),
    trend,
    h('h2', { class: 'section-h' }, 'All runs combined, question by question'),
    ...(c ? questionSections(c, 'series') : [h('p', { class: 'muted' }, 'No combined figures yet.')]),
  ];
}

function tabs(): HTMLElement {
  const items: [View, string, string][] = [['run', 'This run', 'view-run'], ['series', 'All runs of the series', 'view-series']];
  const list = h('div', { class: 'tabs no-print', role: 'tablist', 'aria-label': 'What the report covers' });
  for (const [v, label, testid] of items) {
    const selected = v === view;
    list.appendChild(h('button', {
      type: 'button', role: 'tab', id: `tab-${v}`, 'aria-selected': selected ? 'true' : 'false', 'aria-controls': `panel-${v}`,
      tabindex: selected ? 0 : -1, class: 'tab', 'data-testid': testid,
      onclick: () => setView(v),
      // Arrow keys move between the two tabs, as the ARIA tabs pattern expects.
      onkeydown: (e: Event) => {
        const key = (e as KeyboardEvent).key;
        const next: View | null = key === 'ArrowRight' || key === 'ArrowLeft' ? (view === 'run' ? 'series' : 'run')
          : key === 'Home' ? 'run' : key === 'End' ? 'series' : null;
        if (next) {
          e.preventDefault();
          setView(next);
        }
      },
    }, label));
  }
  return list;
}

function setView(v: View): void {
  if (v === view) return;
  view = v;
  writeFragment();
  draw();
  byId(`tab-${v}`).focus();
}

async function exportAs(format: 'csv' | 'json', button: HTMLButtonElement): Promise<void> {
  const status = byId('action-status');
  const isSeries = view === 'series';
  const name = isSeries
    ? `${(series?.series || run?.series || code).replace(/[^\w.-]+/g, '-')}-series-statistics.${format}`
    : `${code}-statistics.${format}`;
  button.disabled = true;
  status.className = 'action-status muted small';
  status.textContent = `Preparing ${name}…`;
  try {
    const res = await apiGet(apiPath(isSeries ? 'series-statistics' : 'statistics', format), token);
    download(name, format === 'csv' ? 'text/csv;charset=utf-8' : 'application/json', await res.blob());
    status.textContent = `Downloaded ${name}.`;
  } catch (e) {
    const { sentence, advice } = explain(e);
    status.className = 'action-status error-text small';
    status.textContent = `${sentence} ${advice}`;
  } finally {
    button.disabled = false;
  }
}

function toolbar(): HTMLElement {
  const csv = h('button', { type: 'button', class: 'secondary', 'data-testid': 'download-csv' }, 'Download CSV');
  const json = h('button', { type: 'button', class: 'secondary', 'data-testid': 'download-json' }, 'Download JSON');
  csv.addEventListener('click', () => void exportAs('csv', csv));
  json.addEventListener('click', () => void exportAs('json', json));
  return h('div', { class: 'toolbar no-print' },
    tabs(),
    h('div', { class: 'toolbar-actions' },
      csv, json,
      h('button', { type: 'button', class: 'secondary', 'data-testid': 'print', onclick: () => window.print() }, 'Print'),
      h('button', { type: 'button', class: 'secondary quiet', 'data-testid': 'refresh', title: 'Read the statistics again', onclick: () => void loadRun() }, 'Refresh')));
}

/** The printout's running footer: which report, and page numbers. Rebuilt per view, in a style
 *  sheet built by the script: the page's Content-Security-Policy (style-src 'self') refuses a
 *  <style> element, as it should, but not a sheet made through the CSSOM. */
const pageSheet = new CSSStyleSheet();
document.adoptedStyleSheets = [...document.adoptedStyleSheets, pageSheet];
function pageStyle(label: string): void {
  pageSheet.replaceSync(`@page { @bottom-left { content: ${cssString(label)}; } }`);
}

function draw(): void {
  const r = run;
  if (!r) return;
  const isSeries = view === 'series';
  const seriesName = series?.series || r.series;
  const dates = isSeries && series ? dateRange(series.runs.map((x) => x.date)) : longDate(r.date);
  document.title = `${r.title || 'Workshop'} — feedback report${isSeries ? ', all runs' : ` ${r.workshopCode || code}`}`;
  pageStyle(isSeries ? `Feedback report · series ${seriesName} · all runs` : `Feedback report · ${r.workshopCode || code} · ${longDate(r.date)}`);

  const meta: [string, string, string][] = isSeries
    ? [['Series', seriesName, 'meta-series'], [dates.includes('–') ? 'Dates' : 'Date', dates, 'meta-date'], ['Runs', series ? String(series.runs.length) : '…', 'meta-runs']]
    : [['Series', r.series, 'meta-series'], ['Date', longDate(r.date), 'meta-date'], ['Code', r.workshopCode || code, 'meta-code']];

  // A redraw replaces every element; whoever had focus (a tab, the question chooser) keeps it,
  // so keyboard and screen-reader users are not thrown back to the top when data arrives.
  const focused = document.activeElement instanceof HTMLElement && document.activeElement.id ? document.activeElement.id : '';
  render(app,
    topbar(),
    h('main', { class: 'wrap report', id: 'main' },
      h('header', { class: 'report-head' },
        h('p', { class: 'eyebrow' }, isSeries ? 'Feedback report · all runs of the series' : 'Feedback report · this run'),
        h('h1', { 'data-testid': 'title' }, r.title || 'Untitled workshop'),
        h('dl', { class: 'meta' }, meta.filter(([, v]) => v !== '').map(([k, v, testid]) =>
          h('div', {}, h('dt', {}, k), h('dd', { 'data-testid': testid, class: k === 'Code' ? 'mono' : '' }, v))))),
      toolbar(),
      h('p', { id: 'action-status', class: 'action-status muted small no-print', role: 'status', 'aria-live': 'polite' }),
      h('div', { class: 'panel', role: 'tabpanel', id: `panel-${view}`, 'aria-labelledby': `tab-${view}`, 'data-testid': `panel-${view}` },
        isSeries ? seriesPanel() : runPanel(r)),
      h('footer', { class: 'report-footer', 'data-testid': 'report-footer' },
        h('span', {}, 'Anonymous feedback compiled by Dyad'),
        h('span', { class: 'print-only', 'data-testid': 'printed-date' }, ` · printed ${today()}`))));
  if (focused) document.getElementById(focused)?.focus();
}

function start(): void {
  readFragment();
  if (!code) return renderNoCode();
  void loadRun();
}

// A new token (the form, or an edited address) loads afresh; a new view only redraws.
window.addEventListener('hashchange', () => {
  const before = token;
  readFragment();
  if (!code) return renderNoCode();
  if (token !== before || !run) {
    void loadRun();
  } else {
    draw();
  }
});
// The date on the printout is the day it is printed, even when the page stayed open overnight.
window.addEventListener('beforeprint', () => {
  const el = document.querySelector('[data-testid="printed-date"]');
  if (el) el.textContent = ` · printed ${today()}`;
});

start();
