// The plan editor: <base>plans/ID. Organisers edit a workshop plan as a form (or as the plan
// file, in the "Plan file" tab); the server's own validator checks it as they type and each
// problem is shown at its field. A plan without problems is saved as a new version; one with
// problems can be kept as a draft, which is also kept by itself a moment after every change, but
// never run. Facilitators see the plan and cannot change it.
import { create, fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import type { PlanCheck, PlanDetail, PlanProblem } from '@gen/dyad/v1/api_pb';
import { PlanSchema, type Plan } from '@gen/dyad/v1/plan_pb';
import { HttpError, byId, h, render } from '../lib/dom';
import { accountBar } from '../lib/account-bar';
import { type Me, isOrganiser, isSignedOut, sentenceOf, whoAmI } from '../lib/accounts';
import { appUrl, signInUrl } from '../lib/urls';
import { type Source, checkPlan, exportUrl, getPlan, keepDraft, planJson, saveVersion } from './api';
import { clearProblems, fieldElement, fieldId, focusTarget, markProblem, setHooks } from './fields';
import { SECTIONS, planForm } from './form';
import { Previews } from './preview';

const app = byId('app');
const CHECK_DELAY_MS = 400;
const DRAFT_DELAY_MS = 2000;
const PREVIEW_DELAY_MS = 150;

/** "14:05": a time of day on a 24-hour clock. */
function clock(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}
const dayFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric' });
/** "3 December 2026 at 14:05". */
function when(ms: number): string {
  return `${dayFormat.format(ms)} at ${clock(ms)}`;
}

function planIdFromPath(): string {
  const base = new URL(appUrl('')).pathname;
  const rest = location.pathname.startsWith(base) ? location.pathname.slice(base.length) : '';
  const [page, id] = rest.split('/');
  if (page !== 'plans' || !id) return '';
  try {
    return decodeURIComponent(id);
  } catch {
    return '';
  }
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

// ---- pages other than the editor ------------------------------------------------------------

function messagePage(me: Me | null, title: string, text: string, testid: string, link?: [string, string]): void {
  render(app, accountBar(me), h('main', { class: 'wrap narrow' },
    h('section', { class: 'card', 'data-testid': testid },
      h('h1', { tabindex: -1 }, title),
      h('p', {}, text),
      link ? h('div', { class: 'actions' }, h('a', { class: 'button', href: link[1] }, link[0])) : null)));
  app.querySelector<HTMLElement>('h1')?.focus();
}

function signedOut(): void {
  const next = location.pathname.slice(new URL(appUrl('')).pathname.length);
  messagePage(null, 'Sign in to see this plan', 'Plans are for organisers and facilitators. Sign in first, and you come back here.',
    'plan-signed-out', ['Sign in', signInUrl(next)]);
}

// ---- the editor -----------------------------------------------------------------------------

type View = 'form' | 'text';

class Editor {
  private plan: Plan;
  private view: View = 'form';
  private text = '';
  private problems: PlanProblem[] = [];
  /** The source the shown problems belong to; they are current when it equals the page's. */
  private checkedBody = '';
  private checkTimer = 0;
  private checkAbort: AbortController | null = null;
  private draftTimer = 0;
  private previewTimer = 0;
  /** Changes since the last saved version. */
  private dirty = false;
  private saving = false;
  private draftKeptMs = 0;
  /** The source of the draft last kept on the server ('' when none since the last version). */
  private keptBody = '';
  private status = '';
  private statusKind: 'ok' | 'alert' | '' = '';
  private readonly readOnly: boolean;
  private summaryKey = '';

  private readonly previews = new Previews();
  private readonly formSlot = h('div', { class: 'form-slot' });
  private readonly textArea: HTMLTextAreaElement;
  private readonly textProblems = h('div', { class: 'text-problems', id: 'text-problems' });
  private readonly summary = h('section', { class: 'problem-summary', 'aria-labelledby': 'problems-h', tabindex: -1, id: 'problems' });
  private readonly statusLine = h('p', { class: 'save-status', role: 'status', 'data-testid': 'save-status' });
  private readonly draftLine = h('p', { class: 'draft-status muted small', 'data-testid': 'draft-status' });
  private readonly saveButton = h('button', { type: 'button', 'data-testid': 'save-version', 'aria-describedby': 'save-why' }, 'Save as a new version');
  private readonly saveWhy = h('p', { class: 'save-why small', id: 'save-why', 'data-testid': 'save-why' });
  private readonly draftButton = h('button', { type: 'button', class: 'secondary', 'data-testid': 'save-draft' }, 'Save as draft');
  private readonly formTab = h('button', { type: 'button', role: 'tab', id: 'tab-form', 'aria-controls': 'panel-form' }, 'Form');
  private readonly textTab = h('button', { type: 'button', role: 'tab', id: 'tab-text', 'aria-controls': 'panel-text' }, 'Plan file');
  private readonly formPanel: HTMLElement;
  private readonly textPanel: HTMLElement;
  private readonly tabProblem = h('p', { class: 'error-text', role: 'alert', 'data-testid': 'tab-problem' });
  private readonly versionsSlot = h('div', { class: 'versions' });
  private readonly navCount = h('span', { class: 'nav-count' });

  constructor(private readonly me: Me, private readonly planId: string, private detail: PlanDetail, plan: Plan,
    opts: { dirty: boolean; text?: string }) {
    this.plan = plan;
    this.readOnly = !isOrganiser(me);
    this.dirty = opts.dirty;
    this.draftKeptMs = opts.dirty ? Number(detail.draftSavedMs) : 0;
    setHooks({
      readOnly: this.readOnly,
      changed: () => this.onChange(),
      restructure: (focusId) => {
        this.drawForm(focusId);
        this.onChange();
      },
    });

    this.textArea = h('textarea', { id: 'plan-text', class: 'mono plan-text', rows: 30, spellcheck: 'false', wrap: 'off',
      readonly: this.readOnly, 'aria-describedby': 'plan-text-hint text-problems' });
    this.textArea.addEventListener('input', () => {
      this.text = this.textArea.value;
      this.onChange();
    });
    this.formPanel = h('div', { role: 'tabpanel', id: 'panel-form', 'aria-labelledby': 'tab-form' },
      h('div', { class: 'editor-grid' },
        h('nav', { class: 'contents', 'aria-label': 'Contents' },
          h('h2', { class: 'contents-h' }, 'Contents'),
          h('ul', {},
            SECTIONS.map(([id, title]) => h('li', {}, h('a', { href: `#${id}`, 'data-section': id }, title))),
            h('li', {}, h('a', { href: '#problems' }, 'Problems', this.navCount)),
            h('li', {}, h('a', { href: '#sec-versions' }, 'Versions and export')))),
        this.formSlot));
    this.textPanel = h('div', { role: 'tabpanel', id: 'panel-text', 'aria-labelledby': 'tab-text', hidden: true },
      h('section', { class: 'card' },
        h('label', { for: 'plan-text' }, 'The plan file'),
        h('p', { class: 'hint', id: 'plan-text-hint' },
          'The whole plan in the text format that “dyad plan check” reads. It is checked as you type; problems are listed by line.'),
        this.textProblems,
        this.textArea));
    if (opts.text !== undefined) {
      this.view = 'text';
      this.text = opts.text;
    }

    this.formTab.addEventListener('click', () => void this.switchTo('form'));
    this.textTab.addEventListener('click', () => void this.switchTo('text'));
    for (const tab of [this.formTab, this.textTab]) {
      tab.addEventListener('keydown', (ev) => {
        if (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
        const other = tab === this.formTab ? this.textTab : this.formTab;
        other.focus();
        other.click();
      });
    }
    this.saveButton.addEventListener('click', () => void this.saveVersion());
    this.draftButton.addEventListener('click', () => void this.keepDraftNow(true));
    this.summary.addEventListener('click', (ev) => {
      const a = (ev.target as HTMLElement).closest<HTMLAnchorElement>('a[data-path]');
      if (!a) return;
      ev.preventDefault();
      this.goToField(a.dataset.path ?? '');
    });

    window.addEventListener('beforeunload', (ev) => {
      if (!this.dirty || this.readOnly) return;
      ev.preventDefault();
      ev.returnValue = '';
    });
  }

  // ---- drawing ------------------------------------------------------------------------------

  mount(): void {
    const e = this.detail.entry;
    const name = e?.name || this.plan.title || 'Untitled plan';
    document.title = `${name} — Dyad`;
    const latest = this.detail.versions[0];
    const intro = this.readOnly
      ? h('p', { class: 'banner info', 'data-testid': 'read-only' },
          'You can read this plan; only organisers change plans. Ask an organiser if something needs changing.')
      : h('p', { class: 'muted' }, 'Changes are checked as you type. A plan with problems can be kept as a draft, but it can never be run: fix them, then save a new version.');
    const saveBar = this.readOnly ? null : h('div', { class: 'save-bar', 'aria-label': 'Saving', role: 'region' },
      h('div', { class: 'save-buttons' }, this.saveButton, this.draftButton),
      this.saveWhy, this.statusLine, this.draftLine);
    render(app, accountBar(this.me), h('main', { class: 'wrap wide plan-page' },
      h('p', { class: 'crumbs small' }, h('a', { href: appUrl('workspace') }, 'Workspace'), ' › Plans'),
      h('h1', { 'data-testid': 'plan-name' }, name),
      h('p', { class: 'muted small', 'data-testid': 'plan-version' },
        latest ? `Version ${latest.version}, saved ${when(Number(latest.savedMs))}${latest.savedBy ? ` by ${latest.savedBy}` : ''}.` : 'Not saved as a version yet.'),
      intro,
      saveBar,
      this.summary,
      h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'How to edit the plan' }, this.formTab, this.textTab),
      this.tabProblem,
      this.formPanel,
      this.textPanel,
      h('section', { class: 'card', id: 'sec-versions', 'aria-labelledby': 'sec-versions-h' },
        h('h2', { id: 'sec-versions-h', tabindex: -1 }, 'Versions and export'),
        h('p', { class: 'muted' }, 'Each saved version stays as it was; runs use a saved version. The files hold the saved plan, not unsaved changes.'),
        h('div', { class: 'actions' },
          h('a', { class: 'button secondary', href: exportUrl(this.planId, 'text'), download: '', 'data-testid': 'export-text' }, 'Download the plan file (text)'),
          h('a', { class: 'button secondary', href: exportUrl(this.planId, 'json'), download: '', 'data-testid': 'export-json' }, 'Download as JSON')),
        this.versionsSlot)));
    this.drawVersions();
    this.showView();
    this.drawForm();
    this.drawStatus();
    if (this.view === 'text') this.textArea.value = this.text;
    // A draft carried on is the draft kept on the server until it changes.
    if (this.dirty && this.draftKeptMs) this.keptBody = this.source().body;
    // A draft carried over is checked at once; a saved version has no problems to show but is
    // checked too, so the page states it.
    void this.runCheck();
  }

  private drawVersions(): void {
    const vs = this.detail.versions;
    render(this.versionsSlot, vs.length
      ? h('ol', { class: 'version-list', 'data-testid': 'versions' }, vs.map((v) => h('li', {},
          h('span', { class: 'version-name' }, `Version ${v.version}`),
          h('span', { class: 'muted' }, ` saved ${when(Number(v.savedMs))}${v.savedBy ? ` by ${v.savedBy}` : ''}`),
          h('span', { class: 'version-files' },
            h('a', { href: exportUrl(this.planId, 'text', v.version), download: '' }, 'text', h('span', { class: 'visually-hidden' }, ` of version ${v.version}`)),
            ' · ',
            h('a', { href: exportUrl(this.planId, 'json', v.version), download: '' }, 'JSON', h('span', { class: 'visually-hidden' }, ` of version ${v.version}`))))))
      : h('p', { class: 'muted' }, 'No version saved yet.'));
  }

  private drawForm(focusId?: string): void {
    const active = focusId ?? (document.activeElement as HTMLElement | null)?.id;
    const scroll = window.scrollY;
    const open = new Set([...this.formSlot.querySelectorAll<HTMLDetailsElement>('details[open]')].map((d) => d.querySelector('summary')?.textContent ?? ''));
    render(this.formSlot, planForm(this.plan, this.previews.el));
    for (const d of this.formSlot.querySelectorAll<HTMLDetailsElement>('details')) {
      if (open.has(d.querySelector('summary')?.textContent ?? '')) d.open = true;
    }
    this.previews.update(this.plan);
    this.applyProblems();
    window.scrollTo(0, scroll);
    if (active) {
      const el = document.getElementById(active);
      if (el) {
        el.closest('details')?.setAttribute('open', '');
        el.focus({ preventScroll: !focusId });
        if (focusId) el.scrollIntoView({ block: 'nearest' });
      }
    }
  }

  private showView(): void {
    const form = this.view === 'form';
    this.formTab.setAttribute('aria-selected', String(form));
    this.textTab.setAttribute('aria-selected', String(!form));
    this.formTab.tabIndex = form ? 0 : -1;
    this.textTab.tabIndex = form ? -1 : 0;
    this.formPanel.hidden = !form;
    this.textPanel.hidden = form;
  }

  private drawStatus(): void {
    this.statusLine.textContent = this.status;
    this.statusLine.className = `save-status ${this.statusKind}`;
    const keptNow = this.keptBody !== '' && this.keptBody === this.source().body;
    this.draftLine.textContent = !this.dirty ? 'No unsaved changes.'
      : keptNow ? `Draft kept at ${clock(this.draftKeptMs)}; not yet saved as a version.`
      : 'Unsaved changes; a draft is kept a moment after you stop typing.';
    const current = this.checkedBody === this.source().body;
    let why = '';
    if (!this.dirty && this.detail.versions.length) why = `Nothing to save: no changes since version ${this.detail.versions[0].version}.`;
    else if (!current) why = 'Checking the plan…';
    else if (this.problems.length) why = `Saving needs a plan without problems: fix the ${plural(this.problems.length, 'problem', 'problems')} listed ${this.view === 'text' ? 'with the file' : 'above'} first, or save it as a draft.`;
    else if (this.saving) why = 'Saving…';
    this.saveButton.disabled = why !== '';
    this.saveWhy.textContent = why || 'The plan has no problems: it can be saved and run.';
    this.saveWhy.className = `save-why small ${why ? 'muted' : 'ok-text'}`;
    this.navCount.textContent = ` (${current ? this.problems.length : '…'})`;
  }

  // ---- the source, changes, checks -----------------------------------------------------------

  private source(): Source {
    return this.view === 'text' ? { format: 'text', body: this.text } : { format: 'json', body: planJson(this.plan) };
  }

  private onChange(): void {
    if (this.readOnly) return;
    this.dirty = true;
    this.status = '';
    this.statusKind = '';
    window.clearTimeout(this.checkTimer);
    this.checkTimer = window.setTimeout(() => void this.runCheck(), CHECK_DELAY_MS);
    window.clearTimeout(this.draftTimer);
    this.draftTimer = window.setTimeout(() => void this.keepDraftNow(false), DRAFT_DELAY_MS);
    window.clearTimeout(this.previewTimer);
    if (this.view === 'form') this.previewTimer = window.setTimeout(() => this.previews.update(this.plan), PREVIEW_DELAY_MS);
    this.drawStatus();
  }

  private async runCheck(): Promise<PlanCheck | null> {
    window.clearTimeout(this.checkTimer);
    this.checkAbort?.abort();
    const abort = new AbortController();
    this.checkAbort = abort;
    const src = this.source();
    try {
      const check = await checkPlan(src, abort.signal);
      if (abort.signal.aborted) return null;
      this.problems = check.problems;
      this.checkedBody = src.body;
      this.applyProblems();
      this.drawStatus();
      return check;
    } catch (e) {
      if (abort.signal.aborted || (e instanceof DOMException && e.name === 'AbortError')) return null;
      if (this.handled(e)) return null;
      this.status = `The plan could not be checked: ${sentenceOf(e)}`;
      this.statusKind = 'alert';
      this.drawStatus();
      return null;
    }
  }

  private applyProblems(): void {
    const current = this.checkedBody === this.source().body;
    clearProblems(this.formSlot);
    const items: HTMLElement[] = [];
    for (const [i, p] of this.problems.entries()) {
      const message = p.message || p.text;
      let target: HTMLElement | null = null;
      if (this.view === 'form') target = markProblem(this.formSlot, p.field, message);
      const where = this.view === 'text' && p.line > 0 ? `Line ${p.line}: ` : '';
      if (target) {
        target.closest('details')?.setAttribute('open', '');
        items.push(h('li', {}, h('a', { href: `#${target.id || fieldId(p.field)}`, 'data-path': p.field, 'data-testid': 'problem-link' }, message)));
      } else if (this.view === 'text') {
        const b = h('button', { type: 'button', class: 'link', 'data-testid': 'problem-line', 'data-line': p.line }, where, message);
        b.addEventListener('click', () => this.goToLine(p.line, p.column));
        items.push(h('li', { 'data-problem': i }, b));
      } else {
        items.push(h('li', {}, message));
      }
    }
    const count = this.problems.length;
    const heading = h('h2', { id: 'problems-h' }, count
      ? `${plural(count, 'problem', 'problems')} to fix before this plan can be saved and run`
      : 'No problems');
    // The lists are drawn again only when they change: a link being clicked must stay in place.
    const key = JSON.stringify([this.view, current, this.problems.map((p) => [p.field, p.line, p.message, p.text])]);
    if (key === this.summaryKey) return;
    this.summaryKey = key;
    if (this.view === 'text') {
      render(this.summary);
      this.summary.hidden = true;
      render(this.textProblems, count
        ? [h('p', { class: 'error-text', id: 'problems-h' }, `${plural(count, 'problem', 'problems')} in the file:`), h('ul', { class: 'problem-list' }, items)]
        : h('p', { class: 'ok-text' }, current ? 'No problems in the file.' : ''));
      if (count) this.textArea.setAttribute('aria-invalid', 'true');
      else this.textArea.removeAttribute('aria-invalid');
      return;
    }
    this.summary.hidden = false;
    render(this.textProblems);
    this.summary.className = `problem-summary ${count ? 'banner alert' : 'banner ok'}`;
    render(this.summary, heading,
      count
        ? [h('p', {}, 'Each is also shown at its field. A plan with problems can be kept as a draft, but it can never be run.'),
            h('ul', { class: 'problem-list', 'data-testid': 'problem-summary' }, items)]
        : h('p', {}, current ? 'The plan passes every check.' : 'Checking…'));
  }

  private goToField(path: string): void {
    const el = fieldElement(this.formSlot, path);
    if (!el) return;
    const target = focusTarget(el);
    target.closest('details')?.setAttribute('open', '');
    target.scrollIntoView({ block: 'center' });
    target.focus({ preventScroll: true });
  }

  /** Puts the caret at the start of `line` (1-based) in the plan file. */
  private goToLine(line: number, column: number): void {
    const lines = this.textArea.value.split('\n');
    let at = 0;
    for (let i = 0; i < Math.min(line - 1, lines.length); i++) at += lines[i].length + 1;
    at += Math.max(0, Math.min((column || 1) - 1, (lines[line - 1] ?? '').length));
    this.textArea.focus();
    this.textArea.setSelectionRange(at, at);
    // Scroll the line into view: about a line's height per line.
    const lineHeight = parseFloat(getComputedStyle(this.textArea).lineHeight) || 20;
    this.textArea.scrollTop = Math.max(0, (line - 5) * lineHeight);
  }

  private async switchTo(view: View): Promise<void> {
    if (view === this.view) return;
    this.tabProblem.textContent = '';
    if (view === 'text') {
      const check = await this.runCheck();
      if (!check) return;
      this.text = check.text;
      this.textArea.value = this.text;
      this.view = 'text';
      this.checkedBody = this.text;
    } else {
      const check = await this.runCheck();
      if (!check) return;
      if (!check.plan) {
        this.tabProblem.textContent = 'The file cannot be read as a plan yet, so the form cannot show it: fix the problems listed under the file first.';
        return;
      }
      this.plan = check.plan;
      this.view = 'form';
      this.drawForm();
      this.checkedBody = planJson(this.plan);
    }
    this.showView();
    this.applyProblems();
    this.drawStatus();
    // The problems belong to the same plan; the form's own check follows in a moment.
    void this.runCheck();
  }

  // ---- keeping and saving --------------------------------------------------------------------

  private async keepDraftNow(asked: boolean): Promise<void> {
    window.clearTimeout(this.draftTimer);
    if (this.readOnly || (!this.dirty && !asked)) return;
    const src = this.source();
    try {
      await keepDraft(this.planId, src);
      this.draftKeptMs = Date.now();
      this.keptBody = src.body;
      if (asked) {
        this.status = `Draft saved at ${clock(this.draftKeptMs)}. It can be continued later; it is not a version and cannot be run.`;
        this.statusKind = 'ok';
      }
    } catch (e) {
      if (this.handled(e)) return;
      this.status = `The draft could not be kept: ${sentenceOf(e)}`;
      this.statusKind = 'alert';
    }
    this.drawStatus();
  }

  private async saveVersion(): Promise<void> {
    if (this.saving) return;
    if (this.checkedBody !== this.source().body) await this.runCheck();
    if (this.saveButton.disabled) {
      this.status = this.saveWhy.textContent ?? '';
      this.statusKind = 'alert';
      this.drawStatus();
      if (this.problems.length) this.summary.focus();
      return;
    }
    this.saving = true;
    window.clearTimeout(this.draftTimer);
    const src = this.source();
    this.drawStatus();
    try {
      const saved = await saveVersion(this.planId, src);
      this.saving = false;
      this.dirty = src.body !== this.source().body;
      this.draftKeptMs = 0;
      this.keptBody = '';
      this.status = `Saved as version ${saved.version} at ${clock(Number(saved.savedMs) || Date.now())}.`;
      this.statusKind = 'ok';
      try {
        this.detail = await getPlan(this.planId);
        this.drawVersions();
        const latest = this.detail.versions[0];
        const line = app.querySelector('[data-testid=plan-version]');
        if (line && latest) line.textContent = `Version ${latest.version}, saved ${when(Number(latest.savedMs))}${latest.savedBy ? ` by ${latest.savedBy}` : ''}.`;
      } catch {
        /* the list refreshes on the next visit */
      }
    } catch (e) {
      this.saving = false;
      if (this.handled(e)) return;
      this.status = `Not saved: ${sentenceOf(e)}`;
      this.statusKind = 'alert';
      void this.runCheck();
    }
    this.drawStatus();
  }

  private handled(e: unknown): boolean {
    if (isSignedOut(e)) {
      this.status = 'Your session has ended: sign in again in another tab, then try again. Your changes are still on this page.';
      this.statusKind = 'alert';
      this.drawStatus();
      return true;
    }
    return false;
  }
}

// ---- starting -------------------------------------------------------------------------------

/** A plan from a draft's source; for a text draft, through the server's parser. */
async function planFromSource(format: string, body: string): Promise<{ plan: Plan | null; text?: string }> {
  if (format === 'json') {
    try {
      return { plan: fromJson(PlanSchema, JSON.parse(body) as JsonValue, { ignoreUnknownFields: true }) };
    } catch {
      /* not readable here: let the server say why, in the file view */
    }
  }
  const check = await checkPlan({ format: format === 'json' ? 'json' : 'text', body });
  if (check.plan && format === 'json') return { plan: check.plan };
  return { plan: check.plan ?? create(PlanSchema, {}), text: format === 'text' ? body : check.text || body };
}

function draftOffer(me: Me, id: string, detail: PlanDetail): Promise<'draft' | 'version'> {
  const d = Number(detail.draftSavedMs);
  const n = detail.draftProblems.length;
  const latest = detail.versions[0];
  return new Promise((resolve) => {
    const cont = h('button', { type: 'button', 'data-testid': 'continue-draft' }, 'Continue the draft');
    const fresh = latest ? h('button', { type: 'button', class: 'secondary', 'data-testid': 'start-from-version' }, `Start from version ${latest.version}`) : null;
    cont.addEventListener('click', () => resolve('draft'));
    fresh?.addEventListener('click', () => resolve('version'));
    render(app, accountBar(me), h('main', { class: 'wrap narrow' },
      h('section', { class: 'card', 'data-testid': 'draft-offer' },
        h('h1', { tabindex: -1 }, detail.entry?.name || 'This plan has a draft'),
        h('p', {}, `There is a draft of this plan${d ? `, kept on ${when(d)}` : ''}, with changes not saved as a version`,
          n ? ` and ${plural(n, 'problem', 'problems')} still to fix.` : '.'),
        latest ? h('p', { class: 'muted' }, `Starting from version ${latest.version} replaces the draft as soon as you change something.`) : null,
        h('div', { class: 'actions' }, cont, fresh))));
    app.querySelector<HTMLElement>('h1')?.focus();
    void id;
  });
}

async function start(): Promise<void> {
  const id = planIdFromPath();
  let me: Me | null = null;
  try {
    me = await whoAmI();
    if (!me) return signedOut();
    if (!id) return messagePage(me, 'No such plan', 'The address names no plan. Open plans from the workspace.', 'plan-missing', ['Workspace', appUrl('workspace')]);
    const detail = await getPlan(id);
    const hasDraft = isOrganiser(me) && !!detail.draft?.body;
    let choice: 'draft' | 'version' = detail.plan ? 'version' : 'draft';
    if (hasDraft && detail.plan) choice = await draftOffer(me, id, detail);
    let editor: Editor;
    if (choice === 'draft' && detail.draft?.body) {
      const got = await planFromSource(detail.draft.format, detail.draft.body);
      editor = new Editor(me, id, detail, got.plan ?? create(PlanSchema, {}), { dirty: true, text: got.text });
    } else {
      // A copy, so that the detail keeps the saved version as it was.
      const plan = detail.plan ? fromJson(PlanSchema, toJson(PlanSchema, detail.plan)) : create(PlanSchema, {});
      editor = new Editor(me, id, detail, plan, { dirty: false });
    }
    editor.mount();
  } catch (e) {
    if (isSignedOut(e)) return signedOut();
    if (e instanceof HttpError && e.status === 404) {
      return messagePage(me, 'No such plan', `${sentenceOf(e)} It may have been removed; open plans from the workspace.`, 'plan-missing',
        ['Workspace', appUrl('workspace')]);
    }
    messagePage(me, 'The plan could not be loaded', sentenceOf(e), 'plan-error', ['Try again', location.href]);
  }
}

void start();
