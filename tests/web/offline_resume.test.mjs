// Shaky Wi-Fi: a participant's device goes offline mid-round and the page is reloaded; it comes
// back to the same room, role, excerpt and countdown. Feedback sent while offline waits in the
// page's outbox and is counted exactly once when the device is back, even across a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, checkedScreenshots, useServerAndBrowser, newPerson, waitForText, waitUntil } from './harness.mjs';
import { answerFeedback, countdownSeconds, joinAs, readAssignment } from './pages.mjs';

const env = useServerAndBrowser();

const answers = { overall: 'Good', recommend: 'Definitely', cat: 'No', relevance: 'Of some relevance', pace: 4 };

async function presenceOf(fac, name) {
  const entry = fac.page.getByTestId('roster-entry').filter({ hasText: name });
  return entry.getAttribute('data-presence');
}

test('Browser.OfflineThenReloadResumesAndOutboxCountsOnce', async () => {
  const { shoot, problems: a11y } = checkedScreenshots();
  const w = await env.server.createWorkshop();
  const fac = await newPerson(env.browser, DESKTOP);
  fac.page.on('dialog', (d) => d.accept());
  await fac.page.goto(w.facilitatorUrl);
  await waitForText(fac.page.getByTestId('conn-state'), 'Connected');

  const names = ['Hana Sato', 'Iain Burns', 'Jo Adeyemi', 'Kit Moreau'];
  const devices = [];
  for (const name of names) {
    const d = await newPerson(env.browser, PHONE);
    await d.page.goto(w.participantUrl);
    await joinAs(d.page, name);
    devices.push(d);
  }
  await waitUntil('four present', async () => (await fac.page.locator('[data-testid=roster-entry][data-presence=present]').count()) === 4);
  // Stepping away for a moment shows on the roster, and coming back too.
  const kitPage = devices[3].page;
  await kitPage.getByRole('button', { name: "I'm stepping away" }).click();
  await waitUntil('the dashboard to show Kit away', async () => (await presenceOf(fac, 'Kit Moreau')) === 'away');
  await kitPage.getByRole('button', { name: "I'm back" }).click();
  await waitUntil('the dashboard to show Kit back', async () => (await presenceOf(fac, 'Kit Moreau')) === 'present');
  await fac.page.getByLabel('Exercise').selectOption('noticing-withdrawal');
  await fac.page.getByRole('button', { name: 'Launch round' }).click();

  const [hana, iain, jo, kit] = devices;
  const before = await readAssignment(hana.page);

  // Offline: the page says so, and the server sees the connection gone.
  await hana.context.setOffline(true);
  await waitUntil('the page to show it is not connected', async () =>
    (await hana.page.getByTestId('conn-state').getAttribute('data-state')) !== 'online');
  await waitUntil('the dashboard to show Hana disconnected', async () => (await presenceOf(fac, 'Hana Sato')) === 'disconnected');
  await shoot(hana.page, 'participant-offline-phone');

  // Back online and reloaded: the same card, and the countdown still agrees with the server's.
  await hana.context.setOffline(false);
  await hana.page.reload();
  await waitForText(hana.page.getByTestId('conn-state'), 'Connected');
  const after_ = await readAssignment(hana.page);
  assert.equal(after_.room, before.room);
  assert.equal(after_.role, before.role);
  assert.deepEqual(after_.partners, before.partners);
  assert.equal(after_.excerpt, before.excerpt);
  const facSeconds = await countdownSeconds(fac.page.getByTestId('clock-countdown'));
  const hanaSeconds = await countdownSeconds(hana.page.getByTestId('countdown'));
  assert.ok(Math.abs(facSeconds - hanaSeconds) <= 3, `countdown after reload ${hanaSeconds}s vs dashboard ${facSeconds}s`);
  await waitUntil('the dashboard to show Hana present again', async () => (await presenceOf(fac, 'Hana Sato')) === 'present');

  // Feedback while offline: kept in the outbox, not sent, then sent once on reconnect.
  await fac.page.getByRole('button', { name: 'Open feedback' }).click();
  await iain.page.getByRole('button', { name: 'Send feedback' }).waitFor({ state: 'visible', timeout: 15_000 });
  await iain.context.setOffline(true);
  await waitUntil('Iain offline', async () => (await iain.page.getByTestId('conn-state').getAttribute('data-state')) !== 'online');
  await answerFeedback(iain.page, answers);
  await iain.page.getByRole('button', { name: 'Send feedback' }).click();
  await iain.page.getByTestId('feedback-pending').waitFor({ state: 'visible', timeout: 15_000 });
  await shoot(iain.page, 'participant-feedback-pending-phone');
  await iain.context.setOffline(false);
  await iain.page.getByTestId('feedback-thanks').waitFor({ state: 'visible', timeout: 20_000 });
  // A reload after the acknowledgement sends nothing again.
  await iain.page.reload();
  await iain.page.getByTestId('feedback-thanks').waitFor({ state: 'visible', timeout: 15_000 });

  // Offline, submitted, then online and reloaded at once: whichever of the page's two sends wins
  // (the reconnect or the reloaded page's outbox), the answer is counted once.
  await jo.context.setOffline(true);
  await waitUntil('Jo offline', async () => (await jo.page.getByTestId('conn-state').getAttribute('data-state')) !== 'online');
  await answerFeedback(jo.page, answers);
  await jo.page.getByRole('button', { name: 'Send feedback' }).click();
  await jo.page.getByTestId('feedback-pending').waitFor({ state: 'visible', timeout: 15_000 });
  await jo.context.setOffline(false);
  await jo.page.reload();
  await jo.page.getByTestId('feedback-thanks').waitFor({ state: 'visible', timeout: 20_000 });

  // Kit answers online. Closing shows every response: exactly 3, so neither outbox was counted twice.
  await answerFeedback(kit.page, answers);
  await kit.page.getByRole('button', { name: 'Send feedback' }).click();
  await kit.page.getByTestId('feedback-thanks').waitFor({ state: 'visible', timeout: 15_000 });
  await fac.page.getByRole('button', { name: 'Close workshop' }).click();
  await waitForText(fac.page.getByTestId('responses-count'), /^3\b/);
  const stats = JSON.parse(await env.server.api(`/api/workshops/${w.code}/statistics?format=json`, w.facilitatorToken));
  assert.equal(stats.tallies.responses, 3, 'three responses stored');

  assert.deepEqual(a11y, [], 'accessibility problems (WCAG 2.1 AA, serious or critical)');
  for (const d of [fac, ...devices]) assert.deepEqual(d.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|WebSocket/.test(e)), [], 'no page errors');
});

