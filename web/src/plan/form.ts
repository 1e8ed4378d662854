// The plan as a form, in five sections: the workshop, the agenda, transcripts and their excerpts,
// the exercises, and the feedback questions. Every part of the plan (plan.proto) has an input
// here; the form edits the Plan message in place and tells the page through the hooks in
// fields.ts. Words are the clinician's, not the file's: "group size", "hands out", "ask only when".
import { create } from '@bufbuild/protobuf';
import {
  AgendaBlockKind, AgendaBlockSchema, ChoiceOptionSchema, ChoiceQuestionSchema, ConditionSchema, ExcerptSchema, ExerciseSchema, GroupSize,
  OddCount, PhaseSchema, QuestionSchema, QuestionnaireSchema, RoleKind, RoleNoteSchema, RoleSchema, ScaleQuestionSchema, TextQuestionSchema,
  TurnSchema, type AgendaBlock, type ChoiceQuestion, type Exercise, type Phase, type Plan, type Question, type Questionnaire, type Role,
  type Transcript,
} from '@gen/dyad/v1/plan_pb';
import { h } from '../lib/dom';
import { sentenceOf } from '../lib/accounts';
import { parseTranscript } from './api';
import {
  changed, checkField, fieldId, item, listGroup, numberField, readOnly, restructure, selectField, textField,
} from './fields';

export const SECTIONS = [
  ['sec-workshop', 'Workshop'],
  ['sec-agenda', 'Agenda'],
  ['sec-transcripts', 'Transcripts & excerpts'],
  ['sec-exercises', 'Exercises'],
  ['sec-questions', 'Feedback questions'],
] as const;

function section(id: string, title: string, intro: string, ...body: (HTMLElement | null)[]): HTMLElement {
  return h('section', { class: 'card plan-section', id, 'aria-labelledby': `${id}-h` },
    h('h2', { id: `${id}-h`, tabindex: -1 }, title),
    h('p', { class: 'muted' }, intro),
    body);
}

// ---- time helpers ---------------------------------------------------------------------------

