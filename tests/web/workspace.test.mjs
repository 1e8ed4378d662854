// The organisers' workspace, end to end: the first organiser sets a password and reaches the
// workspace from the front page; makes a plan from the demo template and edits it in the editor;
// invites two facilitators and plans a run for each; a facilitator signs in, sees only their own
// run and opens its dashboard from the workspace with no token in the address, where four
// participants run a round and give feedback; the organiser sees the run's counts, gives and
// takes back a co-facilitator's access, issues a new facilitator link, plans the next run of the
// series from the run, and reads the series report, whose runs each link to their own report;
// the names and e-mails of the closed run are erased after a question. The workspace at 360 px
// and 1280 px, checked by axe-core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, checkedScreenshots, newPerson, useServerAndBrowser, waitForText, waitUntil } from './harness.mjs';
import { answerFeedback, joinAs, readAssignment, setPassword, shootBoth } from './pages.mjs';
import { editPlanAsInAcceptance } from './plan_editor_steps.mjs';

const env = useServerAndBrowser(['--first-organiser', 'first@example.org']);

const ORGANISER = { email: 'first@example.org', password: 'calm river at dawn' };
const LEAD = { email: 'lead@example.org', password: 'tea by the window' };
const OTHER = { email: 'other@example.org', password: 'a walk in the rain' };

const people = [
  { name: 'Amira Haddad', overall: 'Excellent', recommend: 'Definitely', cat: 'Yes', relevance: 'Extremely relevant', pace: 5 },
  { name: 'Ben Okafor', overall: 'Excellent', recommend: 'Definitely', cat: 'No', relevance: 'Of some relevance', pace: 4 },
  { name: 'Chloe Martin', overall: 'Good', recommend: 'Perhaps', cat: 'No', relevance: 'Extremely relevant', pace: 3 },
  { name: 'Dev Patel', overall: 'Excellent', recommend: 'Definitely', cat: 'Yes', relevance: 'Extremely relevant', pace: 4 },
];

// Chromium logs every refused request as a console error; the pages expect and explain these
// (401 before signing in, 403/404 where a person has no access). Nothing else may appear.
const REFUSED = /^Failed to load resource: the server responded with a status of (401|403|404) /;

/** Invites `email` as a facilitator on the People page; answers the one-time link. */
async function invite(page, email) {
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel(/^Facilitator/).check();
  await page.getByRole('button', { name: 'Create invitation link' }).click();
  const field = page.getByLabel(`Invitation link for ${email}`);
  await field.waitFor({ timeout: 15_000 });
  return field.inputValue();
}

const runCard = (page, code) => page.locator(`[data-testid=run][data-code="${code}"]`);
const runCodes = (page) => page.getByTestId('run').evaluateAll((els) => els.map((e) => e.dataset.code).sort());

/** Plans a run with the "Plan a run" form; answers its code, read from the note it leaves. */
async function planRun(page, { date, start, facilitator }) {
  const form = page.getByTestId('new-run');
  await form.getByLabel('Day').fill(date);
  await form.getByLabel('Start time').fill(start);
  await form.getByLabel('Facilitator').selectOption({ label: facilitator });
  await form.getByRole('button', { name: 'Plan the run' }).click();
  const note = await waitForText(page.getByTestId('new-run-note'), /code \S+\./);
  return note.match(/code (\S+)\./)[1];
}

