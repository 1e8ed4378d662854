// The people who sign in, for organisers: <base>people. Who has an account and with what role,
// an invitation that answers with a one-time link to pass on (Dyad sends no e-mail), a new link
// for someone who lost theirs or never used it, a change of role, and removal, which ends the
// person's sessions at once. One state object; the list and the link panels draw from it.
import { HttpError, byId, h, render } from '../lib/dom';
import { accountBar } from '../lib/account-bar';
import {
  type AccountEntry, type Me, type OneTimeLink, type Role, changeRole, invite, isOrganiser, isSignedOut, listAccounts, newLink,
  removeAccount, roleTitle, roleWithArticle, sentenceOf, whoAmI,
} from '../lib/accounts';
import { copyStatus, copyText } from '../lib/clipboard';
import { homeUrl, signInUrl } from '../lib/urls';

/** A one-time link on show: under the invitation form, or under the person it was made for. */
interface ShownLink {
  accountId: string;
  email: string;
  url: string;
  expiresMs: number;
  invited: boolean;
}

interface State {
  me: Me;
  people: AccountEntry[];
  link: ShownLink | null;
  /** What the last change did, said in the list's status line. */
  note: string;
  problem: string;
}

const app = byId('app');

// ---- the pages for those who may not manage people -----------------------------------------

function signedOutView(sessionEnded: boolean): void {
  render(app, accountBar(null), h('main', { class: 'wrap narrow' },
    h('section', { class: 'card', 'data-testid': 'people-signed-out' },
      h('h1', { tabindex: -1 }, sessionEnded ? 'You are signed out' : 'Sign in to manage people'),
      h('p', {}, sessionEnded
        ? 'Your session has ended: you signed out elsewhere, or an organiser changed your account. Sign in again to go on.'
        : 'This page is for organisers. Sign in first, and you come back here.'),
      h('div', { class: 'actions' }, h('a', { class: 'button', href: signInUrl('people') }, 'Sign in')))));
  app.querySelector<HTMLElement>('h1')?.focus();
}

function onlyOrganisersView(me: Me): void {
  render(app, accountBar(me), h('main', { class: 'wrap narrow' },
    h('section', { class: 'card', 'data-testid': 'people-forbidden' },
      h('h1', { tabindex: -1 }, 'Only organisers manage people'),
      h('p', {}, 'You are signed in as ', h('strong', {}, me.email), `, ${roleWithArticle(me.role)}. `,
        'Organisers invite people, make new links and change roles; ask one of them if you need a change.'),
      h('div', { class: 'actions' }, h('a', { class: 'button secondary', href: homeUrl() }, 'Front page')))));
}

/** Any failure of a request: a session that ended or a role taken away changes the whole page;
 *  anything else is said where the person is working. */
function handled(e: unknown, state: State): boolean {
  if (isSignedOut(e)) {
    signedOutView(true);
    return true;
  }
  if (e instanceof HttpError && e.status === 403) {
    onlyOrganisersView({ ...state.me, role: 'facilitator' });
    return true;
  }
  return false;
}

// ---- one-time links -------------------------------------------------------------------------

const when = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' });

function shown(link: OneTimeLink, invited: boolean): ShownLink {
  return { accountId: link.account?.accountId ?? '', email: link.account?.email ?? '', url: link.url, expiresMs: Number(link.expiresMs), invited };
}

function linkPanel(link: ShownLink): HTMLElement {
  const id = `link-${link.accountId}`;
  const field = h('input', { id, type: 'text', readonly: true, value: link.url, class: 'mono link-field', spellcheck: 'false',
    'aria-describedby': `${id}-how` });
  const status = copyStatus();
  const copy = h('button', { type: 'button', 'data-focus': `copy:${link.accountId}` }, 'Copy link');
  copy.addEventListener('click', () => void copyText(link.url, status, field));
  return h('div', { class: 'link-panel', 'data-testid': 'one-time-link' },
    h('label', { for: id }, `${link.invited ? 'Invitation link' : 'New link'} for ${link.email}`),
    field,
    h('div', { class: 'actions' }, copy),
    status,
    h('p', { id: `${id}-how` }, 'Send this link privately; it works once, within 24 hours. Dyad sends no e-mail.'),
    h('p', { class: 'muted small' }, `It stops working on ${when.format(link.expiresMs)}.`));
}