/** "4:12" for 252 seconds; "1:02:03" past an hour. */
export function clockOf(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  const hh = Math.floor(seconds / 3600);
  const mm = Math.floor((seconds % 3600) / 60);
  const ss = String(seconds % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** Seconds from "4:12", "1:02:03" or "252"; undefined for an empty field, NaN when unreadable. */
export function secondsOf(text: string): number | undefined {
  const t = text.trim();
  if (!t) return undefined;
  if (!/^\d+(:\d{1,2}){0,2}$/.test(t)) return NaN;
  return t.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
}

// ---- lists of names for suggestions ---------------------------------------------------------

function excerptIds(plan: Plan): string[] {
  return plan.transcripts.flatMap((t) => t.excerpts.map((e) => e.id)).filter(Boolean);
}

function datalist(id: string, values: string[]): HTMLDataListElement {
  return h('datalist', { id }, values.map((v) => h('option', { value: v })));
}

let timeZones: string[] | null = null;
function knownTimeZones(): string[] {
  if (!timeZones) {
    const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
    try {
      timeZones = intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : [];
    } catch {
      timeZones = [];
    }
  }
  return timeZones;
}

// ---- the workshop ---------------------------------------------------------------------------

function workshopSection(plan: Plan): HTMLElement {
  return section('sec-workshop', 'Workshop', 'What participants see at the top of their page, and how the day is kept safe.',
    textField('title', 'Title', () => plan.title, (v) => { plan.title = v; },
      { hint: 'Shown to everyone, e.g. “Resolving ruptures in the therapeutic relationship”.' }),
    textField('series', 'Series', () => plan.series, (v) => { plan.series = v; },
      { hint: 'Runs of the same workshop share a series, so that organisers can compare them. Lowercase letters, digits and dashes, e.g. “ruptures-one-day”.', mono: true }),
    textField('presenter', 'Presenter', () => plan.presenter, (v) => { plan.presenter = v; },
      { hint: 'Who presents, as participants should see it.' }),
    textField('time_zone', 'Time zone of the agenda', () => plan.timeZone, (v) => { plan.timeZone = v; },
      { hint: 'Where the day takes place, e.g. “Europe/London”.', list: 'dl-timezones' }),
    numberField('anonymity_threshold', 'Fewest responses before results are shown', () => plan.anonymityThreshold, (v) => { plan.anonymityThreshold = v; },
      { min: 1, placeholder: '3 (the default)', hint: 'Results of a group with fewer responses than this are never shown. Leave empty for 3.' }),
    numberField('grace_period_seconds', 'Seconds a disconnected person keeps their partner', () => plan.gracePeriodSeconds || undefined,
      (v) => { plan.gracePeriodSeconds = v ?? 0; },
      { min: 0, max: 3600, placeholder: '90 (the default)', hint: 'After this, their partner is paired again with someone else. Leave empty for 90 seconds.' }));
}

// ---- the agenda -----------------------------------------------------------------------------

const BLOCK_KINDS = [
  [String(AgendaBlockKind.UNSPECIFIED), 'Choose…'],
  [String(AgendaBlockKind.TEACHING), 'Teaching'],
  [String(AgendaBlockKind.EXERCISE), 'Exercise'],
  [String(AgendaBlockKind.BREAK), 'Break'],
  [String(AgendaBlockKind.DISCUSSION), 'Discussion'],
  [String(AgendaBlockKind.FEEDBACK), 'Feedback'],
] as const;

function blockItem(plan: Plan, b: AgendaBlock, i: number): HTMLElement {
  const p = `agenda[${i}]`;
  const showExercise = b.kind === AgendaBlockKind.EXERCISE || b.exerciseId !== '';
  return item(p, `${b.start || '–'} to ${b.end || '–'}: ${b.title || 'untitled block'}`, `block ${i + 1}`, plan.agenda, i, [
    h('div', { class: 'row' },
      textField(`${p}.start`, 'Starts at', () => b.start, (v) => { b.start = v; }, { placeholder: 'HH:MM', inputmode: 'numeric', cls: 'short' }),
      textField(`${p}.end`, 'Ends at', () => b.end, (v) => { b.end = v; }, { placeholder: 'HH:MM', inputmode: 'numeric', cls: 'short' }),
      selectField(`${p}.kind`, 'Kind', BLOCK_KINDS, () => String(b.kind), (v) => { b.kind = Number(v); }, { redraw: true, cls: 'short' })),
    textField(`${p}.title`, 'Title', () => b.title, (v) => { b.title = v; }),
    showExercise ? textField(`${p}.exercise_id`, 'Exercise run in this block', () => b.exerciseId, (v) => { b.exerciseId = v; },
      { list: 'dl-exercises', mono: true, hint: 'The id of one of the exercises below.' }) : null,
    textField(`${p}.description`, 'Description', () => b.description, (v) => { b.description = v; }, { multiline: true, rows: 2 }),
  ].filter((x): x is HTMLElement => !!x), { level: 'h4' });
}

function agendaSection(plan: Plan): HTMLElement {
  return section('sec-agenda', 'Agenda', 'The timetable of the day, in order, with times on a 24-hour clock.',
    listGroup('agenda', 'Blocks of the day', 'h3', plan.agenda.map((b, i) => blockItem(plan, b, i)), {
      label: 'Add a block',
      onAdd: () => {
        const last = plan.agenda[plan.agenda.length - 1];
        plan.agenda.push(create(AgendaBlockSchema, { start: last?.end ?? '', kind: AgendaBlockKind.TEACHING }));
        return fieldId(`agenda[${plan.agenda.length - 1}].start`);
      },
    }));
}

// ---- transcripts and excerpts ---------------------------------------------------------------

interface PasteState {
  text: string;
  id: string;
  title: string;
  parsed: Transcript | null;
  problem: string;
  busy: boolean;
}
const pastes = new Map<string, PasteState>();

function turnList(t: Transcript): HTMLElement {
  return h('ol', { class: 'turns parsed-turns' }, t.turns.map((turn) => h('li', {},
    h('span', { class: 'speaker' }, turn.speaker),
    turn.atSeconds !== undefined ? h('span', { class: 'turn-at' }, clockOf(turn.atSeconds)) : h('span', { class: 'turn-at muted' }, 'no time'),
    turn.paragraphs.map((para) => h('span', { class: 'turn-para' }, para)))));
}

/** Paste plain text, see the turns as `dyad transcript import` reads them, then use them.
 *  `key` keeps what was pasted across redraws; `forNew` asks for the new transcript's id and title. */
function pastePanel(key: string, forNew: boolean, use: (t: Transcript) => string | undefined): HTMLElement {
  const state = pastes.get(key) ?? { text: '', id: '', title: '', parsed: null, problem: '', busy: false };
  pastes.set(key, state);
  const id = `paste-${key}`;
  const area = h('textarea', { id: `${id}-text`, rows: 8, class: 'mono small-text', spellcheck: 'false', 'aria-describedby': `${id}-how` });
  area.value = state.text;
  area.addEventListener('input', () => { state.text = area.value; });
  const idInput = forNew ? h('input', { type: 'text', id: `${id}-id`, class: 'mono', spellcheck: 'false', 'aria-describedby': `${id}-id-hint` }) : null;
  const titleInput = forNew ? h('input', { type: 'text', id: `${id}-title`, 'aria-describedby': `${id}-title-hint` }) : null;
  if (idInput) {
    idInput.value = state.id;
    idInput.addEventListener('input', () => { state.id = idInput.value; });
  }
  if (titleInput) {
    titleInput.value = state.title;
    titleInput.addEventListener('input', () => { state.title = titleInput.value; });
  }
  const result = h('div', { class: 'paste-result', 'aria-live': 'polite', id: `${id}-result` });
  const read = h('button', { type: 'button', class: 'secondary', id: `${id}-read` }, 'Read the turns');
  read.addEventListener('click', async () => {
    state.busy = true;
    state.problem = '';
    state.parsed = null;
    read.disabled = true;
    try {
      const newId = forNew ? (state.id.trim() || 'new-transcript') : 'pasted';
      state.parsed = await parseTranscript(state.text, newId, forNew ? state.title.trim() : '');
    } catch (e) {
      state.problem = sentenceOf(e);
    }
    state.busy = false;
    restructure(state.parsed ? `${id}-use` : `${id}-text`);
  });
  const parts: (HTMLElement | null)[] = [];
  if (state.problem) parts.push(h('p', { class: 'error-text', role: 'alert' }, state.problem));
  if (state.parsed) {
    const n = state.parsed.turns.length;
    const useButton = h('button', { type: 'button', id: `${id}-use` }, forNew ? 'Add this transcript' : 'Use these turns');
    useButton.addEventListener('click', () => {
      const parsed = state.parsed!;
      pastes.delete(key);
      restructure(use(parsed));
    });
    const discard = h('button', { type: 'button', class: 'secondary', id: `${id}-discard` }, 'Discard');
    discard.addEventListener('click', () => {
      state.parsed = null;
      restructure(`${id}-text`);
    });
    parts.push(h('p', { class: 'ok-text' }, `Read ${n} ${n === 1 ? 'turn' : 'turns'}${state.parsed.title ? ` of “${state.parsed.title}”` : ''}:`),
      turnList(state.parsed), h('div', { class: 'actions' }, useButton, discard));
  }
  result.append(...parts.filter((x): x is HTMLElement => !!x));
  return h('div', { class: 'paste' },
    forNew ? h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: `${id}-id` }, 'Id of the new transcript'),
        h('p', { class: 'hint', id: `${id}-id-hint` }, 'Short, e.g. “withdrawal-session”.'), idInput),
      h('div', { class: 'field' }, h('label', { for: `${id}-title` }, 'Title (optional)'),
        h('p', { class: 'hint', id: `${id}-title-hint` }, 'Empty: the first line above the first speaker.'), titleInput)) : null,
    h('label', { for: `${id}-text` }, forNew ? 'The transcript as plain text' : 'The new turns as plain text'),
    h('p', { class: 'hint', id: `${id}-how` },
      'Each turn starts with a line naming the speaker, with the time if known (“Therapist, 4:12”), followed by what they said; paragraphs are separated by blank lines.'),
    area,
    h('div', { class: 'actions' }, read),
    result);
}

