// The round's clock as the server keeps it: the phase, the time left (corrected by the measured
// offset to the server's clock), and the controls that change it for everyone at once.
import { ClockAction } from '@gen/dyad/v1/events_pb';
import { clockTimeIn } from '../lib/agenda';
import { formatCountdown, h } from '../lib/dom';
import { roundRunning, type DashState } from './state';
import { messageOf } from './util';

export interface ClockActions {
  control(action: ClockAction, byMs?: number): Promise<void>;
  endRound(): Promise<void>;
  serverNow(): number;
}

export interface ClockPanel {
  root: HTMLElement;
  update(s: DashState): void;
}

export function clockPanel(actions: ClockActions): ClockPanel {
  let state: DashState | undefined;
  const phaseName = h('p', { class: 'clock-phase', 'data-testid': 'clock-phase' });
  const phaseOf = h('p', { class: 'clock-of muted', 'data-testid': 'clock-phase-of' });
  const countdown = h('p', { class: 'countdown clock-countdown', 'data-testid': 'clock-countdown', role: 'timer', 'aria-live': 'off' });
  const pausedTag = h('span', { class: 'pill warn clock-paused', 'data-testid': 'clock-paused' }, 'Paused');
  const endsAt = h('p', { class: 'muted small clock-ends' });
  const error = h('p', { class: 'error-text', role: 'alert', 'data-testid': 'clock-error' });

  const plus1 = h('button', { type: 'button', class: 'secondary', title: 'Add one minute to this phase, for everyone' }, '+1 min');
  const plus5 = h('button', { type: 'button', class: 'secondary', title: 'Add five minutes to this phase, for everyone' }, '+5 min');
  const pause = h('button', { type: 'button', class: 'secondary', 'data-testid': 'pause-resume' }, 'Pause');
  const next = h('button', { type: 'button', class: 'secondary' }, 'Next phase');
  const end = h('button', { type: 'button', class: 'danger' }, 'End round');
  const controls = h('div', { class: 'actions clock-controls' }, plus1, plus5, pause, next, end);

  const root = h('div', { class: 'clock', 'data-testid': 'clock' },
    h('div', { class: 'clock-face' },
      h('div', { class: 'clock-text' }, phaseName, phaseOf),
      h('div', { class: 'clock-time' }, countdown, pausedTag)),
    endsAt, controls, error);

  async function run(button: HTMLButtonElement, work: () => Promise<void>): Promise<void> {
    error.textContent = '';
    button.disabled = true;
    try {
      await work();
    } catch (e) {
      error.textContent = messageOf(e);
    } finally {
      button.disabled = false;
      if (state) update(state);
    }
  }

  plus1.addEventListener('click', () => void run(plus1, () => actions.control(ClockAction.EXTEND, 60_000)));
  plus5.addEventListener('click', () => void run(plus5, () => actions.control(ClockAction.EXTEND, 300_000)));
  pause.addEventListener('click', () =>
    void run(pause, () => actions.control(state?.phase?.paused ? ClockAction.RESUME : ClockAction.PAUSE)));
  next.addEventListener('click', () => void run(next, () => actions.control(ClockAction.NEXT_PHASE)));
  end.addEventListener('click', () => {
    if (!state) return;
    if (!window.confirm(`End round ${state.round} for everyone now? Every group's timer stops.`)) return;
    void run(end, () => actions.endRound());
  });

  function tick(): void {
    const p = state?.phase;
    if (!state || !p) return;
    let ms: number;
    if (p.finished) ms = 0;
    else if (p.paused) ms = Number(p.remainingMs);
    else ms = Number(p.deadlineMs) - actions.serverNow();
    const text = formatCountdown(ms);
    if (countdown.textContent !== text) countdown.textContent = text;
    countdown.classList.toggle('low', !p.finished && !p.paused && ms < 60_000);
  }
  window.setInterval(tick, 250);

  function update(s: DashState): void {
    state = s;
    const p = s.phase;
    const running = roundRunning(s);
    root.hidden = !p;
    if (!p) return;
    root.dataset.running = String(running);
    root.dataset.paused = String(!!p.paused && running);
    phaseName.textContent = p.finished ? `Round ${s.round} has ended` : p.phaseName || 'Phase';
    phaseOf.textContent = p.finished ? '' : `Phase ${p.phaseIndex + 1} of ${p.phaseCount}`;
    pausedTag.hidden = !(running && p.paused);
    // An ended round has no time left to show; 0:00 in large type would only alarm.
    countdown.hidden = !!p.finished;
    endsAt.textContent = running
      ? p.paused
        ? 'The clock is paused for everyone; resume to carry on.'
        : `The round ends at about ${clockTimeIn(p.roundEndsAtMs, s.plan?.timeZone)}.`
      : '';
    pause.textContent = p.paused ? 'Resume' : 'Pause';
    pause.title = p.paused ? 'Resume the clock for everyone' : 'Pause the clock for everyone';
    for (const b of [plus1, plus5, pause, next, end]) b.disabled = !running;
    controls.hidden = !running;
    tick();
  }

  return { root, update };
}
