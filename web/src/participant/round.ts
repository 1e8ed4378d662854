// The running round as one participant sees it: the clock, the group (room, role, partners),
// "we're done" / "ask for help", and the material (instructions, brief, excerpt). The parts are
// built once and updated in place, so a new Assignment or PhaseState never wipes a half-typed
// help note or moves the keyboard focus.
import type { Assignment, PhaseState } from '@gen/dyad/v1/wire_pb';
import type { Turn } from '@gen/dyad/v1/plan_pb';
import { clockTimeIn } from '../lib/agenda';
import { formatCountdown, h, render } from '../lib/dom';
import { WireError } from '../lib/wire';

export class ClockCard {
  readonly el: HTMLElement;
  private readonly name = h('h2', { class: 'p-phase-name', 'data-testid': 'phase-name', 'aria-live': 'polite' });
  private readonly count = h('p', { class: 'p-phase-count muted', 'data-testid': 'phase-count' });
  // role="timer" is not a live region by default: the number is read when asked for, not
  // announced every second.
  private readonly countdown = h('p', { class: 'countdown p-countdown', 'data-testid': 'countdown', role: 'timer' }, '0:00');
  private readonly status = h('p', { class: 'p-clock-status', 'data-testid': 'clock-status' });
  private readonly endsAt = h('p', { class: 'small muted p-ends-at' });
  private phase: PhaseState | undefined;

  /** `timeZone` gives the plan's zone, in which the page writes clock times as the agenda does. */
  constructor(private readonly serverNow: () => number, private readonly timeZone: () => string) {
    this.el = h('section', { class: 'card p-clock', 'aria-label': 'Time' },
      h('div', { class: 'p-clock-head' }, this.name, this.count), this.countdown, this.status, this.endsAt);
  }

  update(phase: PhaseState | undefined): void {
    this.phase = phase;
    this.el.hidden = !phase;
    if (!phase) return;
    const name = phase.phaseName || `Phase ${phase.phaseIndex + 1}`;
    // Assigned only on change so that the live region speaks once per phase.
    if (this.name.textContent !== name) this.name.textContent = name;
    this.count.textContent = phase.phaseCount > 0 ? `Phase ${phase.phaseIndex + 1} of ${phase.phaseCount}` : '';
    this.tick();
  }

  /** Every 250 ms: the deadline against the server's clock as this page knows it. */
  tick(): void {
    const p = this.phase;
    if (!p) return;
    let remaining: number;
    let status = '';
    if (p.finished) {
      remaining = 0;
      status = 'Time is up';
    } else if (p.paused) {
      remaining = Number(p.remainingMs);
      status = 'Paused';
    } else {
      remaining = Number(p.deadlineMs) - this.serverNow();
      if (remaining <= 0) status = 'Time is up for this phase';
    }
    const text = formatCountdown(remaining);
    if (this.countdown.textContent !== text) this.countdown.textContent = text;
    if (this.status.textContent !== status) this.status.textContent = status;
    this.el.dataset.clock = p.finished ? 'finished' : p.paused ? 'paused' : remaining <= 60_000 ? 'ending' : 'running';
    const ends = Number(p.roundEndsAtMs);
    const endsText = !p.finished && !p.paused && ends > 0 ? `The round ends at about ${clockTimeIn(ends, this.timeZone())}.` : '';
    if (this.endsAt.textContent !== endsText) this.endsAt.textContent = endsText;
  }
}

export class GroupCard {
  readonly el: HTMLElement;
  private readonly room = h('p', { class: 'p-room', 'data-testid': 'room' });
  private readonly exercise = h('p', { class: 'p-exercise-line muted' });
  private readonly role = h('p', { class: 'p-role', 'data-testid': 'role' });
  private readonly partnersLabel = h('p', { class: 'p-label' }, 'Partner');
  private readonly partners = h('p', { class: 'p-partners', 'data-testid': 'partners' });
  private readonly roleChange = h('p', { class: 'banner info p-role-change', role: 'status', hidden: true });
  // A regroup during the round (a partner gone, a late joiner slotted in) moves people between
  // Zoom rooms, which Zoom does not do by itself: say where to go, until dismissed or the round ends.
  private readonly moveText = h('p', { class: 'p-move-text', 'data-testid': 'move-notice' });
  private readonly moveDismiss = h('button', { type: 'button', class: 'secondary p-dismiss', 'aria-label': 'Dismiss the notice about your room' }, 'Dismiss');
  private readonly moveNotice = h('div', { class: 'banner warn p-move', role: 'status', 'aria-live': 'polite', hidden: true },
    this.moveText, this.moveDismiss);
  private last: Assignment | undefined;

