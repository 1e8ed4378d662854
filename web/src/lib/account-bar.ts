// The header of the pages where organisers and facilitators sign in: who is signed in here, and
// a Sign out button that works from any of them.
import { h } from './dom';
import { type Me, isSignedOut, roleWithArticle, sentenceOf, signOut } from './accounts';
import { appUrl, homeUrl } from './urls';

/** The sign-in page after signing out: it says so above the form. */
export function signedOutUrl(): string {
  return `${appUrl('signin')}?signed-out=1`;
}

/** The top bar: Dyad's name, and when someone is signed in, who and (unless the page offers its
 *  own, `withSignOut` false) a Sign out button. */
export function accountBar(me: Me | null, withSignOut = true): HTMLElement {
  const bar = h('header', { class: 'topbar account-bar' }, h('a', { class: 'brand', href: homeUrl() }, 'Dyad'));
  if (!me) return bar;
  const who = h('p', { class: 'who', 'data-testid': 'signed-in-as' },
    h('span', { class: 'who-label' }, 'Signed in as '), h('strong', { class: 'who-email' }, me.email),
    h('span', { class: 'visually-hidden' }, `, ${roleWithArticle(me.role)}`));
  if (!withSignOut) {
    bar.append(who);
    return bar;
  }
  const problem = h('p', { class: 'error-text small', role: 'alert' });
  const button = h('button', { type: 'button', class: 'secondary' }, 'Sign out');
  button.addEventListener('click', async () => {
    button.disabled = true;
    problem.textContent = '';
    try {
      await signOut();
    } catch (e) {
      // A session that has already ended is as good as signed out.
      if (!isSignedOut(e)) {
        problem.textContent = sentenceOf(e);
        button.disabled = false;
        return;
      }
    }
    location.assign(signedOutUrl());
  });
  bar.append(who, button, problem);
  return bar;
}