function turnItem(t: Transcript, ti: number, ui: number): HTMLElement {
  const turn = t.turns[ui];
  const p = `transcripts[${ti}].turns[${ui}]`;
  const timeField = textField(`${p}.at_seconds`, 'Time', () => clockOf(turn.atSeconds), (v) => {
    const s = secondsOf(v);
    if (s === undefined || !Number.isNaN(s)) turn.atSeconds = s;
  }, { placeholder: 'm:ss', inputmode: 'numeric', cls: 'short', hint: 'Minutes:seconds from the start; empty if not known.' });
  return item(p, `Turn ${ui + 1}${turn.speaker ? `: ${turn.speaker}` : ''}`, `turn ${ui + 1} of transcript ${ti + 1}`, t.turns, ui, [
    h('div', { class: 'row' },
      textField(`${p}.speaker`, 'Speaker', () => turn.speaker, (v) => { turn.speaker = v; }, { cls: 'short' }),
      timeField),
    textField(`${p}.paragraphs`, 'What they say', () => turn.paragraphs.join('\n\n'), (v) => {
      turn.paragraphs = v.split(/\n\s*\n/).map((s) => s.trim()).filter((s) => s !== '');
    }, { multiline: true, rows: Math.min(6, 2 + turn.paragraphs.length), hint: 'Separate paragraphs with a blank line.' }),
  ], { level: 'h5', cls: 'turn' });
}