test('Browser.Workspace: a plan from the template, runs for invited facilitators, a dashboard by the session, counts, the next run and the series report', async () => {
  const { shoot, problems: a11y } = checkedScreenshots();
  const base = env.server.base;
  const first = await env.server.firstOrganiserLink();

  // Signed out, the workspace sends people to sign in, and back.
  const stranger = await newPerson(env.browser, DESKTOP);
  await stranger.page.goto(`${base}/workspace`);
  await waitUntil('the sign-in page, coming back to the workspace', () => stranger.page.url() === `${base}/signin?next=workspace`);

  // The first organiser sets a password; the front page now leads to the workspace.
  const org = await newPerson(env.browser, DESKTOP);
  await org.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await setPassword(org.page, first, ORGANISER.email, ORGANISER.password);
  await org.page.goto(`${base}/`);
  const open = org.page.getByRole('link', { name: 'Open your workspace' });
  await open.waitFor({ timeout: 15_000 });
  assert.equal(await org.page.getByRole('link', { name: 'Organisers and facilitators: sign in' }).count(), 0,
    'signed in, the front page offers the workspace instead of signing in');
  await shootBoth(shoot, org.page, 'home-signed-in', DESKTOP);
  await open.click();
  await waitUntil('the workspace', () => org.page.url() === `${base}/workspace`);
  await waitForText(org.page.locator('h1'), 'Workspace');
  await waitForText(org.page.getByTestId('no-runs'), 'No runs yet');
  const template = org.page.locator('[data-testid=plan]', { has: org.page.getByTestId('plan-template') });
  await waitForText(template, 'demo template');
  const privacy = await waitForText(org.page.getByTestId('privacy'), 'What Dyad keeps');
  assert.match(privacy, /never linked to a person/, `the personal-data paragraph says responses are anonymous: ${privacy}`);
  await shootBoth(shoot, org.page, 'workspace-empty', DESKTOP);

  // A plan from the demo template, opened in the editor and edited there.
  await org.page.getByRole('button', { name: 'New plan from the demo template' }).click();
  await waitUntil('the plan editor', () => /\/plans\/[^/#?]+$/.test(org.page.url()));
  const planId = decodeURIComponent(new URL(org.page.url()).pathname.split('/').pop());
  await editPlanAsInAcceptance(org.page);

  // Two facilitators invited on the People page, who set their passwords.
  await org.page.goto(`${base}/people`);
  const leadLink = await invite(org.page, LEAD.email);
  const otherLink = await invite(org.page, OTHER.email);
  const lead = await newPerson(env.browser, DESKTOP);
  await setPassword(lead.page, leadLink, LEAD.email, LEAD.password);
  const other = await newPerson(env.browser, PHONE);
  await setPassword(other.page, otherLink, OTHER.email, OTHER.password);

  // Back in the workspace: the new plan has a saved version; a run of it for each facilitator.
  await org.page.goto(`${base}/workspace`);
  const plan = org.page.locator(`[data-testid=plan][data-plan="${planId}"]`);
  await waitForText(plan.getByTestId('plan-version'), /^Version \d+, saved /);
  assert.equal(await org.page.getByLabel('Plan', { exact: true }).inputValue(), planId, 'the new plan is the one offered to run');
  const runA = await planRun(org.page, { date: '2026-12-03', start: '09:30', facilitator: LEAD.email });
  const runB = await planRun(org.page, { date: '2026-12-10', start: '10:00', facilitator: OTHER.email });
  const cardA = runCard(org.page, runA);
  await waitForText(cardA.locator('h4'), 'Thu 3 Dec 2026, 09:30');
  await waitForText(cardA.getByTestId('run-facilitator'), LEAD.email);
  await waitForText(cardA.getByTestId('run-stage'), 'Upcoming');
  await waitForText(runCard(org.page, runB).locator('h4'), 'Thu 10 Dec 2026, 10:00');
  assert.match(await cardA.getByLabel('Join link for participants').inputValue(), new RegExp(`/j/${runA}$`), 'the run shows its join link');
  // The search finds a run by its facilitator, the stage filter by its stage.
  await org.page.getByLabel('Search runs').fill('other@');
  await waitUntil('the search to keep only run B', async () => JSON.stringify(await runCodes(org.page)) === JSON.stringify([runB]));
  await org.page.getByLabel('Search runs').fill('');
  await org.page.getByLabel('Stage').selectOption('closed');
  await waitForText(org.page.getByTestId('runs'), 'No run matches');
  await org.page.getByLabel('Stage').selectOption('');
  await waitUntil('both runs again', async () => (await runCodes(org.page)).length === 2);
  await shootBoth(shoot, org.page, 'workspace-runs', DESKTOP);

  // Someone not signed in, at the dashboard's address without a token: a way to sign in.
  await stranger.page.goto(`${base}/f/${runA}`);
  await waitForText(stranger.page.getByTestId('not-signed-in'), 'Sign in to open this dashboard');
  assert.equal(await stranger.page.getByTestId('sign-in').evaluate((a) => a.href), `${base}/signin?next=${encodeURIComponent(`f/${runA}`)}`);

  // The lead facilitator: the workspace shows their run only, and none of the organisers' tools.
  await lead.page.getByRole('link', { name: 'Open your workspace' }).click();
  await waitUntil('the facilitator\'s workspace', () => lead.page.url() === `${base}/workspace`);
  await waitUntil('the facilitator\'s one run', async () => JSON.stringify(await runCodes(lead.page)) === JSON.stringify([runA]));
  for (const absent of ['Plan a run', 'Personal data']) {
    assert.equal(await lead.page.getByRole('heading', { name: absent }).count(), 0, `a facilitator is not shown "${absent}"`);
  }
  assert.equal(await lead.page.getByRole('button', { name: 'New plan from the demo template' }).count(), 0, 'a facilitator makes no plans');
  assert.equal(await lead.page.getByRole('button', { name: /^Erase/ }).count(), 0, 'a facilitator erases nothing');
  assert.equal(await lead.page.getByRole('button', { name: /^Next run/ }).count(), 0, 'a facilitator plans no runs');
  await shootBoth(shoot, lead.page, 'workspace-facilitator', DESKTOP);
  // Another's run stays closed to them, by the session too.
  const elsewhere = await lead.context.newPage();
  await elsewhere.goto(`${base}/f/${runB}`);
  await waitForText(elsewhere.getByTestId('not-signed-in'), 'no access to this run');
  await elsewhere.close();

  // The dashboard from the workspace: no token in the address; the session opens it.
  await runCard(lead.page, runA).getByRole('link', { name: /^Open dashboard/ }).click();
  await waitUntil('the dashboard', () => lead.page.url() === `${base}/f/${runA}`);
  lead.page.on('dialog', (d) => d.accept());
  await waitForText(lead.page.getByTestId('conn-state'), 'Connected');
  await waitForText(lead.page.getByTestId('join-code'), runA);

  // Four participants, each on their own device, run a round and give feedback.
  const devices = [];
  for (const p of people) {
    const d = await newPerson(env.browser, PHONE);
    await d.page.goto(`${base}/j/${runA}`);
    await joinAs(d.page, p.name);
    devices.push(d);
  }
  await waitUntil('four people present on the roster', async () =>
    (await lead.page.locator('[data-testid=roster-entry][data-presence=present]').count()) === 4);
  await lead.page.getByLabel('Exercise').selectOption('noticing-withdrawal');
  await lead.page.getByRole('button', { name: 'Preview groups' }).click();
  await waitUntil('a preview of two rooms', async () => (await lead.page.getByTestId('preview-group').count()) === 2);
  await lead.page.getByRole('button', { name: 'Launch round' }).click();
  await waitUntil('two rooms running', async () => (await lead.page.getByTestId('group-card').count()) === 2);
  for (const d of devices) assert.match((await readAssignment(d.page)).room, /^Room \d+$/);
  await lead.page.getByRole('button', { name: 'Open feedback' }).click();
  for (const [i, d] of devices.entries()) {
    await answerFeedback(d.page, people[i]);
    await d.page.getByRole('button', { name: 'Send feedback' }).click();
    await d.page.getByTestId('feedback-thanks').waitFor({ state: 'visible', timeout: 15_000 });
  }
  await lead.page.getByRole('button', { name: 'Close workshop' }).click();
  await waitForText(lead.page.getByTestId('responses-count'), /^4\b/);

  // The organiser sees the run's counts.
  await org.page.reload();
  await waitForText(cardA.getByTestId('run-stage'), 'Closed');
  await waitForText(cardA.getByTestId('run-participants'), /^4$/);
  await waitForText(cardA.getByTestId('run-responses'), /^4$/);

  // A co-facilitator given access, then taken back; a new facilitator link that opens the dashboard.
  await cardA.locator('summary').click();
  await cardA.getByLabel('Give a co-facilitator access').selectOption({ label: OTHER.email });
  await cardA.getByRole('button', { name: 'Give access' }).click();
  await waitForText(cardA.getByTestId('run-cofacilitators'), OTHER.email);
  await other.page.goto(`${base}/workspace`);
  await waitUntil('run A in the co-facilitator\'s workspace', async () => (await runCodes(other.page)).includes(runA));
  await cardA.getByRole('button', { name: `Take back access (${OTHER.email})` }).click();
  await waitUntil('the access taken back', async () => (await cardA.getByTestId('run-cofacilitators').count()) === 0);
  await waitForText(cardA.getByTestId('run-note'), `${OTHER.email} no longer has access`);
  // A new facilitator link for run B: shown to copy, and it opens B's dashboard with no one signed in.
  const cardB = runCard(org.page, runB);
  await cardB.locator('summary').click();
  await cardB.getByRole('button', { name: `New facilitator link (${runB})` }).click();
  const confirm = org.page.getByTestId('confirm');
  await waitForText(confirm, 'The old facilitator link stops working');
  await confirm.getByRole('button', { name: 'Make a new link' }).click();
  const facLink = await cardB.getByLabel(`New facilitator link for ${runB}`).inputValue();
  assert.match(facLink, new RegExp(`/f/${runB}#t=\\S+$`), `the new facilitator link: ${facLink}`);
  await cardB.getByRole('button', { name: 'Copy facilitator link' }).click();
  await waitForText(cardB.getByTestId('facilitator-link').locator('.copy-status'), /Copied|press/);
  const byLink = await stranger.context.newPage();
  await byLink.goto(facLink);
  await waitForText(byLink.getByTestId('join-code'), runB);
  await byLink.close();

  // The next run of the series, from run A.
  await cardA.getByRole('button', { name: `Next run of this series (after ${runA})` }).click();
  const next = cardA.getByTestId('next-run');
  await next.getByLabel('Day').fill('2026-12-17');
  await next.getByLabel('Start time').fill('09:30');
  assert.equal(await next.getByLabel('Facilitator').inputValue(), await next.getByLabel('Facilitator').evaluate(
    (s) => [...s.options].find((o) => o.textContent.startsWith('lead@'))?.value), 'the next run keeps the facilitator');
  await shootBoth(shoot, org.page, 'workspace-next-run', DESKTOP);
  await next.getByRole('button', { name: 'Plan the next run' }).click();
  await waitUntil('a third run', async () => (await runCodes(org.page)).length === 3);
  const runC = (await runCodes(org.page)).find((c) => c !== runA && c !== runB);
  const cardC = runCard(org.page, runC);
  await waitForText(cardC.locator('h4'), 'Thu 17 Dec 2026, 09:30');
  await waitForText(cardC.getByTestId('run-facilitator'), LEAD.email);
  const series = org.page.locator('[data-testid=series]', { has: cardA });
  assert.equal(await series.locator(`[data-testid=run][data-code="${runC}"]`).count(), 1, 'the next run is in the same series');

  // The series report, by the session: both runs, each linking to its own report.
  const seriesReport = await series.getByTestId('series-report').getAttribute('href');
  assert.match(seriesReport, /\/r\/[^/#]+#view=series$/, `the series heading links to the series report: ${seriesReport}`);
  const report = await org.context.newPage();
  await report.goto(new URL(seriesReport, base).href);
  const table = report.getByTestId('runs-table');
  await waitForText(table, runA);
  await waitForText(table, runC);
  for (const code of [runA, runC]) {
    const href = await report.getByTestId(`run-${code}`).getByRole('link', { name: code }).getAttribute('href');
    assert.equal(new URL(href, base).href, `${base}/r/${code}`, `run ${code} links to its own report`);
  }
  await shootBoth(shoot, report, 'report-series-by-session', DESKTOP);
  await report.getByTestId(`run-${runA}`).getByRole('link', { name: runA }).click();
  await waitUntil('run A\'s report', () => report.url() === `${base}/r/${runA}`);
  await waitForText(report.getByTestId('responses'), '4');
  await report.close();

  // The closed run's names and e-mails, erased after a question in plain words.
  await cardA.getByRole('button', { name: `Erase names and e-mails (${runA})` }).click();
  const question = await waitForText(confirm, 'Participant 1');
  assert.match(question, /anonymous feedback statistics are kept/, `the question says what stays: ${question}`);
  await shootBoth(shoot, org.page, 'workspace-erase-question', DESKTOP);
  await confirm.getByRole('button', { name: 'Erase names and e-mails' }).click();
  await waitForText(cardA.getByTestId('run-erased'), 'names erased');

  // The retention setting.
  await org.page.getByLabel('Erase names and e-mails automatically after').fill('30');
  await org.page.getByRole('button', { name: 'Save', exact: true }).click();
  await waitForText(org.page.getByTestId('retention-note'), '30 days after a run closes');
  await org.page.reload();
  assert.equal(await org.page.getByLabel('Erase names and e-mails automatically after').inputValue(), '30', 'the setting is kept');
  await shootBoth(shoot, org.page, 'workspace-organiser', DESKTOP);

  for (const p of [org, lead, other, stranger, ...devices]) {
    assert.deepEqual(p.errors.filter((e) => !REFUSED.test(e)), [], 'no errors in the pages\' consoles');
  }
  assert.deepEqual(a11y, [], 'accessibility problems (WCAG 2.1 AA, serious or critical)');
});
