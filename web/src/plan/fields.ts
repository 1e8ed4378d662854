// The editor's inputs. Every input is labelled and carries the path of the plan field it edits,
// written as the server's validator writes it ("exercises[1].excerpt_id"), so that a problem the
// server finds can be shown at its field: the input is marked invalid and described by the
// server's sentence under it. A problem about a whole list ("exercises[0].roles") is shown at the
// top of that list.
import { h } from '../lib/dom';

export interface EditorHooks {
  /** True for people who may only look (facilitators). */
  readOnly: boolean;
  /** A value changed (typed): check again, keep a draft, refresh the previews. */
  changed: () => void;
  /** The shape changed (added, removed, moved, or a choice other inputs depend on): also redraw
   *  the form, then put the focus on the element whose id is `focusId` (if any). */
  restructure: (focusId?: string) => void;
}

let hooks: EditorHooks = { readOnly: true, changed: () => {}, restructure: () => {} };
export function setHooks(h: EditorHooks): void {
  hooks = h;
}
export const readOnly = () => hooks.readOnly;
export const changed = () => hooks.changed();
export const restructure = (focusId?: string) => hooks.restructure(focusId);

/** The id of the input for a field path: "exercises[1].excerpt_id" -> "f-exercises-1-excerpt_id". */
export function fieldId(path: string): string {
  return `f-${path.replace(/[^A-Za-z0-9_]+/g, '-').replace(/-+$/, '')}`;
}

interface Common {
  hint?: string;
  /** Redraw the form after a committed change (the value names things others refer to). */
  redraw?: boolean;
  /** Extra class for the wrapper. */
  cls?: string;
}

function wrapper(path: string, control: HTMLElement, label: string, opts: Common): HTMLElement {
  const id = fieldId(path);
  const hintId = `${id}-hint`;
  const errId = `${id}-err`;
  control.id = id;
  const described = [opts.hint ? hintId : ''].filter(Boolean).join(' ');
  if (described) control.setAttribute('aria-describedby', described);
  control.dataset.describedBase = described;
  return h('div', { class: `field ${opts.cls ?? ''}`.trim(), 'data-field': path },
    h('label', { for: id }, label),
    opts.hint ? h('p', { class: 'hint', id: hintId }, opts.hint) : null,
    control,
    h('p', { class: 'field-error', id: errId, 'aria-live': 'off' }));
}

export interface TextOpts extends Common {
  multiline?: boolean;
  rows?: number;
  placeholder?: string;
  /** The id of a <datalist> of suggestions. */
  list?: string;
  mono?: boolean;
  inputmode?: string;
  autocomplete?: string;
}

export function textField(path: string, label: string, get: () => string, set: (v: string) => void, opts: TextOpts = {}): HTMLElement {
  const attrs = {
    class: opts.mono ? 'mono' : null,
    placeholder: opts.placeholder ?? null,
    spellcheck: opts.mono ? 'false' : null,
    readonly: readOnly(),
    autocomplete: opts.autocomplete ?? 'off',
  };
  const control = opts.multiline
    ? h('textarea', { ...attrs, rows: opts.rows ?? 3 })
    : h('input', { ...attrs, type: 'text', list: opts.list ?? null, inputmode: opts.inputmode ?? null });
  control.value = get();
  control.addEventListener('input', () => {
    set(control.value);
    changed();
  });
  if (opts.redraw) control.addEventListener('change', () => restructure());
  return wrapper(path, control, label, opts);
}

export interface NumberOpts extends Common {
  min?: number;
  max?: number;
  /** Shown in an empty field, e.g. "3 (the default)". */
  placeholder?: string;
}