// ---- the organiser's page -------------------------------------------------------------------

/** Asks before a removal; resolves true when the organiser confirms. */
function confirmRemoval(dialog: HTMLDialogElement, email: string): Promise<boolean> {
  const yes = h('button', { type: 'button', class: 'danger' }, 'Remove');
  const no = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  render(dialog,
    h('h2', { id: 'remove-h' }, `Remove ${email}?`),
    h('p', {}, 'They can no longer sign in, and wherever they are signed in now, they are signed out at once.'),
    h('p', { class: 'muted' }, 'You can invite them again later; they would choose a new password.'),
    h('div', { class: 'actions' }, yes, no));
  return new Promise((resolve) => {
    const finish = (answer: boolean) => {
      dialog.close();
      resolve(answer);
    };
    yes.addEventListener('click', () => finish(true));
    no.addEventListener('click', () => finish(false));
    dialog.addEventListener('cancel', () => resolve(false), { once: true });
    dialog.showModal();
    no.focus();
  });
}

function organiserView(state: State): void {
  const listHeading = h('h2', { id: 'people-h', tabindex: -1 }, 'Who can sign in');
  const list = h('ul', { class: 'people', 'aria-labelledby': 'people-h' });
  const note = h('p', { class: 'people-note', role: 'status', 'data-testid': 'people-note' });
  const problem = h('p', { class: 'error-text', role: 'alert', 'data-testid': 'people-problem' });
  const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'remove-h' });
  const inviteResult = h('div', { class: 'invite-result' });

  const busy = async (work: () => Promise<void>) => {
    state.problem = '';
    try {
      await work();
    } catch (e) {
      if (handled(e, state)) return;
      state.problem = sentenceOf(e);
      if (e instanceof HttpError && e.status === 404) state.people = await listAccounts().catch(() => state.people);
    }
    draw();
  };

  function personEntry(p: AccountEntry): HTMLElement {
    const self = p.accountId === state.me.accountId;
    const other: Role = p.role === 'organiser' ? 'facilitator' : 'organiser';
    const who = h('span', { class: 'visually-hidden' }, ` (${p.email})`);
    const linkButton = h('button', { type: 'button', class: 'secondary', 'data-focus': `link:${p.accountId}` }, 'New link', who.cloneNode(true));
    linkButton.addEventListener('click', () => busy(async () => {
      state.link = shown(await newLink(p.accountId), false);
      state.note = `A new one-time link for ${p.email} is ready to copy below their name.`;
    }));
    const roleButton = self ? null : h('button', { type: 'button', class: 'secondary', 'data-focus': `role:${p.accountId}` },
      `Make ${other}`, who.cloneNode(true));
    roleButton?.addEventListener('click', () => busy(async () => {
      await changeRole(p.accountId, other);
      state.people = await listAccounts();
      state.note = `${p.email} is now ${roleWithArticle(other)}.`;
    }));
    const removeButton = self ? null : h('button', { type: 'button', class: 'danger', 'data-focus': `remove:${p.accountId}` },
      'Remove', who.cloneNode(true));
    removeButton?.addEventListener('click', async () => {
      if (!(await confirmRemoval(dialog, p.email))) return removeButton.focus();
      await busy(async () => {
        await removeAccount(p.accountId);
        if (state.link?.accountId === p.accountId) state.link = null;
        state.people = await listAccounts();
        state.note = `${p.email} was removed; wherever they were signed in, they are signed out.`;
      });
      listHeading.focus();
    });
    return h('li', { class: 'person', 'data-testid': 'person', 'data-email': p.email },
      h('div', { class: 'person-head' },
        h('span', { class: 'person-email' }, p.email, self ? h('span', { class: 'muted' }, ' (you)') : null),
        h('span', { class: 'pills' },
          h('span', { class: 'pill', 'data-testid': 'person-role' }, roleTitle(p.role)),
          p.passwordSet ? null : h('span', { class: 'pill warn', 'data-testid': 'no-password' }, 'no password yet'))),
      h('div', { class: 'actions' }, linkButton, roleButton, removeButton),
      state.link && !state.link.invited && state.link.accountId === p.accountId ? linkPanel(state.link) : null);
  }

  function draw(): void {
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.focus;
    render(list, ...state.people.map(personEntry));
    render(inviteResult, state.link?.invited ? linkPanel(state.link) : null);
    note.textContent = state.note;
    problem.textContent = state.problem;
    if (focused) app.querySelector<HTMLElement>(`[data-focus="${CSS.escape(focused)}"]`)?.focus();
  }

  const email = h('input', { id: 'invite-email', name: 'email', type: 'email', autocomplete: 'off', spellcheck: 'false',
    autocapitalize: 'off', required: true });
  const inviteProblem = h('p', { class: 'error-text', role: 'alert', 'data-testid': 'invite-problem' });
  const roleChoice = (role: Role, hint: string) => h('label', { class: 'choice', for: `role-${role}` },
    h('input', { id: `role-${role}`, type: 'radio', name: 'role', value: role, checked: role === 'facilitator' }),
    h('span', {}, roleTitle(role), h('span', { class: 'hint' }, hint)));
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'invite-h' },
    h('h2', { id: 'invite-h' }, 'Invite someone'),
    h('p', { class: 'muted' }, 'They get a one-time link to choose their password. You send it to them yourself: Dyad sends no e-mail.'),
    h('label', { for: 'invite-email' }, 'E-mail address'),
    email,
    h('fieldset', { class: 'roles' },
      h('legend', {}, 'Role'),
      roleChoice('facilitator', 'runs workshops on the day'),
      roleChoice('organiser', 'also invites people, makes new links and changes roles')),
    inviteProblem,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create invitation link')),
    inviteResult);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    inviteProblem.textContent = '';
    const address = email.value.trim();
    if (!address) {
      inviteProblem.textContent = 'Enter the e-mail address of the person you invite.';
      email.focus();
      return;
    }
    const role = (form.querySelector<HTMLInputElement>('input[name=role]:checked')?.value ?? 'facilitator') as Role;
    try {
      state.link = shown(await invite(address, role), true);
      state.people = await listAccounts();
      state.note = '';
      state.problem = '';
      email.value = '';
      draw();
      inviteResult.querySelector<HTMLElement>('button')?.focus();
    } catch (e) {
      if (handled(e, state)) return;
      inviteProblem.textContent = sentenceOf(e);
      email.focus();
    }
  });

  render(app, accountBar(state.me), h('main', { class: 'wrap people-page' },
    h('h1', {}, 'People'),
    h('p', { class: 'muted' }, 'Organisers and facilitators sign in to Dyad with their e-mail address and a password they choose. Participants need no account.'),
    h('div', { class: 'people-grid' },
      form,
      h('section', { class: 'card', 'aria-labelledby': 'people-h' }, listHeading, note, problem, list)),
    dialog));
  draw();
}

async function start(): Promise<void> {
  let me: Me | null = null;
  try {
    me = await whoAmI();
    if (!me) return signedOutView(false);
    if (!isOrganiser(me)) return onlyOrganisersView(me);
    const state: State = { me, people: await listAccounts(), link: null, note: '', problem: '' };
    organiserView(state);
  } catch (e) {
    if (isSignedOut(e)) return signedOutView(true);
    if (me && e instanceof HttpError && e.status === 403) return onlyOrganisersView({ ...me, role: 'facilitator' });
    render(app, accountBar(null), h('main', { class: 'wrap narrow' },
      h('section', { class: 'card' },
        h('h1', {}, 'The list of people could not be loaded'),
        h('p', { class: 'error-text', role: 'alert' }, sentenceOf(e)),
        h('div', { class: 'actions' }, h('a', { class: 'button', href: location.href }, 'Try again')))));
  }
}

void start();
