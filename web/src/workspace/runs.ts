// The runs: upcoming, open and closed, grouped by series, with a search and filters. Each run
// opens its dashboard and its report by the session (no token in the address), hands out its
// join link, and — for those who may manage it — gives or takes back a co-facilitator's access,
// issues a new facilitator link, and (organisers, once closed) erases names and e-mails.
import { h, render } from '../lib/dom';
import { copyStatus, copyText } from '../lib/clipboard';
import { dashboardUrl, reportUrl } from '../lib/urls';
import { eraseRun, giveAccess, newFacilitatorLink, nextRun, takeAccess, type RunEntry } from './api';
import { ask } from './dialog';
import { count, dayOf } from './format';
import { personOptions, timeFields } from './new-run';
import { STAGES, filtered, groupBySeries, stageLabel, type Page, type Series, type Stage } from './state';

const STAGE_PILL: Record<string, string> = { upcoming: 'pill', open: 'pill ok', closed: 'pill muted-pill' };

/** A read-only field with a Copy button: a join link or a facilitator link to pass on. */
export function copyField(id: string, label: string, url: string, button: string, hint?: string): HTMLElement {
  const field = h('input', { id, type: 'text', readonly: true, value: url, class: 'mono link-field', spellcheck: 'false',
    'aria-describedby': hint ? `${id}-hint` : null });
  const status = copyStatus();
  const copy = h('button', { type: 'button', class: 'secondary', 'data-focus': `copy:${id}` }, button);
  copy.addEventListener('click', () => void copyText(url, status, field));
  return h('div', { class: 'copy-field' },
    h('label', { for: id }, label),
    h('div', { class: 'copy-row' }, field, copy),
    status,
    hint ? h('p', { id: `${id}-hint`, class: 'muted small' }, hint) : null);
}