  constructor() {
    this.moveDismiss.addEventListener('click', () => {
      this.moveNotice.hidden = true;
      this.room.focus();
    });
    this.room.setAttribute('tabindex', '-1');
    this.el = h('section', { class: 'card p-group', 'aria-label': 'Your group' },
      this.moveNotice,
      h('div', { class: 'p-room-line' }, h('p', { class: 'p-label' }, 'Breakout room'), this.room),
      this.exercise,
      this.roleChange,
      h('div', { class: 'p-who' },
        h('div', {}, h('p', { class: 'p-label' }, 'Your role'), this.role),
        h('div', {}, this.partnersLabel, this.partners)));
  }

  /** `lateJoin`: this is the person's first group in a round already running (a late joiner,
   *  or someone back from a break), so the page says plainly where they join and with whom. */
  update(a: Assignment, lateJoin = false): void {
    const before = this.last;
    this.last = a;
    this.room.textContent = a.room;
    this.exercise.textContent = `Round ${a.round} · ${a.exerciseTitle}`;
    this.role.textContent = a.roleName || a.roleId;
    const names = [...a.partnerNames];
    this.partnersLabel.textContent = names.length > 1 ? 'Partners' : names.length === 1 ? 'Partner' : 'Working with';
    // One element per name (for reading them one by one), joined by words for the eye.
    const parts: (HTMLElement | string)[] = [];
    names.forEach((n, i) => {
      if (i > 0) parts.push(i === names.length - 1 ? ' and ' : ', ');
      parts.push(h('span', { class: 'p-partner', 'data-testid': 'partner' }, n));
    });
    if (a.withFacilitator) parts.push(names.length ? ', with the facilitator' : 'The facilitator: you practise with the facilitator');
    else if (!names.length) parts.push('Your partner is being found…');
    this.partners.replaceChildren(...parts);
    const sameRound = !!before && before.round === a.round;
    const moved = sameRound && !!before && (before.room !== a.room || !samePeople(before, a));
    if (moved || (lateJoin && !sameRound)) {
      const where = `${a.room}${withWhom(a)}, ${roleWords(a)}`;
      this.moveText.textContent = moved
        ? `You are now in ${where}. In Zoom, move to ${a.room} (ask your facilitator if you cannot).`
        : `You join ${where}. In Zoom, go to ${a.room} (ask your facilitator if you cannot).`;
      this.moveNotice.hidden = false;
    } else if (!sameRound) {
      this.moveNotice.hidden = true;
    }
    // Roles swap between phases: say so, since the whole card below changes meaning.
    const swapped = !!before && sameRound && !moved && before.roleId !== a.roleId;
    if (moved) {
      this.roleChange.hidden = true;
    } else if (swapped) {
      this.roleChange.textContent = `Roles have swapped: you are now the ${a.roleName || a.roleId}.`;
      this.roleChange.hidden = false;
    } else if (!before || before.round !== a.round) {
      this.roleChange.hidden = true;
    }
  }
}

function samePeople(a: Assignment, b: Assignment): boolean {
  const x = [...a.partnerNames].sort();
  const y = [...b.partnerNames].sort();
  return x.length === y.length && x.every((n, i) => n === y[i]) && a.withFacilitator === b.withFacilitator;
}