test('Browser.PagesLeftOpenAcrossARestartSayTheWorkshopHasEnded', async () => {
  const w = await env.server.createWorkshop();
  const fac = await newPerson(env.browser, DESKTOP);
  fac.page.on('dialog', (d) => d.accept());
  await fac.page.goto(w.facilitatorUrl);
  await waitForText(fac.page.getByTestId('conn-state'), 'Connected');
  const lia = await newPerson(env.browser, PHONE);
  await lia.page.goto(w.participantUrl);
  await joinAs(lia.page, 'Lia Varga');
  await fac.page.getByRole('button', { name: 'Open feedback' }).click();
  await lia.page.getByRole('button', { name: 'Send feedback' }).waitFor({ state: 'visible', timeout: 15_000 });
  await fac.page.getByRole('button', { name: 'Close workshop' }).click();
  await lia.page.getByTestId('ended').waitFor({ state: 'visible', timeout: 15_000 });

  // The server restarts; the closed workshop is no longer served live. The dashboard left open
  // hears so on its next connection and says where the results are, instead of retrying for ever.
  await env.server.restart();
  const banner = fac.page.getByTestId('closed-banner');
  await waitForText(banner, 'This workshop is closed', 20_000);
  assert.equal(await banner.getByRole('link', { name: 'Open the report' }).getAttribute('href'),
    `${env.server.base}/r/${w.code}#t=${w.facilitatorToken}`, 'the banner links to this workshop\'s report');
  // The participant's page, reloaded, resumes into the same answer: the workshop has ended.
  await lia.page.reload();
  await lia.page.getByTestId('ended').waitFor({ state: 'visible', timeout: 15_000 });
  assert.equal(await lia.page.getByTestId('join-name').count(), 0, 'a closed workshop offered the join form');

  // A facilitator link with a code this server never had: said in words, once, with no retrying.
  const stray = await newPerson(env.browser, DESKTOP);
  await stray.page.goto(`${env.server.base}/f/ZZZZ-ZZZZ#t=not-a-token`);
  await waitForText(stray.page.getByTestId('invalid-link'), 'There is no workshop ZZZZ-ZZZZ on this server.');
  await waitUntil('the stray dashboard to stop', async () => (await stray.page.getByTestId('conn-state').getAttribute('data-state')) === 'stopped');

  for (const d of [fac, lia, stray]) assert.deepEqual(d.errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(e)), [], 'no page errors');
});