function excerptItem(t: Transcript, ti: number, ei: number): HTMLElement {
  const e = t.excerpts[ei];
  const p = `transcripts[${ti}].excerpts[${ei}]`;
  const first = t.turns[e.firstTurn - 1];
  const last = t.turns[e.lastTurn - 1];
  const opening = (turn: typeof first) => {
    const text = turn.paragraphs[0] ?? '';
    return text.length > 60 ? `${text.slice(0, 60).trimEnd()}…` : text;
  };
  const span = first && last && e.firstTurn <= e.lastTurn
    ? `Turns ${e.firstTurn} to ${e.lastTurn}: from ${first.speaker} (“${opening(first)}”) to ${last.speaker} (“${opening(last)}”).`
    : '';
  return item(p, `Excerpt: ${e.title || e.id || 'untitled'}`, `excerpt ${ei + 1} of transcript ${ti + 1}`, t.excerpts, ei, [
    h('div', { class: 'row' },
      textField(`${p}.id`, 'Id', () => e.id, (v) => { e.id = v; }, { mono: true, redraw: true, hint: 'Exercises hand out an excerpt by this id.' }),
      textField(`${p}.title`, 'Title', () => e.title, (v) => { e.title = v; })),
    h('div', { class: 'row' },
      numberField(`${p}.first_turn`, 'First turn', () => e.firstTurn, (v) => { e.firstTurn = v ?? 0; },
        { min: 1, max: t.turns.length || undefined, cls: 'short', redraw: true }),
      numberField(`${p}.last_turn`, 'Last turn', () => e.lastTurn, (v) => { e.lastTurn = v ?? 0; },
        { min: 1, max: t.turns.length || undefined, cls: 'short', redraw: true })),
    span ? h('p', { class: 'muted small excerpt-span' }, span) : h('p', { class: 'muted small excerpt-span' }, `The transcript has ${t.turns.length} turns, numbered from 1.`),
  ], { level: 'h4', cls: 'excerpt' });
}

function transcriptItem(plan: Plan, t: Transcript, ti: number): HTMLElement {
  const p = `transcripts[${ti}]`;
  const turns = h('details', { class: 'turns-editor' },
    h('summary', {}, `The ${t.turns.length} ${t.turns.length === 1 ? 'turn' : 'turns'}, one by one`),
    listGroup(`${p}.turns`, 'Turns', 'h4', t.turns.map((_, ui) => turnItem(t, ti, ui)), {
      label: 'Add a turn',
      onAdd: () => {
        t.turns.push(create(TurnSchema, {}));
        return fieldId(`${p}.turns[${t.turns.length - 1}].speaker`);
      },
    }));
  const replace = readOnly() ? null : h('details', { class: 'paste-editor' },
    h('summary', {}, 'Replace the turns with pasted text'),
    pastePanel(`t${ti}`, false, (parsed) => {
      t.turns = parsed.turns;
      return `${fieldId(p)}`;
    }));
  return item(p, `Transcript: ${t.title || t.id || 'untitled'}`, `transcript ${ti + 1}`, plan.transcripts, ti, [
    h('div', { class: 'row' },
      textField(`${p}.id`, 'Id', () => t.id, (v) => { t.id = v; }, { mono: true }),
      textField(`${p}.title`, 'Title', () => t.title, (v) => { t.title = v; })),
    textField(`${p}.source`, 'Source and consent', () => t.source, (v) => { t.source = v; },
      { multiline: true, rows: 2, hint: 'Where it comes from and with what consent; shown under the excerpt.' }),
    h('p', { class: 'muted small' }, `${t.turns.length} turns; speakers: ${[...new Set(t.turns.map((u) => u.speaker))].join(', ') || 'none yet'}.`),
    turns,
    replace,
    listGroup(`${p}.excerpts`, 'Excerpts', 'h4', t.excerpts.map((_, ei) => excerptItem(t, ti, ei)), {
      label: 'Cut an excerpt',
      onAdd: () => {
        t.excerpts.push(create(ExcerptSchema, { firstTurn: 1, lastTurn: t.turns.length }));
        return fieldId(`${p}.excerpts[${t.excerpts.length - 1}].id`);
      },
    }, 'A run of turns, from the first to the last (numbered from 1), that an exercise hands out.'),
  ].filter((x): x is HTMLElement => !!x), { level: 'h3', cls: 'transcript' });
}

function transcriptsSection(plan: Plan): HTMLElement {
  const add = readOnly() ? null : h('details', { class: 'paste-editor new-transcript' },
    h('summary', {}, 'Add a transcript from pasted text'),
    pastePanel('new', true, (parsed) => {
      plan.transcripts.push(parsed);
      return fieldId(`transcripts[${plan.transcripts.length - 1}]`);
    }));
  return section('sec-transcripts', 'Transcripts & excerpts', 'Session transcripts, and the excerpts of them that exercises hand out.',
    listGroup('transcripts', 'Transcripts', 'h3', plan.transcripts.map((t, ti) => transcriptItem(plan, t, ti)), null),
    add);
}

// ---- exercises ------------------------------------------------------------------------------