/** A whole number; an empty field is `undefined`. */
export function numberField(path: string, label: string, get: () => number | undefined, set: (v: number | undefined) => void,
  opts: NumberOpts = {}): HTMLElement {
  const control = h('input', { type: 'number', inputmode: 'numeric', step: 1, min: opts.min ?? null, max: opts.max ?? null,
    placeholder: opts.placeholder ?? null, readonly: readOnly(), class: 'number' });
  const value = get();
  control.value = value === undefined ? '' : String(value);
  control.addEventListener('input', () => {
    const text = control.value.trim();
    if (text === '') set(undefined);
    else {
      const n = Number(text);
      if (!Number.isFinite(n)) return;
      set(Math.trunc(n));
    }
    changed();
  });
  if (opts.redraw) control.addEventListener('change', () => restructure());
  return wrapper(path, control, label, opts);
}

export function selectField(path: string, label: string, options: ReadonlyArray<readonly [string, string]>, get: () => string,
  set: (v: string) => void, opts: Common = {}): HTMLElement {
  const current = get();
  const known = options.some(([v]) => v === current);
  const all = known ? options : [...options, [current, `${current} (not in the list)`] as const];
  const control = h('select', { disabled: readOnly() },
    all.map(([value, text]) => h('option', { value, selected: value === current }, text)));
  control.value = current;
  control.addEventListener('change', () => {
    set(control.value);
    if (opts.redraw) restructure(control.id);
    else changed();
  });
  return wrapper(path, control, label, opts);
}

export function checkField(path: string, label: string, get: () => boolean, set: (v: boolean) => void, opts: Common = {}): HTMLElement {
  const id = fieldId(path);
  const control = h('input', { type: 'checkbox', id, disabled: readOnly() });
  control.checked = get();
  control.addEventListener('change', () => {
    set(control.checked);
    if (opts.redraw) restructure(id);
    else changed();
  });
  if (opts.hint) control.setAttribute('aria-describedby', `${id}-hint`);
  control.dataset.describedBase = opts.hint ? `${id}-hint` : '';
  return h('div', { class: `field check ${opts.cls ?? ''}`.trim(), 'data-field': path },
    h('label', { class: 'choice', for: id }, control, h('span', {}, label)),
    opts.hint ? h('p', { class: 'hint', id: `${id}-hint` }, opts.hint) : null,
    h('p', { class: 'field-error', id: `${id}-err` }));
}

/** A list of things (exercises, roles, options…): its heading, the problems about the list as a
 *  whole, its items and an Add button. */
export function listGroup(path: string, heading: string, level: 'h3' | 'h4' | 'h5', items: HTMLElement[],
  add: { label: string; onAdd: () => string | undefined } | null, intro?: string): HTMLElement {
  const id = fieldId(path);
  const headingEl = h(level, { id: `${id}-h` }, heading);
  const addButton = add && !readOnly() ? h('button', { type: 'button', class: 'secondary add', id: `${id}-add` }, add.label) : null;
  addButton?.addEventListener('click', () => restructure(add!.onAdd()));
  return h('section', { class: 'list-group', 'data-field': path, 'data-group': '', id, tabindex: -1, 'aria-labelledby': `${id}-h` },
    headingEl,
    intro ? h('p', { class: 'hint' }, intro) : null,
    h('p', { class: 'field-error', id: `${id}-err` }),
    items.length ? h('ol', { class: 'items' }, items.map((i) => h('li', {}, i))) : h('p', { class: 'muted small empty' }, 'None yet.'),
    addButton);
}

/** Moves element `i` of `list` by `by` (−1 up, +1 down); answers false at an end. */
export function move<T>(list: T[], i: number, by: number): boolean {
  const j = i + by;
  if (j < 0 || j >= list.length) return false;
  [list[i], list[j]] = [list[j], list[i]];
  return true;
}

/** One item of a list: a heading line with its buttons (move up, move down, remove), then its
 *  fields. `what` names the item for the buttons' accessible names ("phase 2"). */
