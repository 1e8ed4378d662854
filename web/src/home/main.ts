// The front page: enter a workshop code, go to its participant page. Organisers and
// facilitators who are signed in in this browser are offered their workspace first; anyone else,
// a quiet way to sign in.
import { h, render, byId } from '../lib/dom';
import { apiUrl, homeUrl, joinUrl, signInUrl, workspaceUrl } from '../lib/urls';

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
// Filled when someone is signed in: their way back to the workspace, before anything else.
const staff = h('div', { class: 'staff' });
const staffLink = h('p', { class: 'muted small staff-link' }, h('a', { href: signInUrl() }, 'Organisers and facilitators: sign in'));
render(app,
  h('header', { class: 'topbar' }, h('a', { class: 'brand', href: homeUrl() }, 'Dyad')),
  h('main', { class: 'wrap' },
    staff,
    h('p', { class: 'muted' }, 'Paired practice for live workshops: your partner, your role, the exercise and the clock, beside the video call.'),
    form,
    staffLink));
input.focus();

/** Who is signed in in this browser (GET api/me, the session cookie), or null. Read as plain
 *  JSON rather than through lib/accounts.ts: this is the participants' front page, and the
 *  generated schemas would add some 30 KB for a question of one field. */
async function signedInEmail(): Promise<string | null> {
  try {
    const res = await fetch(apiUrl('me'), { cache: 'no-store', credentials: 'same-origin' });
    if (!res.ok) return null;
    const me = (await res.json()) as { email?: unknown };
    return typeof me.email === 'string' && me.email ? me.email : null;
  } catch {
    return null; // unreachable: the sign-in link stays
  }
}

void signedInEmail().then((email) => {
  if (!email) return;
  render(staff, h('section', { class: 'card staff-card', 'aria-labelledby': 'staff-h', 'data-testid': 'staff-card' },
    h('h2', { id: 'staff-h' }, 'Your workspace'),
    h('p', {}, 'You are signed in as ', h('strong', {}, email), '.'),
    h('div', { class: 'actions' }, h('a', { class: 'button', href: workspaceUrl(), 'data-testid': 'open-workspace' }, 'Open your workspace'))));
  staffLink.remove();
});
