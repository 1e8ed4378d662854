// Regroups during a round: Zoom moves no one by itself, so whoever a regroup moves is told where
// to go and with whom, and the facilitator's dashboard keeps a log of who moved where.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, checkedScreenshots, useServerAndBrowser, newPerson, waitForText, waitUntil } from './harness.mjs';
import { joinAs, readAssignment } from './pages.mjs';

const env = useServerAndBrowser();

/** The log's entries on the dashboard, newest first. */
async function logEntries(fac) {
  return (await fac.page.getByTestId('round-log-entry').allInnerTexts()).map((t) => t.trim());
}

test('Browser.RegroupIsAnnouncedToThoseMovedAndLoggedOnDashboard', async () => {
  const { shoot, problems: a11y } = checkedScreenshots();
  const w = await env.server.createWorkshop();
  const fac = await newPerson(env.browser, DESKTOP);
  fac.page.on('dialog', (d) => d.accept());
  await fac.page.goto(w.facilitatorUrl);
  await waitForText(fac.page.getByTestId('conn-state'), 'Connected');

  const names = ['Ana Silva', 'Ben Okafor', 'Cleo Marsh', 'Dev Patel'];
  const people = new Map();
  for (const name of names) {
    const d = await newPerson(env.browser, PHONE);
    await d.page.goto(w.participantUrl);
    await joinAs(d.page, name);
    people.set(name, d);
  }
  await waitUntil('four present', async () => (await fac.page.locator('[data-testid=roster-entry][data-presence=present]').count()) === 4);
  await fac.page.getByLabel('Exercise').selectOption('noticing-withdrawal');
  await fac.page.getByRole('button', { name: 'Launch round' }).click();

  const launched = new Map();
  for (const [name, d] of people) launched.set(name, await readAssignment(d.page));
  // A launch is no move: no one is told to change rooms, and the log is empty.
  for (const [name, d] of people) assert.equal(await d.page.getByTestId('move-notice').isVisible(), false, `${name} sees no move notice at launch`);

  // The facilitator marks Ana away: her partner is left alone and joins the other pair, in its room.
  const leaver = 'Ana Silva';
  const [moved] = launched.get(leaver).partners;
  await fac.page.getByRole('button', { name: `Mark away: ${leaver}` }).click();
  const movedPage = people.get(moved).page;
  const notice = movedPage.getByTestId('move-notice');
  const text = await waitForText(notice, /You are now in Room \d+/);
  const now = await readAssignment(movedPage);
  assert.ok(now.partners.length >= 2, `${moved} now works with two others: ${now.partners.join(', ')}`);
  assert.ok(text.includes(`You are now in ${now.room} with `), `the notice names the new room: ${text}`);
  for (const p of now.partners) assert.ok(text.includes(p), `the notice names ${p}: ${text}`);
  assert.ok(text.includes(`move to ${now.room}`), `the notice says where to go in Zoom: ${text}`);
  assert.equal(await notice.locator('xpath=..').getAttribute('role'), 'status', 'the notice is a status region');
  await shoot(movedPage, 'participant-moved-phone');

  // The dashboard logs the move with the server's time, calmly: a status line, not an alert.
  const oldRoom = launched.get(moved).room;
  await waitUntil('the dashboard to log the move', async () =>
    (await logEntries(fac)).some((t) => t.includes(`${moved} moved from ${oldRoom} to ${now.room}`)));
  const [entry] = await logEntries(fac);
  assert.match(entry, /^\d\d:\d\d — /, `a log entry starts with the time: ${entry}`);
  assert.ok(entry.includes(`${moved} moved from ${oldRoom} to ${now.room} (observing)`) || entry.includes(`${moved} moved from ${oldRoom} to ${now.room} (as `),
    `the log names who moved where, and as what: ${entry}`);
  assert.ok(entry.includes(`${oldRoom} closed`), `the log says the old room closed: ${entry}`);
  await shoot(fac.page, 'dashboard-move-logged-desktop');

  // The notice stays until dismissed.
  await movedPage.getByRole('button', { name: 'Dismiss the notice about your room' }).click();
  await waitUntil('the notice to go', async () => !(await notice.isVisible()));

  // A late joiner slotted into the running round is told plainly which room and with whom.
  const eve = await newPerson(env.browser, PHONE);
  await eve.page.goto(w.participantUrl);
  await joinAs(eve.page, 'Eve Laine');
  const eveText = await waitForText(eve.page.getByTestId('move-notice'), /You join Room \d+/);
  const eveNow = await readAssignment(eve.page);
  assert.ok(eveNow.partners.length >= 1, 'Eve has someone to work with');
  assert.ok(eveText.includes(`You join ${eveNow.room} with `), `Eve's notice names her room: ${eveText}`);
  for (const p of eveNow.partners) assert.ok(eveText.includes(p), `Eve's notice names ${p}: ${eveText}`);
  await shoot(eve.page, 'participant-late-join-phone');
  await waitUntil('the dashboard to log Eve joining', async () =>
    (await logEntries(fac))[0]?.includes(`Eve Laine (new) joined ${eveNow.room}`));
  const log = await logEntries(fac);
  assert.ok(log.length >= 2 && log[1] === entry, `newest first, the earlier move kept: ${log.join(' | ')}`);
  await shoot(fac.page, 'dashboard-round-log-desktop');
  await fac.page.setViewportSize(PHONE);
  await shoot(fac.page, 'dashboard-round-log-phone');
  await fac.page.setViewportSize(DESKTOP);

  // The next round starts a new log.
  await fac.page.getByRole('button', { name: /End round/ }).click();
  await fac.page.getByRole('button', { name: `Mark present: ${leaver}` }).click();
  await waitUntil('Ana present again', async () => (await fac.page.locator('[data-testid=roster-entry][data-presence=present]').count()) === 5);
  await fac.page.getByLabel('Exercise').selectOption('noticing-withdrawal');
  await fac.page.getByRole('button', { name: 'Launch round' }).click();
  await waitForText(fac.page.locator('#round-h'), /^Round 2/);
  await waitUntil('the log to be cleared', async () => (await logEntries(fac)).length === 0);
  assert.equal(await fac.page.getByTestId('round-log').isVisible(), false, 'no log shown for a round with no moves');

  assert.deepEqual(a11y, [], 'accessibility problems (WCAG 2.1 AA, serious or critical)');
  for (const d of [fac, eve, ...people.values()]) assert.deepEqual(d.errors, [], 'no page errors');
});