const GROUP_SIZES = [
  [String(GroupSize.UNSPECIFIED), 'Choose…'],
  [String(GroupSize.PAIRS), 'Pairs: therapist and client'],
  [String(GroupSize.TRIADS), 'Threes: therapist, client and observer'],
] as const;
const ODD_COUNTS = [
  [String(OddCount.UNSPECIFIED), 'Not chosen (one group of three)'],
  [String(OddCount.TRIAD), 'One group of three; the third person observes'],
  [String(OddCount.FACILITATOR), 'The odd person practises with the facilitator'],
] as const;
const ROLE_KINDS = [
  [String(RoleKind.UNSPECIFIED), 'Choose…'],
  [String(RoleKind.THERAPIST), 'Therapist'],
  [String(RoleKind.CLIENT), 'Client'],
  [String(RoleKind.OBSERVER), 'Observer'],
] as const;

function roleItem(x: Exercise, xi: number, ri: number): HTMLElement {
  const r: Role = x.roles[ri];
  const p = `exercises[${xi}].roles[${ri}]`;
  const showChecklist = r.kind === RoleKind.OBSERVER || r.checklist.length > 0;
  return item(p, `Role: ${r.name || r.id || 'unnamed'}`, `role ${ri + 1} of exercise ${xi + 1}`, x.roles, ri, [
    h('div', { class: 'row' },
      textField(`${p}.id`, 'Id', () => r.id, (v) => { r.id = v; }, { mono: true, redraw: true, cls: 'short' }),
      textField(`${p}.name`, 'Name participants see', () => r.name, (v) => { r.name = v; }, { cls: 'short' }),
      selectField(`${p}.kind`, 'Kind', ROLE_KINDS, () => String(r.kind), (v) => { r.kind = Number(v); }, { redraw: true, cls: 'short' })),
    textField(`${p}.instructions`, 'Instructions', () => r.instructions, (v) => { r.instructions = v; },
      { multiline: true, rows: 3, hint: 'What a person in this role does; shown on their card.' }),
    showChecklist ? listGroup(`${p}.checklist`, 'Observer’s checklist', 'h5', r.checklist.map((_, ci) =>
      item(`${p}.checklist[${ci}]`, `Point ${ci + 1}`, `point ${ci + 1} of the checklist`, r.checklist, ci, [
        textField(`${p}.checklist[${ci}]`, `Point ${ci + 1} to watch for`, () => r.checklist[ci], (v) => { r.checklist[ci] = v; }),
      ], { level: 'h5', cls: 'compact', fieldIsItem: true })), {
      label: 'Add a point',
      onAdd: () => {
        r.checklist.push('');
        return fieldId(`${p}.checklist[${r.checklist.length - 1}]`);
      },
    }) : null,
  ].filter((e): e is HTMLElement => !!e), { level: 'h4', cls: 'role' });
}

function phaseItem(x: Exercise, xi: number, pi: number): HTMLElement {
  const ph: Phase = x.phases[pi];
  const p = `exercises[${xi}].phases[${pi}]`;
  const roleChoices = [['', 'Choose a role…'] as const, ...x.roles.filter((r) => r.id).map((r) => [r.id, r.name || r.id] as const)];
  return item(p, `Phase ${pi + 1}: ${ph.name || 'unnamed'} (${ph.minutes} min)`, `phase ${pi + 1} of exercise ${xi + 1}`, x.phases, pi, [
    h('div', { class: 'row' },
      textField(`${p}.name`, 'Name', () => ph.name, (v) => { ph.name = v; }, { cls: 'short', hint: 'As the timer shows it.' }),
      numberField(`${p}.minutes`, 'Minutes', () => ph.minutes, (v) => { ph.minutes = v ?? 0; }, { min: 1, max: 240, cls: 'short' })),
    checkField(`${p}.swap_roles`, 'Therapist and client swap roles at the start of this phase', () => ph.swapRoles, (v) => { ph.swapRoles = v; }),
    listGroup(`${p}.role_notes`, 'Notes for one role during this phase', 'h5', ph.roleNotes.map((n, ni) =>
      item(`${p}.role_notes[${ni}]`, `Note ${ni + 1}`, `note ${ni + 1} of phase ${pi + 1}`, ph.roleNotes, ni, [
        selectField(`${p}.role_notes[${ni}].role`, 'For the role', roleChoices, () => n.role, (v) => { n.role = v; }),
        textField(`${p}.role_notes[${ni}].text`, 'Note', () => n.text, (v) => { n.text = v; }, { multiline: true, rows: 2 }),
      ], { level: 'h5', cls: 'compact', movable: false })), {
      label: 'Add a note for a role',
      onAdd: () => {
        ph.roleNotes.push(create(RoleNoteSchema, {}));
        return fieldId(`${p}.role_notes[${ph.roleNotes.length - 1}].role`);
      },
    }),
  ], { level: 'h4', cls: 'phase' });
}