export function runsSection(page: Page): { root: HTMLElement; update(): void } {
  const { state } = page;
  const heading = h('h2', { id: 'runs-h', tabindex: -1 }, 'Runs');
  const search = h('input', { id: 'run-search', type: 'search', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'run-search-hint' });
  const stage = h('select', { id: 'run-stage' }, STAGES.map((s) => h('option', { value: s.value }, s.label)));
  const mine = h('input', { id: 'run-mine', type: 'checkbox' });
  const shownCount = h('p', { class: 'muted small', role: 'status', 'data-testid': 'runs-count' });
  const list = h('div', { class: 'series-list', 'data-testid': 'runs' });
  search.addEventListener('input', () => { state.filter.query = search.value; update(); });
  stage.addEventListener('change', () => { state.filter.stage = stage.value as Stage; update(); });
  mine.addEventListener('change', () => { state.filter.mine = mine.checked; update(); });

  const filters = h('form', { class: 'run-filters', role: 'search', 'aria-label': 'Find runs', onsubmit: (e: Event) => e.preventDefault() },
    h('div', { class: 'filter-search' },
      h('label', { for: 'run-search' }, 'Search runs'),
      h('p', { class: 'hint', id: 'run-search-hint' }, 'Title, series, code or facilitator'),
      search),
    h('div', { class: 'filter-stage' }, h('label', { for: 'run-stage' }, 'Stage'), stage),
    h('label', { class: 'choice filter-mine', for: 'run-mine' }, mine, h('span', {}, 'Only runs I lead or help with')));

  const root = h('section', { class: 'card runs-card', 'aria-labelledby': 'runs-h' },
    heading,
    h('p', { class: 'muted' }, state.organiser
      ? 'Every run on this Dyad, newest first, grouped by series.'
      : 'The runs you lead or were given access to, newest first, grouped by series.'),
    filters, shownCount, list);

  // ---- one run ------------------------------------------------------------------------------

  function accessPanel(r: RunEntry, problem: HTMLElement): HTMLElement | null {
    if (!state.organiser) return null;
    const taken = new Set([r.facilitator?.accountId, ...r.cofacilitators.map((p) => p.accountId)]);
    const candidates = state.accounts.filter((a) => !taken.has(a.accountId));
    const id = `give-${r.code}`;
    const people = h('ul', { class: 'access-list' },
      r.cofacilitators.map((p) => {
        const back = h('button', { type: 'button', class: 'secondary', 'data-focus': `take:${r.code}:${p.accountId}` },
          'Take back access', h('span', { class: 'visually-hidden' }, ` (${p.email})`));
        back.addEventListener('click', () => void page.act(async () => {
          await takeAccess(r.code, p.accountId);
          await page.reloadRuns();
          state.notes.set(r.code, `${p.email} no longer has access to this run.`);
        }, problem));
        return h('li', { 'data-testid': 'cofacilitator', 'data-email': p.email }, h('span', { class: 'person-email' }, p.email), back);
      }));
    const select = h('select', { id }, candidates.map((a) => h('option', { value: a.accountId }, a.email)));
    const give = h('button', { type: 'button', 'data-focus': `give:${r.code}` }, 'Give access');
    give.addEventListener('click', () => {
      const who = candidates.find((a) => a.accountId === select.value);
      if (!who) return;
      void page.act(async () => {
        await giveAccess(r.code, who.accountId);
        await page.reloadRuns();
        state.notes.set(r.code, `${who.email} can now open this run's dashboard and report when signed in.`);
      }, problem);
    });
    return h('div', { class: 'manage-part' },
      h('h5', {}, 'Co-facilitators'),
      r.cofacilitators.length ? people : h('p', { class: 'muted small' }, 'No one else has access yet.'),
      candidates.length
        ? h('div', { class: 'give-row' },
            h('label', { for: id }, 'Give a co-facilitator access', h('span', { class: 'hint' }, 'They open the dashboard and the report when signed in.')),
            h('div', { class: 'copy-row' }, select, give))
        : h('p', { class: 'muted small' }, 'Everyone who can sign in already has access. Invite more people on the People page.'));
  }

  function linkPanel(r: RunEntry, problem: HTMLElement): HTMLElement {
    const issue = h('button', { type: 'button', class: 'secondary', 'data-focus': `link:${r.code}` }, 'New facilitator link',
      h('span', { class: 'visually-hidden' }, ` (${r.code})`));
    issue.addEventListener('click', async () => {
      const sure = await ask({
        title: `A new facilitator link for ${r.code}?`,
        paragraphs: [
          'The old facilitator link stops working at once: anyone who opens it is turned away.',
          'People who sign in with access to this run still open its dashboard from here.',
        ],
        yes: 'Make a new link',
      });
      if (!sure) return issue.focus();
      await page.act(async () => {
        const link = await newFacilitatorLink(r.code);
        state.links.set(r.code, link.url);
        state.notes.set(r.code, 'A new facilitator link is ready below; the old one no longer works.');
      }, problem);
      list.querySelector<HTMLElement>(`[data-focus="copy:fac-link-${CSS.escape(r.code)}"]`)?.focus();
    });
    const url = state.links.get(r.code);
    return h('div', { class: 'manage-part' },
      h('h5', {}, 'Facilitator link'),
      h('p', { class: 'muted small' }, 'A link that opens the dashboard without signing in, for someone who leads the day without an account.'),
      h('div', { class: 'actions' }, issue),
      url ? h('div', { class: 'link-panel', 'data-testid': 'facilitator-link' },
        copyField(`fac-link-${r.code}`, `New facilitator link for ${r.code}`, url, 'Copy facilitator link',
          'Pass it on privately: whoever has it runs the dashboard.')) : null);
  }

  function erasePanel(r: RunEntry, problem: HTMLElement): HTMLElement | null {
    if (!state.organiser) return null;
    if (Number(r.erasedMs)) return null;
    if (r.stage !== 'closed') {
      return h('div', { class: 'manage-part' }, h('h5', {}, 'Names and e-mails'),
        h('p', { class: 'muted small' }, 'Once the run is closed, you can erase its participants\' names and e-mail addresses here.'));
    }
    const erase = h('button', { type: 'button', class: 'danger', 'data-focus': `erase:${r.code}` }, 'Erase names and e-mails',
      h('span', { class: 'visually-hidden' }, ` (${r.code})`));
    erase.addEventListener('click', async () => {
      const sure = await ask({
        title: `Erase the names and e-mails of ${r.code}?`,
        paragraphs: [
          `The participants' names and e-mail addresses of the run on ${dayOf(r.date)} are deleted for good. ` +
            'The list of who took part becomes “Participant 1”, “Participant 2”, and so on.',
          'The anonymous feedback statistics are kept, and the reports still show them.',
          'This cannot be undone.',
        ],
        yes: 'Erase names and e-mails',
        danger: true,
      });
      if (!sure) return erase.focus();
      await page.act(async () => {
        await eraseRun(r.code);
        await page.reloadRuns();
        state.notes.set(r.code, 'Names and e-mails erased: the participants are now “Participant 1”, “Participant 2”, …');
      }, problem);
      list.querySelector<HTMLElement>(`[data-testid=run][data-code="${CSS.escape(r.code)}"] summary`)?.focus();
    });
    return h('div', { class: 'manage-part' }, h('h5', {}, 'Names and e-mails'),
      h('p', { class: 'muted small' }, 'Erase the participants\' names and e-mail addresses; the anonymous statistics stay.'),
      h('div', { class: 'actions' }, erase));
  }

  function runCard(r: RunEntry): HTMLElement {
    const problem = h('p', { class: 'error-text', role: 'alert', 'data-testid': 'run-problem' });
    const note = state.notes.get(r.code) ?? '';
    const you = (id?: string) => (id === state.me.accountId ? ' (you)' : '');
    const erased = Number(r.erasedMs) > 0;
    const facts: [string, Node | string, string][] = [
      ['Code', h('span', { class: 'mono' }, r.code), 'run-code'],
      ['Facilitator', r.facilitator ? `${r.facilitator.email}${you(r.facilitator.accountId)}` : 'No one yet', 'run-facilitator'],
    ];
    if (r.cofacilitators.length) {
      facts.push(['Co-facilitators', r.cofacilitators.map((p) => `${p.email}${you(p.accountId)}`).join(', '), 'run-cofacilitators']);
    }
    facts.push(['Participants', String(r.participants), 'run-participants'], ['Responses', String(r.responses), 'run-responses']);

    let manage: HTMLElement | null = null;
    if (r.canManage) {
      const details = h('details', { class: 'manage', open: state.managing.has(r.code) },
        h('summary', { 'data-focus': `manage:${r.code}` }, 'Manage', h('span', { class: 'visually-hidden' }, ` ${r.code}`)),
        accessPanel(r, problem), linkPanel(r, problem), erasePanel(r, problem));
      details.addEventListener('toggle', () => {
        if (details.open) state.managing.add(r.code);
        else state.managing.delete(r.code);
      });
      manage = details;
    }
    const title = r.title || 'Untitled plan';
    return h('article', { class: `run stage-${r.stage}`, 'data-testid': 'run', 'data-code': r.code, 'aria-labelledby': `run-h-${r.code}` },
      h('div', { class: 'run-head' },
        h('h4', { id: `run-h-${r.code}`, tabindex: -1 }, dayOf(r.date) || 'No date yet', r.startTime ? `, ${r.startTime}` : '',
          h('span', { class: 'visually-hidden' }, ` — ${title}`)),
        h('span', { class: 'pills' },
          h('span', { class: STAGE_PILL[r.stage] ?? 'pill', 'data-testid': 'run-stage' }, stageLabel(r.stage)),
          erased ? h('span', { class: 'pill warn', 'data-testid': 'run-erased' }, 'names erased') : null)),
      h('dl', { class: 'run-facts' }, facts.map(([k, v, testid]) => h('div', {}, h('dt', {}, k), h('dd', { 'data-testid': testid }, v)))),
      h('div', { class: 'actions' },
        h('a', { class: 'button', href: dashboardUrl(r.code), 'data-testid': 'open-dashboard' }, 'Open dashboard',
          h('span', { class: 'visually-hidden' }, ` (${r.code})`)),
        h('a', { class: 'button secondary', href: reportUrl(r.code, ''), 'data-testid': 'open-report' }, 'Report',
          h('span', { class: 'visually-hidden' }, ` (${r.code})`))),
      r.stage !== 'closed' && r.joinUrl
        ? copyField(`join-${r.code}`, 'Join link for participants', r.joinUrl, 'Copy join link')
        : null,
      h('p', { class: 'run-note', role: 'status', 'data-testid': 'run-note' }, note),
      problem,
      nextRunPart(r, problem),
      manage);
  }

  // ---- the next run of a series ---------------------------------------------------------------

  /** Open "next run" forms by the run they follow, kept across redraws so what was typed stays. */
  const nextForms = new Map<string, HTMLElement>();

  function closeNext(code: string): void {
    state.planningNext.delete(code);
    nextForms.delete(code);
  }

  /** The next run after `from`: the latest version of the same plan, on a new day. */
  function nextRunForm(from: RunEntry, problem: HTMLElement): HTMLElement {
    const kept = nextForms.get(from.code);
    if (kept) return kept;
    const prefix = `next-${from.code}`;
    const { date, start, fields } = timeFields(prefix);
    start.value = from.startTime;
    const facilitator = h('select', { id: `${prefix}-facilitator` },
      personOptions(state, from.facilitator?.accountId ?? state.me.accountId));
    const formProblem = h('p', { class: 'error-text', role: 'alert' });
    const form = h('form', { class: 'next-run', novalidate: true, 'aria-labelledby': `${prefix}-h`, 'data-testid': 'next-run' },
      h('h5', { id: `${prefix}-h` }, 'Next run of this series'),
      h('p', { class: 'muted small' }, 'From the latest saved version of the same plan.'),
      fields,
      h('label', { for: `${prefix}-facilitator` }, 'Facilitator'), facilitator,
      formProblem,
      h('div', { class: 'actions' },
        h('button', { type: 'submit' }, 'Plan the next run'),
        h('button', { type: 'button', class: 'secondary', onclick: () => {
          closeNext(from.code);
          page.redraw();
          list.querySelector<HTMLElement>(`[data-focus="next:${CSS.escape(from.code)}"]`)?.focus();
        } }, 'Cancel')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      formProblem.textContent = '';
      if (!date.value || !start.value) {
        formProblem.textContent = 'Choose the day and the start time of the next run.';
        (date.value ? start : date).focus();
        return;
      }
      let made = '';
      await page.act(async () => {
        const run = await nextRun(from.code, { date: date.value, startTime: start.value, facilitatorId: facilitator.value });
        await page.reloadRuns();
        closeNext(from.code);
        made = run.code;
        state.notes.set(run.code, `Planned just now, as the next run after ${from.code}.`);
      }, problem);
      if (made) document.getElementById(`run-h-${made}`)?.focus();
    });
    nextForms.set(from.code, form);
    return form;
  }

  function nextRunPart(r: RunEntry, problem: HTMLElement): HTMLElement | null {
    if (!state.organiser) return null;
    if (state.planningNext.has(r.code)) return nextRunForm(r, problem);
    const open = h('button', { type: 'button', class: 'secondary', 'data-focus': `next:${r.code}` }, 'Next run of this series',
      h('span', { class: 'visually-hidden' }, ` (after ${r.code})`));
    open.addEventListener('click', () => {
      state.planningNext.add(r.code);
      page.redraw();
      document.getElementById(`next-${r.code}-date`)?.focus();
    });
    return h('div', { class: 'actions' }, open);
  }

  // ---- a series -----------------------------------------------------------------------------

  function seriesBlock(s: Series): HTMLElement {
    const latest = s.all[0]!;
    const name = s.name || s.title || latest.code;
    const headingId = `series-h-${latest.code}`;
    return h('section', { class: 'series', 'data-testid': 'series', 'data-key': s.key, 'data-series': s.name, 'aria-labelledby': headingId },
      h('div', { class: 'series-head' },
        h('h3', { id: headingId }, s.title || name),
        h('p', { class: 'muted small series-meta' },
          s.name ? ['Series ', h('span', { class: 'mono' }, s.name), ' · '] : null,
          count(s.all.length, 'run'),
          ' · ',
          h('a', { href: reportUrl(latest.code, '', true), 'data-testid': 'series-report' }, 'Series report',
            h('span', { class: 'visually-hidden' }, ` for ${name}`)))),
      h('div', { class: 'run-grid' }, s.shown.map(runCard)));
  }

  function update(): void {
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.focus;
    const shown = filtered(state.runs, state.filter, state.me);
    const groups = groupBySeries(state.runs, shown);
    shownCount.textContent = state.runs.length === 0 ? ''
      : shown.length === state.runs.length ? `${count(state.runs.length, 'run')}.`
        : `Showing ${shown.length} of ${count(state.runs.length, 'run')}.`;
    if (state.runs.length === 0) {
      render(list, h('p', { class: 'empty', 'data-testid': 'no-runs' }, state.organiser
        ? 'No runs yet. Plan one from a plan in the library: “Plan a run”.'
        : 'No runs for you yet. An organiser plans the runs and names their facilitator; yours appear here.'));
    } else if (groups.length === 0) {
      render(list, h('p', { class: 'empty' }, 'No run matches the search and filters.'));
    } else {
      render(list, groups.map(seriesBlock));
    }
    if (focused) list.querySelector<HTMLElement>(`[data-focus="${CSS.escape(focused)}"]`)?.focus();
  }

  return { root, update };
}
