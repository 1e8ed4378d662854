// The workspace of organisers and facilitators: <base>workspace. The runs (each opening its
// dashboard and report by the session), planning a run, the plan library and, for organisers,
// how long personal data is kept. One state object (state.ts); each section draws from it.
import { HttpError, byId, h, render } from '../lib/dom';
import { accountBar } from '../lib/account-bar';
import { type Me, isOrganiser, isSignedOut, listAccounts, sentenceOf, whoAmI } from '../lib/accounts';
import { peopleUrl, signInUrl, workspaceUrl } from '../lib/urls';
import { listPlans, listRuns, retentionDays } from './api';
import { newRunSection } from './new-run';
import { plansSection } from './plans';
import { privacySection } from './privacy';
import { runsSection } from './runs';
import type { Page, State } from './state';

const app = byId('app');

/** The session ended while the page was open (signed out elsewhere, or removed). */
function signedOutView(): void {
  render(app, accountBar(null), h('main', { class: 'wrap narrow' },
    h('section', { class: 'card', 'data-testid': 'workspace-signed-out' },
      h('h1', { tabindex: -1 }, 'You are signed out'),
      h('p', {}, 'Your session has ended: you signed out elsewhere, or an organiser changed your account. Sign in again to go on.'),
      h('div', { class: 'actions' }, h('a', { class: 'button', href: signInUrl('workspace') }, 'Sign in')))));
  app.querySelector<HTMLElement>('h1')?.focus();
}

function failedView(e: unknown): void {
  render(app, accountBar(null), h('main', { class: 'wrap narrow' },
    h('section', { class: 'card' },
      h('h1', {}, 'The workspace could not be loaded'),
      h('p', { class: 'error-text', role: 'alert' }, sentenceOf(e)),
      h('div', { class: 'actions' }, h('a', { class: 'button', href: workspaceUrl() }, 'Try again')))));
}

function workspace(state: State): void {
  const page: Page = {
    state,
    async act(work, problem) {
      problem.textContent = '';
      try {
        await work();
        page.redraw();
        return true;
      } catch (e) {
        if (isSignedOut(e)) {
          signedOutView();
          return false;
        }
        problem.textContent = sentenceOf(e);
        // A role taken away, or a run or plan gone: the lists are read again so they show what is.
        if (e instanceof HttpError && (e.status === 403 || e.status === 404)) {
          await Promise.all([page.reloadRuns(), page.reloadPlans()]).catch(() => undefined);
        }
        page.redraw();
        return false;
      }
    },
    async reloadRuns() {
      const list = await listRuns();
      state.runs = list.runs;
      if (!state.organiser) state.retentionDays = list.retentionDays;
    },
    async reloadPlans() {
      state.plans = await listPlans();
    },
    redraw,
  };

  const runs = runsSection(page);
  const plans = plansSection(page);
  const newRun = state.organiser ? newRunSection(page) : null;
  const privacy = state.organiser ? privacySection(page) : null;

  const jump = (href: string, text: string) => h('li', {}, h('a', { href }, text));
  render(app, accountBar(state.me), h('main', { class: 'wrap workspace' },
    h('div', { class: 'workspace-head' },
      h('h1', {}, 'Workspace'),
      h('nav', { 'aria-label': 'On this page' }, h('ul', { class: 'jumps' },
        jump('#runs-h', 'Runs'),
        newRun ? jump('#new-run-h', 'Plan a run') : null,
        jump('#plans-h', 'Plan library'),
        privacy ? jump('#privacy-h', 'Personal data') : null,
        state.organiser ? h('li', {}, h('a', { href: peopleUrl() }, 'People')) : null))),
    h('div', { class: 'workspace-grid' },
      h('div', { class: 'workspace-main' }, runs.root),
      h('div', { class: 'workspace-side' }, newRun?.root, plans.root, privacy?.root))));

  function redraw(): void {
    runs.update();
    plans.update();
    newRun?.update();
    privacy?.update();
  }
  redraw();
}

async function start(): Promise<void> {
  let me: Me | null;
  try {
    me = await whoAmI();
  } catch (e) {
    return failedView(e);
  }
  // Signed out: the sign-in page, which comes back here.
  if (!me) return location.replace(signInUrl('workspace'));
  try {
    const organiser = isOrganiser(me);
    const [runList, plans, accounts, days] = await Promise.all([
      listRuns(), listPlans(),
      organiser ? listAccounts() : Promise.resolve([]),
      organiser ? retentionDays() : Promise.resolve(0),
    ]);
    workspace({
      me, organiser, runs: runList.runs, plans, accounts, retentionDays: organiser ? days : runList.retentionDays,
      filter: { query: '', stage: '', mine: false },
      links: new Map(), notes: new Map(), managing: new Set(), planningNext: new Set(),
    });
  } catch (e) {
    if (isSignedOut(e)) return signedOutView();
    failedView(e);
  }
}

void start();