function exerciseItem(plan: Plan, x: Exercise, xi: number): HTMLElement {
  const p = `exercises[${xi}]`;
  let handsOut = 'No excerpt: the exercise hands out none.';
  if (x.excerptId) {
    const t = plan.transcripts.find((tr) => tr.excerpts.some((e) => e.id === x.excerptId));
    const e = t?.excerpts.find((ex) => ex.id === x.excerptId);
    handsOut = t && e ? `Hands out “${e.title || e.id}”, turns ${e.firstTurn} to ${e.lastTurn} of “${t.title || t.id}”.` : '';
  }
  const total = x.phases.reduce((s, ph) => s + ph.minutes, 0);
  return item(p, `Exercise: ${x.title || x.id || 'untitled'}`, `exercise ${xi + 1}`, plan.exercises, xi, [
    h('div', { class: 'row' },
      textField(`${p}.id`, 'Id', () => x.id, (v) => { x.id = v; }, { mono: true, redraw: true, hint: 'The agenda runs an exercise by this id.' }),
      textField(`${p}.title`, 'Title', () => x.title, (v) => { x.title = v; })),
    textField(`${p}.brief`, 'Brief for the whole group', () => x.brief, (v) => { x.brief = v; }, { multiline: true, rows: 4 }),
    h('div', { class: 'row' },
      selectField(`${p}.group_size`, 'Group size', GROUP_SIZES, () => String(x.groupSize), (v) => { x.groupSize = Number(v); }, { redraw: true }),
      x.groupSize !== GroupSize.TRIADS || x.oddCount !== OddCount.UNSPECIFIED
        ? selectField(`${p}.odd_count`, 'With an odd number of people', ODD_COUNTS, () => String(x.oddCount), (v) => { x.oddCount = Number(v); })
        : h('p', { class: 'muted small odd-note' }, 'In threes, people left over make pairs.')),
    textField(`${p}.excerpt_id`, 'Excerpt handed out', () => x.excerptId, (v) => { x.excerptId = v; },
      { mono: true, list: 'dl-excerpts', redraw: true, hint: `The id of an excerpt (see Transcripts & excerpts); empty for none. ${handsOut}`.trim() }),
    listGroup(`${p}.roles`, 'Roles', 'h4', x.roles.map((_, ri) => roleItem(x, xi, ri)), {
      label: 'Add a role',
      onAdd: () => {
        x.roles.push(create(RoleSchema, {}));
        return fieldId(`${p}.roles[${x.roles.length - 1}].id`);
      },
    }, 'A therapist, a client and an observer: the observer is needed for odd numbers and late joiners.'),
    listGroup(`${p}.phases`, `Phases (${total} minutes in all)`, 'h4', x.phases.map((_, pi) => phaseItem(x, xi, pi)), {
      label: 'Add a phase',
      onAdd: () => {
        x.phases.push(create(PhaseSchema, { minutes: 5 }));
        return fieldId(`${p}.phases[${x.phases.length - 1}].name`);
      },
    }, 'The timed steps, in order.'),
  ], { level: 'h3', cls: 'exercise' });
}

function exercisesSection(plan: Plan): HTMLElement {
  return section('sec-exercises', 'Exercises', 'The paired practice: who plays which role, what they read, and how long each step lasts.',
    listGroup('exercises', 'Exercises', 'h3', plan.exercises.map((x, xi) => exerciseItem(plan, x, xi)), {
      label: 'Add an exercise',
      onAdd: () => {
        plan.exercises.push(create(ExerciseSchema, {
          groupSize: GroupSize.PAIRS,
          roles: [
            create(RoleSchema, { id: 'therapist', name: 'Therapist', kind: RoleKind.THERAPIST }),
            create(RoleSchema, { id: 'client', name: 'Client', kind: RoleKind.CLIENT }),
            create(RoleSchema, { id: 'observer', name: 'Observer', kind: RoleKind.OBSERVER }),
          ],
          phases: [create(PhaseSchema, { name: 'Practice', minutes: 10 })],
        }));
        return fieldId(`exercises[${plan.exercises.length - 1}].id`);
      },
    }));
}

// ---- feedback questions ---------------------------------------------------------------------

const QUESTION_KINDS = [
  ['', 'Choose…'],
  ['choice', 'One answer from a list'],
  ['scale', 'A number on a scale'],
  ['textAnswer', 'Written answer'],
] as const;

function questionnaireOf(plan: Plan): Questionnaire {
  plan.questionnaire ??= create(QuestionnaireSchema, {});
  return plan.questionnaire;
}

