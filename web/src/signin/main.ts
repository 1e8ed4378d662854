// Signing in, for organisers and facilitators: <base>signin[?next=PATH]. Someone already signed
// in sees who, with Sign out and Sign out everywhere. After signing in the page goes to `next`
// when it is a page of this app, else to the people page (organisers) or the front page.
import { byId, h, render } from '../lib/dom';
import { accountBar } from '../lib/account-bar';
import {
  type Me, afterSignIn, isOrganiser, roleWithArticle, sentenceOf, signIn, signOut, signOutEverywhere, whoAmI,
} from '../lib/accounts';
import { passwordInput, showPasswordsBox } from '../lib/password';
import { homeUrl, peopleUrl } from '../lib/urls';

const app = byId('app');
const query = new URLSearchParams(location.search);
const next = query.get('next');

function page(me: Me | null, ...content: (Node | null)[]): void {
  // Signed in, this page's own card has Sign out and Sign out everywhere: not a second one above.
  render(app, accountBar(me, false), h('main', { class: 'wrap narrow' }, ...content));
}

interface Note {
  text: string;
  kind: 'ok' | 'alert';
}

function signInForm(note?: Note): void {
  const email = h('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'username', spellcheck: 'false',
    autocapitalize: 'off', required: true });
  const password = passwordInput('password', 'current-password');
  const problem = h('p', { class: 'error-text', role: 'alert', 'data-testid': 'signin-problem' });
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'card', novalidate: true },
    h('h1', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'For organisers and facilitators. Participants need no account: they join with the workshop’s code.'),
    h('label', { for: 'email' }, 'E-mail address'),
    email,
    h('label', { for: 'password' }, 'Password'),
    password,
    showPasswordsBox('show-password', [password]),
    problem,
    h('div', { class: 'actions' }, submit),
    h('p', { class: 'muted small after-form' },
      'Forgot your password, or never set one? Ask an organiser for a one-time link to set a new one.'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    problem.textContent = '';
    if (!email.value.trim() || !password.value) {
      problem.textContent = 'Enter your e-mail address and your password.';
      (email.value.trim() ? password : email).focus();
      return;
    }
    submit.disabled = true;
    try {
      const me = await signIn(email.value.trim(), password.value);
      location.assign(afterSignIn(me, next));
    } catch (e) {
      submit.disabled = false;
      problem.textContent = sentenceOf(e);
      password.select();
      password.focus();
    }
  });
  page(null,
    note ? h('p', { class: `banner ${note.kind}`, role: note.kind === 'ok' ? 'status' : 'alert', 'data-testid': 'signin-note' }, note.text) : null,
    form);
  email.focus();
}

function signedIn(me: Me): void {
  const problem = h('p', { class: 'error-text', role: 'alert' });
  const out = h('button', { type: 'button' }, 'Sign out');
  const everywhere = h('button', { type: 'button', class: 'secondary' }, 'Sign out everywhere');
  const leave = (how: () => Promise<unknown>, text: string) => async () => {
    out.disabled = everywhere.disabled = true;
    problem.textContent = '';
    try {
      await how();
      history.replaceState(history.state, '', location.pathname);
      signInForm({ text, kind: 'ok' });
    } catch (e) {
      out.disabled = everywhere.disabled = false;
      problem.textContent = sentenceOf(e);
    }
  };
  out.addEventListener('click', leave(signOut, 'You have signed out.'));
  everywhere.addEventListener('click', leave(signOutEverywhere,
    'You have signed out everywhere: every browser and device where you were signed in is signed out.'));
  const onward = afterSignIn(me, next);
  page(me, h('section', { class: 'card', 'data-testid': 'signed-in' },
    h('h1', {}, 'You are signed in'),
    h('p', {}, 'Signed in as ', h('strong', {}, me.email), `, ${roleWithArticle(me.role)}.`),
    h('div', { class: 'actions' },
      next ? h('a', { class: 'button', href: onward }, 'Continue') : null,
      isOrganiser(me) && onward !== peopleUrl() ? h('a', { class: 'button secondary', href: peopleUrl() }, 'Manage people') : null,
      h('a', { class: 'button secondary', href: homeUrl() }, 'Front page')),
    h('h2', { class: 'section-gap' }, 'Signing out'),
    h('p', { class: 'muted' }, 'Sign out everywhere also signs you out in every other browser and device, such as a shared computer you forgot to sign out of.'),
    h('div', { class: 'actions' }, out, everywhere),
    problem));
}

async function start(): Promise<void> {
  let me: Me | null;
  try {
    me = await whoAmI();
  } catch (e) {
    // Whoever is signed in cannot be told now; the form still works once the server answers.
    return signInForm({ text: sentenceOf(e), kind: 'alert' });
  }
  if (me) return signedIn(me);
  signInForm(query.get('signed-out') ? { text: 'You have signed out.', kind: 'ok' } : undefined);
}

void start();
