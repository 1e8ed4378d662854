// The front page: enter a workshop code, go to its participant page.
import { h, render, byId } from '../lib/dom';
import { homeUrl, joinUrl, signInUrl } from '../lib/urls';

const app = byId('app');
const input = h('input', { id: 'code', type: 'text', name: 'code', autocomplete: 'off', autocapitalize: 'characters',
  spellcheck: 'false', placeholder: 'e.g. DUNE-4827', required: true });
const error = h('p', { class: 'error-text', role: 'alert' });
const form = h('form', { class: 'card', novalidate: true },
  h('h1', {}, 'Join a workshop'),
  h('p', { class: 'muted' }, 'Your facilitator shares a link or a code in the call’s chat. Enter the code here.'),
  h('label', { for: 'code' }, 'Workshop code'),
  input,
  error,
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Continue')));
form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const code = input.value.trim().toUpperCase().replace(/\s+/g, '');
  if (!/^[A-Z0-9-]{4,32}$/.test(code)) {
    error.textContent = 'Enter the code as your facilitator wrote it, for example DUNE-4827.';
    input.focus();
    return;
  }
  location.href = joinUrl(code);
});
render(app,
  h('header', { class: 'topbar' }, h('a', { class: 'brand', href: homeUrl() }, 'Dyad')),
  h('main', { class: 'wrap' },
    h('p', { class: 'muted' }, 'Paired practice for live workshops: your partner, your role, the exercise and the clock, beside the video call.'),
    form,
    h('p', { class: 'muted small staff-link' }, h('a', { href: signInUrl() }, 'Organisers and facilitators: sign in'))));
input.focus();