function choiceFields(c: ChoiceQuestion, p: string, what: string): HTMLElement[] {
  const op = `${p}.choice`;
  return [
    listGroup(`${op}.options`, 'Answers to choose from, best first', 'h5', c.options.map((o, oi) =>
      item(`${op}.options[${oi}]`, `Answer ${oi + 1}: ${o.label || o.id || 'unnamed'}`, `answer ${oi + 1} of ${what}`, c.options, oi, [
        h('div', { class: 'row' },
          textField(`${op}.options[${oi}].label`, 'Label on the form', () => o.label, (v) => { o.label = v; }, { cls: 'short' }),
          textField(`${op}.options[${oi}].id`, 'Id', () => o.id, (v) => { o.id = v; }, { mono: true, redraw: true, cls: 'short',
            hint: 'Stored with the answers; keep it once the plan has run.' }),
          textField(`${op}.options[${oi}].summary_label`, 'In the summary', () => o.summaryLabel, (v) => { o.summaryLabel = v; },
            { cls: 'short', placeholder: (o.label || '').replace(/[A-Z]/g, (ch) => ch.toLowerCase()), hint: 'Empty: the label in lower case.' })),
      ], { level: 'h5', cls: 'compact option' })), {
      label: 'Add an answer',
      onAdd: () => {
        c.options.push(create(ChoiceOptionSchema, {}));
        return fieldId(`${op}.options[${c.options.length - 1}].label`);
      },
    }),
    textField(`${op}.summary_phrase`, 'How the summary says it', () => c.summaryPhrase, (v) => { c.summaryPhrase = v; },
      { hint: '“{option}” becomes the answer, e.g. “rated the workshop as {option}” gives “6 rated the workshop as excellent”. Empty: left out of the summary.' }),
    textField(`${op}.summary_continuation`, 'For the next answers', () => c.summaryContinuation, (v) => { c.summaryContinuation = v; },
      { hint: 'Words between the count and the next answers, e.g. “as {option}” gives “…, 4 as good”. Empty: the answer alone.' }),
  ];
}