/** " with Ana and Ben", " with the facilitator", or nothing. */
function withWhom(a: Assignment): string {
  const names = [...a.partnerNames];
  if (a.withFacilitator) names.push('the facilitator');
  if (!names.length) return '';
  return ` with ${names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`}`;
}

/** "observing", or "as the Therapist". */
function roleWords(a: Assignment): string {
  const role = a.roleName || a.roleId;
  return /observ/i.test(a.roleId) || /observ/i.test(role) ? 'observing' : `as the ${role}`;
}

function turnItem(t: Turn): HTMLLIElement {
  const at = t.atSeconds;
  const stamp = at === undefined ? null : h('span', { class: 'p-turn-at' }, formatCountdown(at * 1000));
  const [first, ...rest] = t.paragraphs;
  return h('li', {},
    h('span', { class: 'speaker' }, t.speaker), stamp,
    h('span', { class: 'p-turn-text' }, first ?? ''),
    rest.map((p) => h('span', { class: 'p-turn-para' }, p)));
}

export class MaterialCards {
  readonly el: HTMLElement;

  constructor() {
    this.el = h('div', { class: 'p-material' });
  }

  update(a: Assignment): void {
    const roleName = a.roleName || a.roleId;
    render(this.el,
      h('section', { class: 'card p-instructions', 'aria-labelledby': 'p-instr-h' },
        h('h2', { id: 'p-instr-h' }, `As the ${roleName}`),
        a.instructions ? h('p', { class: 'p-instr-text', 'data-testid': 'instructions' }, a.instructions) : null,
        a.phaseNotes.length
          ? h('div', { class: 'p-phase-notes', 'data-testid': 'phase-notes' },
              h('h3', {}, 'For this phase'),
              h('ul', {}, a.phaseNotes.map((n) => h('li', {}, n))))
          : null,
        a.checklist.length
          ? h('div', { class: 'p-checklist', 'data-testid': 'checklist' },
              h('h3', {}, 'Watch for'),
              h('ul', {}, a.checklist.map((c) => h('li', {}, c))))
          : null),
      a.brief || a.exerciseTitle
        ? h('section', { class: 'card p-brief', 'aria-labelledby': 'p-brief-h' },
            h('h2', { id: 'p-brief-h', 'data-testid': 'exercise-title' }, a.exerciseTitle || 'The exercise'),
            a.brief ? h('p', { 'data-testid': 'brief' }, a.brief) : null)
        : null,
      a.excerptTurns.length
        ? h('section', { class: 'card p-excerpt', 'aria-labelledby': 'p-excerpt-h' },
            h('h2', { id: 'p-excerpt-h' }, a.excerptTitle || 'The excerpt'),
            h('ol', { class: 'turns', 'data-testid': 'excerpt' }, a.excerptTurns.map(turnItem)))
        : null);
  }
}

export type Send = (kind: 'done' | 'help' | 'withdraw', note: string) => Promise<void>;

/** What the room has said, as the server holds it: partners see each other's presses. */
export interface RoomState {
  done: boolean;
  helpOpen: boolean;
  helpFrom: string;
  helpHandled: boolean;
}

/** "We're done" and "Ask for help". The Connection queues them while reconnecting, so they are
 *  never refused for being offline; the page only says they will go out later. */
export class ActionsCard {
  readonly el: HTMLElement;
  private readonly doneButton = h('button', { type: 'button', 'data-testid': 'done' }, "We're done");
  private readonly helpButton = h('button', { type: 'button', class: 'secondary', 'data-testid': 'help' }, 'Ask for help');
  private readonly note = h('input', { type: 'text', id: 'p-help-note', maxlength: 500, autocomplete: 'off', 'data-testid': 'help-note' });
  private readonly doneStatus = h('p', { class: 'p-quiet', role: 'status', 'data-testid': 'done-status' });
  private readonly helpStatus = h('p', { class: 'p-quiet', role: 'status', 'data-testid': 'help-status' });
  private readonly withdrawButton = h('button', { type: 'button', class: 'secondary', 'data-testid': 'withdraw-help', hidden: true },
    'Never mind, we’re fine');
  private round = 0;
  private helpWasOpen = false;
  private withdrew = false;

  constructor(private readonly send: Send, private readonly isOnline: () => boolean) {
    this.doneButton.addEventListener('click', () => void this.press('done'));
    this.helpButton.addEventListener('click', () => void this.press('help'));
    this.withdrawButton.addEventListener('click', () => void this.withdraw());
    this.note.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        ev.preventDefault();
        void this.press('help');
      }
    });
    this.el = h('section', { class: 'card p-actions', 'aria-label': 'Tell your facilitator' },
      h('div', { class: 'p-action' }, this.doneButton, this.doneStatus),
      h('div', { class: 'p-action p-help' },
        h('label', { for: 'p-help-note' }, 'Note for your facilitator (optional)',
          h('span', { class: 'hint' }, 'A few words, e.g. “our partner dropped out”.')),
        this.note,
        h('div', { class: 'actions' }, this.helpButton, this.withdrawButton),
        this.helpStatus));
  }

  /** A new round starts with nothing said yet (unless this device already said it). */
  setRound(round: number, already: { done: boolean; help: boolean }): void {
    if (round === this.round) return;
    this.round = round;
    this.doneButton.disabled = false;
    this.helpButton.disabled = false;
    this.note.value = '';
    this.doneStatus.textContent = already.done ? "Your facilitator can see you're done." : '';
    this.helpStatus.textContent = already.help ? 'Help is on its way — your facilitator has been told.' : '';
    this.doneStatus.className = 'p-quiet';
    this.helpStatus.className = 'p-quiet';
    this.helpWasOpen = false;
    this.withdrew = false;
    this.withdrawButton.hidden = true;
  }

  /** The room's state as the server holds it: what partners pressed shows here too. */
  setRoom(room: RoomState): void {
    if (room.done) {
      this.doneButton.disabled = true;
      if (!this.doneStatus.classList.contains('error-text'))
        this.doneStatus.textContent = "Your room is marked done — your facilitator can see it.";
    }
    this.withdrawButton.hidden = !room.helpOpen;
    if (room.helpOpen) {
      this.withdrew = false;
      this.helpStatus.className = 'p-quiet';
      this.helpStatus.textContent = `Help is on its way — your facilitator has been told${room.helpFrom ? ` (asked by ${room.helpFrom})` : ''}.`;
    } else if (this.helpWasOpen) {
      this.helpStatus.className = 'p-quiet';
      this.helpStatus.textContent = room.helpHandled
        ? 'Your facilitator has seen to your request.'
        : this.withdrew
          ? 'You said you are fine; ask again whenever you need to.'
          : 'Someone in your room said you are fine; ask again whenever you need to.';
    }
    this.helpWasOpen = room.helpOpen;
  }

  private async withdraw(): Promise<void> {
    if (this.withdrawButton.disabled) return;
    this.withdrawButton.disabled = true;
    this.withdrew = true;
    try {
      await this.send('withdraw', '');
    } catch (e) {
      this.withdrew = false;
      this.helpStatus.className = 'p-quiet error-text';
      this.helpStatus.textContent = e instanceof WireError ? e.message : 'This could not be sent; try again.';
    } finally {
      this.withdrawButton.disabled = false;
    }
  }

  private async press(kind: 'done' | 'help'): Promise<void> {
    const button = kind === 'done' ? this.doneButton : this.helpButton;
    const status = kind === 'done' ? this.doneStatus : this.helpStatus;
    if (button.disabled) return;
    const round = this.round;
    button.disabled = true;
    status.className = 'p-quiet';
    status.textContent = this.isOnline() ? 'Sending…' : "Saved — it will be sent as soon as you're back online.";
    try {
      await this.send(kind, kind === 'help' ? this.note.value.trim() : '');
      if (round !== this.round) return;
      status.textContent = kind === 'done'
        ? "Your facilitator can see you're done."
        : 'Help is on its way — your facilitator has been told.';
      if (kind === 'help') this.note.value = '';
    } catch (e) {
      if (round !== this.round) return;
      status.className = 'p-quiet error-text';
      status.textContent = e instanceof WireError ? e.message : 'This could not be sent; try again.';
    } finally {
      // "Done" is a state the facilitator already sees; help may be asked again with a new note.
      if (round === this.round && kind === 'help') button.disabled = false;
      if (round === this.round && kind === 'done' && status.classList.contains('error-text')) button.disabled = false;
    }
  }
}
