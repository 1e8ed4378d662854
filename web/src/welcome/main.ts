// The page a one-time link opens, <base>welcome#t=TOKEN: whose link it is, then a password for
// that account, after which the person is signed in. The token lives in the fragment (never sent
// in a request line or a Referer) and is taken out of the address bar as soon as it is read, so
// it does not linger in the history or on a screen someone shares.
import { HttpError, byId, fragmentParam, h, render } from '../lib/dom';
import { accountBar } from '../lib/account-bar';
import { type Me, checkLink, isOrganiser, redeemLink, roleWithArticle, sentenceOf } from '../lib/accounts';
import { passwordInput, showPasswordsBox } from '../lib/password';
import { homeUrl, peopleUrl, signInUrl, workspaceUrl } from '../lib/urls';

const app = byId('app');
const token = fragmentParam('t').trim();
if (location.hash) history.replaceState(history.state, '', `${location.pathname}${location.search}`);

function page(me: Me | null, ...content: (Node | null)[]): void {
  render(app, accountBar(me), h('main', { class: 'wrap narrow' }, ...content));
  app.querySelector<HTMLElement>('h1')?.focus();
}

function heading(text: string): HTMLHeadingElement {
  return h('h1', { tabindex: -1 }, text);
}

function checking(): void {
  page(null, h('section', { class: 'card', 'aria-busy': 'true' }, heading('Checking your link…')));
}

function noToken(): void {
  page(null, h('section', { class: 'card', 'data-testid': 'welcome-no-link' },
    heading('This page needs your whole link'),
    h('p', {}, 'Open the link you were sent once more, copying all of it: it ends in #t= followed by a long code.'),
    h('p', {}, 'Already chose a password? ', h('a', { href: signInUrl() }, 'Sign in'), '.')));
}

function used(sentence: string): void {
  page(null, h('section', { class: 'card', 'data-testid': 'welcome-used' },
    heading('This link no longer works'),
    h('p', {}, sentence),
    h('p', {}, 'A link works once, within 24 hours. An organiser can make you a new one on Dyad’s People page: ask the one who sent you this link.'),
    h('p', {}, 'Already chose a password with it? ', h('a', { href: signInUrl() }, 'Sign in'), '.')));
}

function unreachable(sentence: string): void {
  const retry = h('button', { type: 'button' }, 'Try again');
  retry.addEventListener('click', () => void start());
  page(null, h('section', { class: 'card' },
    heading('Your link could not be checked'),
    h('p', { class: 'error-text', role: 'alert' }, sentence),
    h('div', { class: 'actions' }, retry)));
}

function form(owner: Me): void {
  const password = passwordInput('new-password', 'new-password', 'password-rule');
  const again = passwordInput('password-again', 'new-password');
  const problem = h('p', { class: 'error-text', role: 'alert', 'data-testid': 'welcome-problem' });
  const submit = h('button', { type: 'submit' }, 'Set password and sign in');
  const f = h('form', { class: 'card', novalidate: true },
    heading(`Set the password for ${owner.email}`),
    h('p', { class: 'muted' }, `You are joining Dyad as ${roleWithArticle(owner.role)}. Choose the password you will sign in with.`),
    // An address the password manager can save the password under.
    h('input', { type: 'email', name: 'username', autocomplete: 'username', value: owner.email, hidden: true, readonly: true }),
    h('label', { for: 'new-password' }, 'New password'),
    h('p', { class: 'hint', id: 'password-rule' }, 'At least 10 characters. A few words you will remember work well, such as a short sentence.'),
    password,
    h('label', { for: 'password-again' }, 'Type it again'),
    again,
    showPasswordsBox('show-passwords', [password, again]),
    problem,
    h('div', { class: 'actions' }, submit));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    problem.textContent = '';
    if (!password.value) {
      problem.textContent = 'Choose a password of at least 10 characters.';
      password.focus();
      return;
    }
    if (password.value !== again.value) {
      problem.textContent = 'The two passwords differ; type the same password in both fields.';
      again.focus();
      return;
    }
    submit.disabled = true;
    try {
      done(await redeemLink(token, password.value));
    } catch (e) {
      submit.disabled = false;
      if (e instanceof HttpError && e.status === 404) return used(e.message);
      problem.textContent = sentenceOf(e);
      password.focus();
    }
  });
  page(null, f);
}

function done(me: Me): void {
  page(me, h('section', { class: 'card', 'data-testid': 'welcome-done' },
    heading('Your password is set'),
    h('p', { role: 'status' }, 'You are signed in as ', h('strong', {}, me.email), `, ${roleWithArticle(me.role)}.`),
    h('p', { class: 'muted' }, 'Next time, sign in with this e-mail address and password. The link you used no longer works.'),
    h('div', { class: 'actions' },
      h('a', { class: 'button', href: workspaceUrl() }, 'Open your workspace'),
      isOrganiser(me) ? h('a', { class: 'button secondary', href: peopleUrl() }, 'Manage people') : null,
      h('a', { class: 'button secondary', href: homeUrl() }, 'Go to the front page'))));
}

async function start(): Promise<void> {
  if (!token) return noToken();
  checking();
  try {
    form(await checkLink(token));
  } catch (e) {
    if (e instanceof HttpError && e.status === 404) used(e.message);
    else unreachable(sentenceOf(e));
  }
}

void start();
