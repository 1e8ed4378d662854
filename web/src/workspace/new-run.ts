// Planning a run (organisers): a saved version of a plan from the library (its latest unless
// another is chosen), the day, the start time and who facilitates.
import { h, render } from '../lib/dom';
import { createRun, planDetail } from './api';
import { dayOf, momentOf, todayIso } from './format';
import type { Page, State } from './state';

/** The day and start-time fields of a form; ids start with `prefix`. */
export function timeFields(prefix: string): { date: HTMLInputElement; start: HTMLInputElement; fields: HTMLElement } {
  const date = h('input', { id: `${prefix}-date`, type: 'date', required: true, min: todayIso() });
  const start = h('input', { id: `${prefix}-start`, type: 'time', required: true, step: 300, 'aria-describedby': `${prefix}-start-hint` });
  return {
    date,
    start,
    fields: h('div', { class: 'when-fields' },
      h('div', {}, h('label', { for: `${prefix}-date` }, 'Day'), date),
      h('div', {}, h('label', { for: `${prefix}-start` }, 'Start time'),
        h('p', { class: 'hint', id: `${prefix}-start-hint` }, '24-hour clock, in the plan\'s time zone'), start)),
  };
}

/** The people who may facilitate, as <option>s: organisers and facilitators, `selected` chosen. */
export function personOptions(state: State, selected: string): HTMLOptionElement[] {
  const people = state.accounts.length ? state.accounts : [{ accountId: state.me.accountId, email: state.me.email, role: state.me.role }];
  return people.map((p) => h('option', { value: p.accountId, selected: p.accountId === selected },
    `${p.email}${p.accountId === state.me.accountId ? ' (you)' : ''}${p.role === 'organiser' ? ' — organiser' : ''}`));
}

export function newRunSection(page: Page): { root: HTMLElement; update(): void } {
  const { state } = page;
  const plan = h('select', { id: 'new-run-plan', required: true });
  const version = h('select', { id: 'new-run-version', 'aria-describedby': 'new-run-version-hint' });
  const { date, start, fields } = timeFields('new-run');
  const facilitator = h('select', { id: 'new-run-facilitator' });
  const problem = h('p', { class: 'error-text', role: 'alert', 'data-testid': 'new-run-problem' });
  const note = h('p', { class: 'ok-text', role: 'status', 'data-testid': 'new-run-note' });
  const submit = h('button', { type: 'submit' }, 'Plan the run');
  const noPlans = h('p', { class: 'muted', hidden: true }, 'No plan has a saved version yet. Save a plan in the editor first, then plan its runs here.');

  /** Fills the version list of the chosen plan: its saved versions, newest first, the latest chosen. */
  let asked = 0;
  async function loadVersions(): Promise<void> {
    const id = plan.value;
    const ask = ++asked;
    const entry = state.plans.find((p) => p.planId === id);
    render(version, entry ? h('option', { value: '0' }, `Latest (version ${entry.latestVersion})`) : null);
    if (!id) return;
    try {
      const detail = await planDetail(id);
      if (ask !== asked) return;
      render(version,
        h('option', { value: '0' }, `Latest (version ${detail.entry?.latestVersion ?? entry?.latestVersion ?? ''})`),
        detail.versions.map((v) => h('option', { value: String(v.version) },
          `Version ${v.version}, saved ${momentOf(v.savedMs)}${v.savedBy ? ` by ${v.savedBy}` : ''}`)));
    } catch {
      /* the latest is still offered; the run's creation says any problem */
    }
  }
  plan.addEventListener('change', () => void loadVersions());

  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'new-run-h', 'data-testid': 'new-run' },
    h('h2', { id: 'new-run-h' }, 'Plan a run'),
    h('p', { class: 'muted' }, 'A run is one day of a plan with its own code, join link and feedback. Runs of the same plan make a series.'),
    noPlans,
    h('label', { for: 'new-run-plan' }, 'Plan'), plan,
    h('label', { for: 'new-run-version' }, 'Version'),
    h('p', { class: 'hint', id: 'new-run-version-hint' }, 'Only saved versions can be run; drafts cannot.'),
    version,
    fields,
    h('label', { for: 'new-run-facilitator' }, 'Facilitator'), facilitator,
    problem,
    h('div', { class: 'actions' }, submit),
    note);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    problem.textContent = '';
    note.textContent = '';
    if (!plan.value) {
      problem.textContent = 'Choose a plan from the library.';
      return plan.focus();
    }
    if (!date.value || !start.value) {
      problem.textContent = 'Choose the day and the start time of the run.';
      return (date.value ? start : date).focus();
    }
    submit.disabled = true;
    let planned = '';
    await page.act(async () => {
      const run = await createRun({ planId: plan.value, planVersion: Number(version.value) || 0, date: date.value,
        startTime: start.value, facilitatorId: facilitator.value });
      await page.reloadRuns();
      state.notes.set(run.code, 'Planned just now.');
      planned = `Planned: ${run.title || 'the run'} on ${dayOf(run.date)} at ${run.startTime}, code ${run.code}. It is listed under Runs.`;
    }, problem);
    submit.disabled = false;
    if (planned) {
      note.textContent = planned;
      date.value = '';
      start.value = '';
    }
  });

  function update(): void {
    const saved = state.plans.filter((p) => p.latestVersion > 0);
    const chosen = plan.value;
    render(plan, saved.map((p) => h('option', { value: p.planId, selected: p.planId === chosen },
      `${p.name || p.title}${p.template ? ' (demo template)' : ''}`)));
    if (!chosen || !saved.some((p) => p.planId === chosen)) {
      // The newest plan that is not the template is the likely one.
      const likely = [...saved].sort((a, b) => Number(b.savedMs) - Number(a.savedMs)).find((p) => !p.template) ?? saved[0];
      plan.value = likely?.planId ?? '';
    }
    if (plan.value !== chosen) void loadVersions();
    const who = facilitator.value || state.me.accountId;
    render(facilitator, personOptions(state, who));
    noPlans.hidden = saved.length > 0;
    submit.disabled = saved.length === 0;
  }

  return { root: form, update };
}
