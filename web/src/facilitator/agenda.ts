// The day's timetable beside the controls, with the block the clock says we are in marked.
import { AgendaBlockKind, type AgendaBlock } from '@gen/dyad/v1/plan_pb';
import { Lifecycle } from '@gen/dyad/v1/events_pb';
import { agendaPosition, kindName, minutesInZone } from '../lib/agenda';
import { h, render } from '../lib/dom';
import { roundInUse, type DashState } from './state';

export interface AgendaPanel {
  root: HTMLElement;
  update(s: DashState): void;
}

/** `serverNow` is the server's clock as this page knows it, so a wrong device clock marks the right block. */
export function agendaPanel(useExercise: (exerciseId: string) => void, serverNow: () => number): AgendaPanel {
  let state: DashState | undefined;
  const list = h('ol', { class: 'agenda' });
  const zone = h('p', { class: 'muted small' });
  const root = h('section', { class: 'card agenda-panel', 'aria-labelledby': 'agenda-h' },
    h('h2', { id: 'agenda-h' }, 'Today'), zone, list);

  function block(b: AgendaBlock, current: boolean, choosing: boolean): HTMLLIElement {
    const choose = choosing && b.kind === AgendaBlockKind.EXERCISE && b.exerciseId
      ? h('button', { type: 'button', class: 'linkish' }, 'Choose', h('span', { class: 'visually-hidden' }, ` “${b.title}” for the next round`))
      : null;
    choose?.addEventListener('click', () => useExercise(b.exerciseId));
    const kind = kindName(b.kind);
    return h('li', { class: `agenda-block${current ? ' current' : ''}`,
      'aria-current': current ? 'time' : null, 'data-exercise': b.exerciseId || null },
      h('span', { class: 'time' }, `${b.start}–${b.end}`),
      h('span', { class: 'agenda-title' },
        b.title,
        kind ? h('span', { class: 'muted small agenda-kind' }, ` · ${kind}`) : null,
        current ? h('span', { class: 'pill now' }, 'now') : null,
        choose));
  }

  function draw(): void {
    const plan = state?.plan;
    if (!plan) return;
    root.hidden = plan.agenda.length === 0;
    const running = state && roundInUse(state) ? state.exerciseId : '';
    const { current } = agendaPosition(plan.agenda, minutesInZone(serverNow(), plan.timeZone || undefined), running);
    zone.textContent = plan.timeZone ? `Times in ${plan.timeZone.replace(/_/g, ' ')}.` : '';
    // Once feedback is open no round can start: nothing left to choose.
    const choosing = state?.lifecycle !== Lifecycle.FEEDBACK && state?.lifecycle !== Lifecycle.CLOSED;
    render(list, plan.agenda.map((b, i) => block(b, i === current, choosing)));
  }
  window.setInterval(draw, 60_000);

  let drawnFor = '';
  function update(s: DashState): void {
    state = s;
    // The plan never changes while the page is open: draw once, then each minute, and again
    // when the workshop moves on (a round starts or ends; "Choose" goes once feedback opens).
    const key = `${s.lifecycle}/${s.round}/${roundInUse(s) ? s.exerciseId : ''}`;
    if (drawnFor !== key || list.childElementCount === 0) {
      drawnFor = key;
      draw();
    }
  }
  return { root, update };
}
