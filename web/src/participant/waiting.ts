// Between rounds: what the day holds, what comes next, and "I'm stepping away" so that nobody is
// paired with an empty chair.
import type { AgendaBlock } from '@gen/dyad/v1/plan_pb';
import { h, render } from '../lib/dom';
import { WireError } from '../lib/wire';
import { agendaPosition, minutesInZone } from '../lib/agenda';
import { nextLine, renderAgenda } from './agenda';

export interface WaitingData {
  title: string;
  agenda: readonly AgendaBlock[];
  presenter: string;
  away: boolean;
  /** The plan's IANA zone for the agenda's times; the browser's own when empty. */
  timeZone: string;
}

export class WaitingView {
  readonly el: HTMLElement;
  private readonly heading = h('h2', { 'data-testid': 'waiting-heading' });
  private readonly line = h('p', { 'data-testid': 'waiting-line' });
  private readonly next = h('p', { class: 'p-next', 'data-testid': 'agenda-next' });
  private readonly awayButton = h('button', { type: 'button', class: 'secondary', 'data-testid': 'away-toggle' });
  private readonly awayStatus = h('p', { class: 'p-quiet', role: 'status' });
  private readonly agendaCard = h('section', { class: 'card p-agenda-card', 'aria-labelledby': 'p-agenda-h' });
  private data: WaitingData = { title: '', agenda: [], presenter: '', away: false, timeZone: '' };
  private readonly title = h('p', { class: 'p-day-title' });
  private posKey = '';

  constructor(private readonly serverNow: () => number,
              private readonly setAway: (away: boolean) => Promise<void>) {
    this.awayButton.addEventListener('click', () => void this.toggle());
    this.el = h('div', { class: 'p-waiting', 'data-testid': 'waiting' },
      h('section', { class: 'card p-waiting-card', 'aria-labelledby': 'p-waiting-h' },
        h('div', { id: 'p-waiting-h' }, this.heading),
        this.title,
        this.line,
        this.next,
        h('div', { class: 'actions' }, this.awayButton),
        this.awayStatus),
      this.agendaCard);
  }

  update(data: WaitingData): void {
    const agendaChanged = data.agenda !== this.data.agenda || data.presenter !== this.data.presenter || data.timeZone !== this.data.timeZone;
    this.data = data;
    this.title.textContent = data.title;
    this.heading.textContent = data.away ? 'You are marked as away' : 'You’re in';
    this.line.textContent = data.away
      ? "You will not be paired while you are away. Press “I'm back” when you return."
      : 'You will be paired when the facilitator starts a round. Keep this page open.';
    this.awayButton.textContent = data.away ? "I'm back" : "I'm stepping away";
    this.awayButton.setAttribute('aria-pressed', data.away ? 'true' : 'false');
    this.el.dataset.away = data.away ? 'true' : 'false';
    if (agendaChanged) this.posKey = '';
    this.tick();
  }

  /** The current block moves with the clock; redraw only when it does. */
  tick(): void {
    const agenda = this.data.agenda;
    const pos = agendaPosition(agenda, minutesInZone(this.serverNow(), this.data.timeZone || undefined));
    const key = `${pos.current}/${pos.next}`;
    if (key === this.posKey) return;
    this.posKey = key;
    this.next.textContent = nextLine(agenda, pos);
    this.next.hidden = !this.next.textContent;
    if (agenda.length === 0) {
      this.agendaCard.hidden = true;
      return;
    }
    this.agendaCard.hidden = false;
    render(this.agendaCard,
      h('h2', { id: 'p-agenda-h' }, 'The day'),
      this.data.presenter ? h('p', { class: 'muted small' }, `With ${this.data.presenter}`) : null,
      renderAgenda(agenda, pos));
  }

  private async toggle(): Promise<void> {
    const want = !this.data.away;
    this.awayButton.disabled = true;
    this.awayStatus.className = 'p-quiet';
    this.awayStatus.textContent = 'Sending…';
    try {
      await this.setAway(want);
      this.awayStatus.textContent = want ? 'You are marked as away.' : 'Welcome back: you can be paired again.';
    } catch (e) {
      this.awayStatus.className = 'p-quiet error-text';
      this.awayStatus.textContent = e instanceof WireError ? e.message : 'This could not be sent; try again.';
    } finally {
      this.awayButton.disabled = false;
    }
  }
}
