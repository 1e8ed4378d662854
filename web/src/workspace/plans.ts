// The plan library: every plan with its latest saved version and any unsaved draft. Organisers
// start a plan from the demo template, copy one, import a plan file and export one; everyone
// signed in can open a plan in the editor and export it.
import { h, render } from '../lib/dom';
import { planUrl } from '../lib/urls';
import { copyPlan, exportUrl, importPlan, type PlanEntry } from './api';
import { momentOf } from './format';
import type { Page } from './state';

/** How a file is read: the text format unless it is named .json. */
export function formatOfFile(name: string): 'text' | 'json' {
  return /\.json$/i.test(name) ? 'json' : 'text';
}

export function plansSection(page: Page): { root: HTMLElement; update(): void } {
  const { state } = page;
  const list = h('ul', { class: 'plans', 'aria-labelledby': 'plans-h', 'data-testid': 'plans' });
  const problem = h('p', { class: 'error-text', role: 'alert', 'data-testid': 'plans-problem' });
  const note = h('p', { class: 'ok-text', role: 'status', 'data-testid': 'plans-note' });
  const tools = h('div', { class: 'plan-tools' });

  const fromTemplate = h('button', { type: 'button', 'data-testid': 'new-from-template' }, 'New plan from the demo template');
  fromTemplate.addEventListener('click', () => {
    const template = state.plans.find((p) => p.template);
    if (!template) return;
    fromTemplate.disabled = true;
    void page.act(async () => {
      const made = await copyPlan(template.planId);
      location.assign(planUrl(made.entry?.planId ?? ''));
    }, problem).then((ok) => { if (!ok) fromTemplate.disabled = false; });
  });

  const file = h('input', { id: 'plan-file', type: 'file', accept: '.textproto,.txt,.plan,.json,text/plain,application/json',
    'aria-describedby': 'plan-file-hint' });
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    note.textContent = '';
    void page.act(async () => {
      const made = await importPlan(formatOfFile(chosen.name), await chosen.text());
      await page.reloadPlans();
      const entry = made.entry;
      const name = entry?.name || entry?.title || chosen.name;
      note.textContent = made.draftProblems.length
        ? `Imported “${name}” as a draft with ${made.draftProblems.length === 1 ? 'one problem' : `${made.draftProblems.length} problems`} to fix: open it in the editor.`
        : `Imported “${name}”${entry?.latestVersion ? ` as version ${entry.latestVersion}` : ''}.`;
    }, problem);
    file.value = '';
  });

  function entry(p: PlanEntry): HTMLElement {
    const name = p.name || p.title || 'Untitled plan';
    const hidden = (s: string) => h('span', { class: 'visually-hidden' }, ` (${s})`);
    const copy = state.organiser ? h('button', { type: 'button', class: 'secondary', 'data-focus': `copy-plan:${p.planId}` }, 'Copy', hidden(name)) : null;
    copy?.addEventListener('click', () => void page.act(async () => {
      const made = await copyPlan(p.planId);
      await page.reloadPlans();
      note.textContent = `Made “${made.entry?.name || name}”, a copy of “${name}”.`;
    }, problem));
    const saved = p.latestVersion > 0;
    return h('li', { class: 'plan', 'data-testid': 'plan', 'data-plan': p.planId },
      h('div', { class: 'plan-head' },
        h('span', { class: 'plan-name' }, name),
        h('span', { class: 'pills' },
          p.template ? h('span', { class: 'pill', 'data-testid': 'plan-template' }, 'demo template') : null,
          p.hasDraft ? h('span', { class: 'pill warn', 'data-testid': 'plan-draft' }, 'unsaved draft') : null)),
      p.title && p.title !== name ? h('p', { class: 'plan-title' }, p.title) : null,
      h('p', { class: 'muted small' },
        p.series ? ['Series ', h('span', { class: 'mono' }, p.series), ' · '] : null,
        h('span', { 'data-testid': 'plan-version' }, saved ? `Version ${p.latestVersion}, saved ${momentOf(p.savedMs)}` : 'Not saved yet: only a draft')),
      h('div', { class: 'actions' },
        h('a', { class: 'button secondary', href: planUrl(p.planId), 'data-testid': 'open-plan' }, 'Open', hidden(name)),
        copy,
        saved ? h('a', { class: 'button secondary quiet', href: exportUrl(p.planId, 'text'), download: '' }, 'Export as text', hidden(name)) : null,
        saved ? h('a', { class: 'button secondary quiet', href: exportUrl(p.planId, 'json'), download: '' }, 'Export as JSON', hidden(name)) : null));
  }

  const root = h('section', { class: 'card', 'aria-labelledby': 'plans-h' },
    h('h2', { id: 'plans-h' }, 'Plan library'),
    h('p', { class: 'muted' }, state.organiser
      ? 'The plans runs are made from: the day\'s agenda, exercises, transcripts and the feedback questions. Each save keeps a new version.'
      : 'The plans runs are made from. Organisers change them; you can open and export them.'),
    tools, problem, note, list);

  function update(): void {
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.focus;
    const hasTemplate = state.plans.some((p) => p.template);
    render(tools, state.organiser ? [
      h('div', { class: 'actions' }, hasTemplate ? fromTemplate : null),
      h('div', { class: 'import' },
        h('label', { for: 'plan-file' }, 'Import a plan file'),
        h('p', { class: 'hint', id: 'plan-file-hint' }, 'A plan in the text format (.textproto, .txt, .plan) or as JSON (.json).'),
        file),
    ] : null);
    render(list, state.plans.length ? state.plans.map(entry) : h('li', { class: 'empty' }, 'The library is empty.'));
    if (focused) list.querySelector<HTMLElement>(`[data-focus="${CSS.escape(focused)}"]`)?.focus();
  }

  return { root, update };
}
