// Organisers and facilitators signing in: the first organiser sets a password with the link the
// server printed (a too-short one first), the used link says so, signing out and in (a wrong
// password, the slowed sign-in, the right one), an invitation whose link is copied and used in
// another browser, a facilitator kept out of the people page, a removal that signs them out at
// once; the session cookie's flags; every page at 360 px and 1280 px, checked by axe-core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, checkedScreenshots, newPerson, useServerAndBrowser, waitForText, waitUntil } from './harness.mjs';
import { shootBoth } from './pages.mjs';

const env = useServerAndBrowser(['--first-organiser', 'first@example.org']);

const ORGANISER = { email: 'first@example.org', password: 'calm river at dawn' };
const FACILITATOR = { email: 'f@example.org', password: 'tea by the window' };

/** Console errors and uncaught exceptions of a page opened later in a context. */
function watched(page, errors) {
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return page;
}

/** The session cookie of a browser context, or undefined. */
async function sessionCookie(context) {
  return (await context.cookies()).find((c) => c.name === 'dyad_session');
}

async function signInWith(page, email, password) {
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('Browser.Accounts: the first organiser\'s link, signing in and out, an invitation, a facilitator kept out of people, a removal that signs them out', async () => {
  const { shoot, problems: a11y } = checkedScreenshots();
  const base = env.server.base;
  const first = await env.server.firstOrganiserLink();
  assert.match(first, new RegExp(`^${base}/welcome#t=[0-9a-f]{16,}$`), `the banner prints the first organiser's link on the server's address: ${first}`);

  // The front page has the way in, quietly.
  const org = await newPerson(env.browser, DESKTOP);
  await org.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await org.page.goto(`${base}/`);
  const way = org.page.getByRole('link', { name: 'Organisers and facilitators: sign in' });
  assert.equal(await way.evaluate((a) => a.href), `${base}/signin`, 'the front page links to the sign-in page');
  await shootBoth(shoot, org.page, 'home', DESKTOP);

  // The printed link: whose it is, the rule up front, the token gone from the address bar.
  await org.page.goto(first);
  await waitForText(org.page.locator('h1'), `Set the password for ${ORGANISER.email}`);
  assert.equal(new URL(org.page.url()).hash, '', `the token left the address bar: ${org.page.url()}`);
  await waitForText(org.page.locator('#password-rule'), 'At least 10 characters');
  await shootBoth(shoot, org.page, 'welcome', DESKTOP);

  // A password too short: the server's rule; then two that differ; then a good one.
  const setPassword = org.page.getByRole('button', { name: 'Set password and sign in' });
  await org.page.getByLabel('New password').fill('too short');
  await org.page.getByLabel('Type it again').fill('too short');
  await setPassword.click();
  const rule = await waitForText(org.page.getByTestId('welcome-problem'), 'at least 10 characters');
  assert.match(rule, /^Choose a password of at least 10 characters/, `the rule, in the server's words: ${rule}`);
  await shootBoth(shoot, org.page, 'welcome-too-short', DESKTOP);
  await org.page.getByLabel('New password').fill(ORGANISER.password);
  await org.page.getByLabel('Type it again').fill(`${ORGANISER.password}.`);
  await setPassword.click();
  await waitForText(org.page.getByTestId('welcome-problem'), 'The two passwords differ');
  await org.page.getByLabel('Show passwords').check();
  assert.equal(await org.page.getByLabel('Type it again').getAttribute('type'), 'text', 'Show passwords shows both fields');
  await org.page.getByLabel('Type it again').fill(ORGANISER.password);
  await setPassword.click();
  const done = await waitForText(org.page.getByTestId('welcome-done'), 'You are signed in as');
  assert.match(done, /You are signed in as first@example\.org, an organiser\./, `the page says who is signed in: ${done}`);
  await waitForText(org.page.getByTestId('signed-in-as'), ORGANISER.email);
  assert.equal(await org.page.getByRole('link', { name: 'Manage people' }).evaluate((a) => a.href), `${base}/people`);

  // The session: an HttpOnly, SameSite=Strict cookie the page's scripts cannot read.
  const cookie = await sessionCookie(org.context);
  assert.ok(cookie, 'a dyad_session cookie is set');
  assert.equal(cookie.httpOnly, true, `the session cookie is HttpOnly: ${JSON.stringify(cookie)}`);
  assert.equal(cookie.sameSite, 'Strict', `the session cookie is SameSite=Strict: ${JSON.stringify(cookie)}`);
  assert.equal(cookie.path, '/', 'the cookie is for the whole app');
  assert.ok(!(await org.page.evaluate(() => document.cookie)).includes('dyad_session'), 'scripts cannot read the session');
  await shootBoth(shoot, org.page, 'welcome-done', DESKTOP);

  // The same link again, in a fresh tab: used, and what to do.
  const again = watched(await org.context.newPage(), org.errors);
  await again.goto(first);
  const used = await waitForText(again.getByTestId('welcome-used'), 'has been used or has expired');
  assert.match(used, /ask an organiser for a new one/i, `the used link says what to do: ${used}`);
  await shootBoth(shoot, again, 'welcome-used', DESKTOP);
  await again.close();

  // Sign out from the header.
  await org.page.getByRole('button', { name: 'Sign out' }).click();
  await waitForText(org.page.getByTestId('signin-note'), 'You have signed out.');
  assert.equal(await sessionCookie(org.context), undefined, 'signing out removes the cookie');

  // A wrong password: the server's sentence. Then the right one: organisers land on People.
  await signInWith(org.page, ORGANISER.email, 'not my password at all');
  const wrong = await waitForText(org.page.getByTestId('signin-problem'), 'do not match an account');
  assert.match(wrong, /check them and try again/, `the sentence says what to do: ${wrong}`);
  await shootBoth(shoot, org.page, 'signin-wrong', DESKTOP);
  await signInWith(org.page, ORGANISER.email, ORGANISER.password);
  await waitUntil('the people page after signing in', () => org.page.url() === `${base}/people`);
  await waitForText(org.page.locator('h1'), 'People');
  await waitForText(org.page.getByTestId('signed-in-as'), `Signed in as ${ORGANISER.email}`);

  // Invite the facilitator; the link to pass on, copied.
  await org.page.getByLabel('E-mail address').fill(FACILITATOR.email);
  assert.equal(await org.page.getByLabel(/^Facilitator/).isChecked(), true, 'facilitator is the role by default');
  await org.page.getByRole('button', { name: 'Create invitation link' }).click();
  const linkField = org.page.getByLabel(`Invitation link for ${FACILITATOR.email}`);
  await linkField.waitFor({ timeout: 15_000 });
  const invitation = await linkField.inputValue();
  assert.match(invitation, new RegExp(`^${base}/welcome#t=[0-9a-f]{16,}$`), `the invitation link: ${invitation}`);
  await waitForText(org.page.getByTestId('one-time-link'), 'Send this link privately; it works once, within 24 hours. Dyad sends no e-mail.');
  const invited = org.page.locator(`[data-testid=person][data-email="${FACILITATOR.email}"]`);
  await waitForText(invited.getByTestId('person-role'), 'Facilitator');
  await waitForText(invited.getByTestId('no-password'), 'no password yet');
  await org.page.getByRole('button', { name: 'Copy link' }).click();
  const copied = await waitUntil('the invitation, copied or selected to copy by hand', async () => {
    const status = await org.page.locator('.link-panel .copy-status').innerText();
    if (status.startsWith('Copied')) return org.page.evaluate(() => navigator.clipboard.readText());
    return status.includes('press') ? linkField.inputValue() : false;
  });
  assert.equal(copied, invitation, 'the Copy button copies the link');
  await shootBoth(shoot, org.page, 'people-invited', DESKTOP);

  // Another organiser, made a facilitator, then given a new link: the link shows under them.
  await org.page.getByLabel('E-mail address').fill('third@example.org');
  await org.page.getByLabel(/^Organiser/).check();
  await org.page.getByRole('button', { name: 'Create invitation link' }).click();
  const third = org.page.locator('[data-testid=person][data-email="third@example.org"]');
  await waitForText(third.getByTestId('person-role'), 'Organiser');
  await third.getByRole('button', { name: 'Make facilitator (third@example.org)' }).click();
  await waitForText(third.getByTestId('person-role'), 'Facilitator');
  await waitForText(org.page.getByTestId('people-note'), 'third@example.org is now a facilitator.');
  await third.getByRole('button', { name: 'New link (third@example.org)' }).click();
  const thirdLink = await third.getByLabel('New link for third@example.org').inputValue();
  assert.match(thirdLink, /\/welcome#t=[0-9a-f]{16,}$/, `a new link under the person: ${thirdLink}`);
  assert.equal(await org.page.locator(`[data-testid=person][data-email="${ORGANISER.email}"]`).getByRole('button', { name: /^Remove/ }).count(), 0,
    'an organiser is not offered to remove themselves');

  // The facilitator, on their own phone: opens the invitation and sets a password.
  const fac = await newPerson(env.browser, PHONE);
  await fac.page.goto(invitation);
  await waitForText(fac.page.locator('h1'), `Set the password for ${FACILITATOR.email}`);
  await fac.page.getByLabel('New password').fill(FACILITATOR.password);
  await fac.page.getByLabel('Type it again').fill(FACILITATOR.password);
  await fac.page.getByRole('button', { name: 'Set password and sign in' }).click();
  await waitForText(fac.page.getByTestId('welcome-done'), `You are signed in as ${FACILITATOR.email}, a facilitator.`);
  assert.equal(await fac.page.getByRole('link', { name: 'Manage people' }).count(), 0, 'a facilitator is not sent to People');

  // Signed in already: who, Sign out, Sign out everywhere; a next= off the site is not followed.
  await fac.page.goto(`${base}/signin?next=${encodeURIComponent('//evil.example/x')}`);
  await waitForText(fac.page.getByTestId('signed-in'), `Signed in as ${FACILITATOR.email}, a facilitator.`);
  assert.equal(await fac.page.getByRole('link', { name: 'Continue' }).evaluate((a) => a.href), `${base}/`,
    'a next= that leads off the site goes to the front page instead');
  await shootBoth(shoot, fac.page, 'signin-signed-in', PHONE);
  await fac.page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await waitForText(fac.page.getByTestId('signin-note'), 'signed out everywhere');
  assert.equal(await sessionCookie(fac.context), undefined, 'signing out everywhere removes the cookie');
  await shootBoth(shoot, fac.page, 'signin', PHONE);

  // People, not signed in: a way to sign in that comes back; a facilitator is told it is for organisers.
  await fac.page.goto(`${base}/people`);
  await waitForText(fac.page.getByTestId('people-signed-out'), 'Sign in to manage people');
  await shootBoth(shoot, fac.page, 'people-signed-out', PHONE);
  await fac.page.getByRole('link', { name: 'Sign in' }).click();
  await waitUntil('the sign-in page with next=people', () => fac.page.url() === `${base}/signin?next=people`);
  await signInWith(fac.page, FACILITATOR.email, FACILITATOR.password);
  await waitUntil('back on the people page', () => fac.page.url() === `${base}/people`);
  await waitForText(fac.page.getByTestId('people-forbidden'), 'Only organisers manage people');
  await waitForText(fac.page.getByTestId('signed-in-as'), FACILITATOR.email);
  await shootBoth(shoot, fac.page, 'people-forbidden', PHONE);

  // The organiser removes the facilitator, after a question.
  await org.page.reload();
  await waitForText(invited.getByTestId('person-role'), 'Facilitator');
  assert.equal(await invited.getByTestId('no-password').count(), 0, 'the facilitator has a password now');
  await invited.getByRole('button', { name: `Remove (${FACILITATOR.email})` }).click();
  const dialog = org.page.getByRole('dialog', { name: `Remove ${FACILITATOR.email}?` });
  await waitForText(dialog, 'signed out at once');
  await shootBoth(shoot, org.page, 'people-remove', DESKTOP);
  await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
  await waitForText(org.page.getByTestId('people-note'), `${FACILITATOR.email} was removed`);
  assert.equal(await invited.count(), 0, 'the facilitator is no longer listed');
  await shootBoth(shoot, org.page, 'people', DESKTOP);

  // The facilitator's next request finds them signed out; their password no longer opens Dyad.
  const me = await fac.context.request.get(`${base}/api/me`);
  assert.equal(me.status(), 401, `the removed facilitator's session has ended: ${me.status()} ${await me.text()}`);
  await fac.page.reload();
  await waitForText(fac.page.getByTestId('people-signed-out'), 'Sign in to manage people');
  await fac.page.goto(`${base}/signin`);
  await signInWith(fac.page, FACILITATOR.email, FACILITATOR.password);
  await waitForText(fac.page.getByTestId('signin-problem'), 'do not match an account');

  // Wrong passwords in a row: sign-in is slowed, and the page gives the server's sentence.
  let slowed = '';
  for (let i = 0; i < 9 && !slowed; ++i) {
    await signInWith(fac.page, 'nobody@example.org', `guess number ${i}`);
    const said = await waitForText(fac.page.getByTestId('signin-problem'), /do not match|wait/);
    if (/wait/.test(said)) slowed = said;
  }
  assert.match(slowed, /^Wrong passwords were tried for this account; wait \d+ seconds? before trying again\.$/, `the slowed sign-in says so: ${slowed}`);
  await shootBoth(shoot, fac.page, 'signin-slowed', PHONE);

  // Chromium logs every refused request (401 not signed in, 404 a used link, 400, 429) as a
  // console error; those are the answers the pages expect and explain. Nothing else may appear.
  const refused = /^Failed to load resource: the server responded with a status of (400|401|403|404|429) /;
  for (const p of [org, fac]) assert.deepEqual(p.errors.filter((e) => !refused.test(e)), [], 'no errors in the pages\' consoles');
  assert.deepEqual(a11y, [], 'accessibility problems (WCAG 2.1 AA, serious or critical)');
});