function questionItem(qn: Questionnaire, qi: number): HTMLElement {
  const q: Question = qn.questions[qi];
  const p = `questionnaire.questions[${qi}]`;
  const what = `question ${qi + 1}`;
  const kindFields: HTMLElement[] = [];
  if (q.kind.case === 'choice') kindFields.push(...choiceFields(q.kind.value, p, what));
  else if (q.kind.case === 'scale') {
    const s = q.kind.value;
    const sp = `${p}.scale`;
    kindFields.push(
      h('div', { class: 'row' },
        numberField(`${sp}.min`, 'From', () => s.min, (v) => { s.min = v ?? 0; }, { cls: 'short' }),
        numberField(`${sp}.max`, 'To', () => s.max, (v) => { s.max = v ?? 0; }, { cls: 'short' })),
      h('div', { class: 'row' },
        textField(`${sp}.min_label`, 'Words for the lowest', () => s.minLabel, (v) => { s.minLabel = v; }, { cls: 'short' }),
        textField(`${sp}.max_label`, 'Words for the highest', () => s.maxLabel, (v) => { s.maxLabel = v; }, { cls: 'short' })),
      textField(`${sp}.summary_phrase`, 'How the summary says it', () => s.summaryPhrase, (v) => { s.summaryPhrase = v; },
        { hint: '“{mean}”, “{min}” and “{max}” become numbers, e.g. “rated the pace {mean} out of {max} on average”. Empty: left out of the summary.' }));
  } else if (q.kind.case === 'textAnswer') {
    const t = q.kind.value;
    kindFields.push(numberField(`${p}.text_answer.max_length`, 'Longest answer, in characters', () => t.maxLength || undefined,
      (v) => { t.maxLength = v ?? 0; }, { min: 1, max: 10000, placeholder: '2000 (the default)', cls: 'short' }));
  }

  // The condition: an earlier choice question and the answers to it that make this one appear.
  const earlier = qn.questions.slice(0, qi).filter((e) => e.kind.case === 'choice' && e.id);
  const cond = q.condition;
  const condChoices = [['', 'Always ask it'] as const, ...earlier.map((e) => [e.id, `Only when “${e.text || e.id}” is answered with…`] as const)];
  const condField = selectField(`${p}.condition.question_id`, 'When to ask it', condChoices, () => cond?.questionId ?? '', (v) => {
    if (!v) q.condition = undefined;
    else q.condition = create(ConditionSchema, { questionId: v, optionIds: cond?.questionId === v ? cond.optionIds : [] });
  }, { redraw: true });
  let optionBoxes: HTMLElement | null = null;
  if (cond) {
    const source = qn.questions.find((e) => e.id === cond.questionId);
    const options = source?.kind.case === 'choice' ? source.kind.value.options : [];
    const ids = [...options.map((o) => o.id), ...cond.optionIds.filter((id) => !options.some((o) => o.id === id))];
    const gp = `${p}.condition.option_ids`;
    const gid = fieldId(gp);
    optionBoxes = h('fieldset', { class: 'field condition-options', 'data-field': gp, 'data-group': '', id: gid, tabindex: -1 },
      h('legend', {}, 'Ask it when the answer is one of'),
      h('p', { class: 'field-error', id: `${gid}-err` }),
      ids.map((oid, k) => {
        const label = options.find((o) => o.id === oid)?.label;
        const box = h('input', { type: 'checkbox', id: `${gid}-${k}`, disabled: readOnly() });
        box.checked = cond.optionIds.includes(oid);
        box.addEventListener('change', () => {
          const set = new Set(cond.optionIds);
          if (box.checked) set.add(oid); else set.delete(oid);
          // In the order of the options, as a person would list them.
          cond.optionIds = ids.filter((i) => set.has(i));
          changed();
        });
        return h('label', { class: 'choice', for: `${gid}-${k}` }, box, h('span', {}, label ?? `“${oid}” (no such answer)`));
      }));
  }

  return item(p, `Question ${qi + 1}: ${q.text || q.id || 'no text yet'}`, what, qn.questions, qi, [
    textField(`${p}.text`, 'Question', () => q.text, (v) => { q.text = v; }, { multiline: true, rows: 2 }),
    h('div', { class: 'row' },
      textField(`${p}.id`, 'Id', () => q.id, (v) => { q.id = v; }, { mono: true, redraw: true, cls: 'short', hint: 'Used in exports and conditions.' }),
      selectField(`${p}.kind`, 'Kind of answer', QUESTION_KINDS, () => q.kind.case ?? '', (v) => {
        if (v === 'choice') q.kind = { case: 'choice', value: create(ChoiceQuestionSchema, {}) };
        else if (v === 'scale') q.kind = { case: 'scale', value: create(ScaleQuestionSchema, { min: 1, max: 5 }) };
        else if (v === 'textAnswer') q.kind = { case: 'textAnswer', value: create(TextQuestionSchema, {}) };
        else q.kind = { case: undefined };
      }, { redraw: true, cls: 'short' })),
    checkField(`${p}.required`, 'An answer is required', () => q.required, (v) => { q.required = v; }),
    ...kindFields,
    condField,
    optionBoxes,
    textField(`${p}.summary_lead`, 'Words before its part of the summary', () => q.summaryLead, (v) => { q.summaryLead = v; },
      { hint: 'Optional, e.g. “And if you are not a CAT therapist:”.' }),
  ].filter((e): e is HTMLElement => !!e), { level: 'h3', cls: 'question' });
}

/** The questions' editor; `preview` (the live previews) goes beside it where there is room. */
function questionsSection(plan: Plan, preview: HTMLElement): HTMLElement {
  const qn = plan.questionnaire;
  return section('sec-questions', 'Feedback questions', 'The anonymous form at the end of the day, and how the report sums it up.',
    h('div', { class: 'questions-layout' },
      h('div', { class: 'questions-edit' },
        textField('questionnaire.intro', 'Words above the form', () => qn?.intro ?? '', (v) => { questionnaireOf(plan).intro = v; },
          { multiline: true, rows: 3 }),
        textField('questionnaire.summary_opening', 'How the summary opens', () => qn?.summaryOpening ?? '',
          (v) => { questionnaireOf(plan).summaryOpening = v; },
          { placeholder: 'Of the {count} participants:', hint: '“{count}” becomes the number of responses in words. Empty: “Of the {count} participants:”.' }),
        listGroup('questionnaire.questions', 'Questions', 'h3', (qn?.questions ?? []).map((_, qi) => questionItem(qn!, qi)), {
          label: 'Add a question',
          onAdd: () => {
            const q = questionnaireOf(plan);
            q.questions.push(create(QuestionSchema, { kind: { case: 'choice', value: create(ChoiceQuestionSchema, {}) } }));
            return fieldId(`questionnaire.questions[${q.questions.length - 1}].text`);
          },
        })),
      preview));
}

/** The whole form, with the suggestion lists its inputs use. */
export function planForm(plan: Plan, preview: HTMLElement): HTMLElement {
  return h('div', { class: 'plan-form' },
    datalist('dl-excerpts', excerptIds(plan)),
    datalist('dl-exercises', plan.exercises.map((x) => x.id).filter(Boolean)),
    datalist('dl-timezones', knownTimeZones()),
    workshopSection(plan),
    agendaSection(plan),
    transcriptsSection(plan),
    exercisesSection(plan),
    questionsSection(plan, preview));
}