export function item(path: string, title: string, what: string, list: unknown[], index: number, body: HTMLElement[],
  opts: { level?: 'h3' | 'h4' | 'h5'; movable?: boolean; cls?: string; fieldIsItem?: boolean } = {}): HTMLElement {
  // An item that is a single field (a checklist point) leaves the path, and its id, to the field.
  const id = fieldId(path);
  const level = opts.level ?? 'h4';
  const buttons: HTMLElement[] = [];
  if (!readOnly()) {
    const mk = (label: string, key: string, fn: () => string | undefined, disabled = false) => {
      const b = h('button', { type: 'button', class: 'secondary tiny', id: `${id}-${key}`, disabled,
        'aria-label': `${label} ${what}` }, label);
      b.addEventListener('click', () => restructure(fn()));
      buttons.push(b);
    };
    const parent = path.replace(/\[\d+\]$/, '');
    if (opts.movable !== false) {
      mk('Move up', 'up', () => (move(list, index, -1) ? `${fieldId(`${parent}[${index - 1}]`)}-up` : undefined), index === 0);
      mk('Move down', 'down', () => (move(list, index, 1) ? `${fieldId(`${parent}[${index + 1}]`)}-down` : undefined), index === list.length - 1);
    }
    mk('Remove', 'remove', () => {
      list.splice(index, 1);
      return `${fieldId(parent)}-add`;
    });
  }
  const own = opts.fieldIsItem ? {} : { 'data-field': path, 'data-group': '', id, tabindex: -1 };
  return h('div', { class: `item ${opts.cls ?? ''}`.trim(), ...own },
    h('div', { class: 'item-head' }, h(level, { class: 'item-title' }, title), buttons.length ? h('div', { class: 'item-buttons' }, buttons) : null),
    opts.fieldIsItem ? null : h('p', { class: 'field-error', id: `${id}-err` }),
    body);
}

// ---- problems at their fields ---------------------------------------------------------------

/** The element that shows problems of `path`: the field itself, or the nearest enclosing field or
 *  list ("a.b[2].c" → "a.b[2]" → "a.b" → "a"). */
export function fieldElement(root: ParentNode, path: string): HTMLElement | null {
  let p = path;
  while (p) {
    const el = root.querySelector<HTMLElement>(`[data-field="${CSS.escape(p)}"]`);
    if (el) return el;
    const cut = p.match(/^(.*)(\[\d+\]|\.[^.[\]]+)$/);
    if (!cut) break;
    p = cut[1];
  }
  return null;
}

/** The control a person fixes (an input), or the list itself. */
export function focusTarget(el: HTMLElement): HTMLElement {
  if (el.hasAttribute('data-group')) return el;
  return el.querySelector<HTMLElement>('input, select, textarea') ?? el;
}

/** Clears every problem mark inside `root`. */
export function clearProblems(root: ParentNode): void {
  for (const err of root.querySelectorAll<HTMLElement>('.field-error')) err.replaceChildren();
  for (const c of root.querySelectorAll<HTMLElement>('[aria-invalid]')) {
    c.removeAttribute('aria-invalid');
    const base = c.dataset.describedBase ?? '';
    if (base) c.setAttribute('aria-describedby', base);
    else c.removeAttribute('aria-describedby');
  }
  for (const g of root.querySelectorAll<HTMLElement>('.has-problem')) {
    g.classList.remove('has-problem');
    if (g.hasAttribute('data-group')) g.removeAttribute('aria-describedby');
  }
}

/** Shows `message` at the field of `path`; answers the element that now shows it, or null. */
export function markProblem(root: ParentNode, path: string, message: string): HTMLElement | null {
  const el = fieldElement(root, path);
  if (!el) return null;
  const err = el.querySelector<HTMLElement>(':scope > .field-error');
  if (!err) return null;
  err.append(h('span', { class: 'problem-line' }, message));
  el.classList.add('has-problem');
  const target = focusTarget(el);
  if (target === el) {
    el.setAttribute('aria-describedby', err.id);
  } else {
    target.setAttribute('aria-invalid', 'true');
    const base = target.dataset.describedBase ?? '';
    target.setAttribute('aria-describedby', [base, err.id].filter(Boolean).join(' '));
  }
  return target;
}
