// Two rounds where no one gave an email at first, so the rooms are assigned by hand in Zoom from
// the list: the join form's name limit, names shown whole on the phone's header and in the
// cards, a locked room that keeps its name through a reshuffle, no useless Zoom CSV, the list
// that is always the current round's, and clock times as the agenda writes them (24-hour, in the
// plan's zone) in browsers set to 12-hour times in another zone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, checkedScreenshots, newPerson, useServerAndBrowser, waitForText, waitUntil } from './harness.mjs';
import { countdownSeconds, joinAs } from './pages.mjs';

const env = useServerAndBrowser();

// The demo plan's zone; every browser below is set to New York and US 12-hour times.
const PLAN_ZONE = 'Europe/London';
const BROWSER = { locale: 'en-US', timezoneId: 'America/New_York' };

/** "17:05": an instant in the plan's zone, as the agenda writes times. */
function planTime(ms) {
  return new Intl.DateTimeFormat('en-GB', { timeZone: PLAN_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
}

/** Asserts `text` holds a 24-hour time in the plan's zone, of an instant from `fromMs` to `toMs`. */
function assertPlanTime(text, fromMs, toMs, what) {
  const m = /\b(\d\d:\d\d)\b/.exec(text);
  assert.ok(m && !/\b[AP]M\b/i.test(text), `${what} is a 24-hour time: ${JSON.stringify(text)}`);
  const allowed = new Set();
  for (let t = fromMs - 60_000; t <= toMs + 60_000; t += 30_000) allowed.add(planTime(t));
  assert.ok(allowed.has(m[1]), `${what} is in the plan's zone (${PLAN_ZONE}, one of ${[...allowed]}): ${JSON.stringify(text)}`);
}

/** Words (runs between spaces and hyphens) in the matched elements that the layout broke across lines. */
function wordsBrokenAcrossLines(page, selector) {
  return page.evaluate((sel) => {
    const broken = [];
    for (const el of document.querySelectorAll(sel)) {
      if (!el.getClientRects().length) continue;
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const m of node.data.matchAll(/[^\s\-\u2010]+/g)) {
          const range = document.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, m.index + m[0].length);
          const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          if (lines.size > 1) broken.push(m[0]);
        }
      }
    }
    return broken;
  }, selector);
}

const NAME_SELECTORS = '.person-name, .roster-name, [data-testid=partner], [data-testid=me]';

const people = ['Ana O\'Connor', 'Bartholomew Featherstonehaugh', 'Chiara Montgomery-Sinclair', 'Dmitri Vasilievich'];

test('Browser.RoundsByHand: name limit, whole names, a locked room keeps its name, no empty CSV, the list of the current round, plan-zone times', async () => {
  const { shoot, problems: a11y } = checkedScreenshots();
  const w = await env.server.createWorkshop();
  const fac = await newPerson(env.browser, DESKTOP, BROWSER);
  fac.page.on('dialog', (d) => d.accept());
  await fac.page.goto(w.facilitatorUrl);
  await waitForText(fac.page.getByTestId('conn-state'), 'Connected');

  // The join form takes no more than the server's 40 characters, and says so when more is pasted.
  const devices = [];
  const first = await newPerson(env.browser, PHONE, BROWSER);
  await first.page.goto(w.participantUrl);
  const nameField = first.page.getByLabel('Your name');
  const tooLong = 'Maximiliana Theodora Wolfe-Ashcombe of Stratfordshire';
  await nameField.fill(tooLong);
  const kept = await nameField.inputValue();
  assert.equal([...kept].length, 40, `the name field keeps at most the server's 40 characters, not ${[...kept].length}: ${JSON.stringify(kept)}`);
  assert.equal(kept, tooLong.slice(0, 40), 'the name field keeps the first 40 characters');
  const cut = await waitForText(first.page.getByTestId('join-name-cut'), 'at most 40 characters');
  assert.match(cut, /cut to the first 40/, `the form says the pasted name was cut: ${cut}`);
  await shoot(first.page, 'participant-join-name-cut-phone');
  await joinAs(first.page, people[0]);
  assert.equal(await first.page.getByTestId('join-name-cut').count(), 0, 'the note went with the join form');
  devices.push(first);
  for (const name of people.slice(1)) {
    const d = await newPerson(env.browser, devices.length % 2 ? DESKTOP : PHONE, BROWSER);
    await d.page.goto(w.participantUrl);
    await joinAs(d.page, name);
    devices.push(d);
  }

  // The phone's header shows the person's name whole beside (or below) the workshop's title.
  for (const [i, d] of devices.entries()) {
    if (d.page.viewportSize().width !== PHONE.width) continue;
    const me = d.page.getByTestId('me');
    await waitForText(me, people[i]);
    const header = await me.evaluate((el) => {
      const strong = el.querySelector('strong');
      const r = strong.getBoundingClientRect();
      return { clipped: el.scrollWidth > el.clientWidth + 1 || strong.scrollWidth > strong.clientWidth + 1,
        right: r.right, width: document.documentElement.clientWidth, text: strong.innerText };
    });
    assert.equal(header.text, people[i]);
    assert.ok(!header.clipped && header.right <= header.width, `the header shows "${people[i]}" whole at 360 px: ${JSON.stringify(header)}`);
  }
  await shoot(first.page, 'participant-waiting-name-phone');

  // The roster's times are the plan's 24-hour times, in its zone, as the agenda's are.
  await waitUntil('four people present', async () =>
    (await fac.page.locator('[data-testid=roster-entry][data-presence=present]').count()) === 4);
  const since = (await fac.page.getByTestId('roster-entry').first().innerText()).match(/since .*/)?.[0] ?? '';
  assertPlanTime(since, Date.now() - 60_000, Date.now(), 'the roster\'s "since"');

  // Preview: names wrap between words only, at desktop and phone widths.
  await fac.page.getByLabel('Exercise').selectOption('noticing-withdrawal');
  await fac.page.getByRole('button', { name: 'Preview groups' }).click();
  await waitUntil('a preview of two rooms', async () => (await fac.page.getByTestId('preview-group').count()) === 2);
  assert.deepEqual(await wordsBrokenAcrossLines(fac.page, NAME_SELECTORS), [], 'names broken mid-word on the desktop dashboard');
  await fac.page.setViewportSize(PHONE);
  assert.deepEqual(await wordsBrokenAcrossLines(fac.page, NAME_SELECTORS), [], 'names broken mid-word on the dashboard at 360 px');
  await shoot(fac.page, 'dashboard-preview-names-phone');
  await fac.page.setViewportSize(DESKTOP);

  // Swap the first person to join (p1) out of their room, lock that room and reshuffle the rest:
  // the locked room keeps its name.
  const ids = await fac.page.getByTestId('preview-person').evaluateAll((els) => els.map((e) => e.dataset.participant));
  const lowest = [...ids].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))[0];
  const card = (room) => fac.page.locator(`[data-testid=preview-group][data-room="${room}"]`);
  const roomA = await fac.page.locator(`[data-testid=preview-group]:has([data-participant="${lowest}"])`).getAttribute('data-room');
  const roomB = await fac.page.locator(`[data-testid=preview-group]:not(:has([data-participant="${lowest}"]))`).getAttribute('data-room');
  await card(roomA).locator(`[data-participant="${lowest}"]`).click();
  await card(roomB).getByTestId('preview-person').first().click();
  await waitUntil(`the swap to move ${lowest} into ${roomB}`, async () => (await card(roomB).locator(`[data-participant="${lowest}"]`).count()) === 1);
  const lockedIds = (await card(roomA).getByTestId('preview-person').evaluateAll((els) => els.map((e) => e.dataset.participant))).sort();
  await card(roomA).getByTestId('lock-group').click();
  await fac.page.getByRole('button', { name: 'Reshuffle unlocked' }).click();
  const lockedCard = fac.page.locator('[data-testid=preview-group][data-locked=true]');
  await waitUntil('the reshuffled preview', async () => (await lockedCard.count()) === 1 && !(await fac.page.getByTestId('reshuffle').isDisabled()));
  const lockedNow = (await lockedCard.getByTestId('preview-person').evaluateAll((els) => els.map((e) => e.dataset.participant))).sort();
  assert.deepEqual(lockedNow, lockedIds, 'the locked room kept its people');
  assert.equal(await lockedCard.getAttribute('data-room'), roomA, `the locked ${roomA} keeps its name after the reshuffle`);
  assert.deepEqual(await fac.page.getByTestId('preview-group').evaluateAll((els) => els.map((e) => e.dataset.room)), ['Room 1', 'Room 2'],
    'the rooms read in order');
  await fac.page.getByRole('button', { name: 'Launch round' }).click();
  await waitUntil('two rooms running', async () => (await fac.page.getByTestId('group-card').count()) === 2);
  const launched = await fac.page.locator(`[data-testid=group-card][data-room="${roomA}"] .person-name`).allInnerTexts();
  assert.equal(launched.length, lockedIds.length, `${roomA} was launched with the locked room's people: ${launched}`);

  // With no emails, no Zoom CSV is offered; the note says why and what to do instead.
  assert.equal(await fac.page.getByRole('button', { name: 'Download Zoom CSV' }).count(), 0,
    'a Zoom CSV with no one in it is not offered');
  const note = await waitForText(fac.page.getByTestId('email-note'), 'only by email');
  assert.match(note, /no one in this round gave one/, `the note says no one gave an email: ${note}`);
  assert.match(note, /Copy list.*by hand in Zoom/, `the note says to use the list and assign by hand: ${note}`);

  // The clock's "ends at" on the dashboard and on a phone: the plan's zone, 24-hour.
  // The round ends after this phase's time left and before two hours from now.
  const left = await countdownSeconds(fac.page.getByTestId('clock-countdown'));
  const endsFac = await waitForText(fac.page.locator('.clock-ends'), 'ends at about');
  assertPlanTime(endsFac, Date.now() + left * 1000, Date.now() + 7_200_000, 'the dashboard\'s round end');
  const endsPhone = await waitForText(first.page.locator('.p-ends-at'), 'ends at about');
  assert.equal(endsPhone, endsFac, 'the participant\'s round end reads as the dashboard\'s');
  for (const d of devices) await d.page.getByTestId('partners').waitFor({ state: 'visible', timeout: 15_000 });
  for (const d of devices)
    assert.deepEqual(await wordsBrokenAcrossLines(d.page, NAME_SELECTORS), [], 'names broken mid-word on a participant\'s card');
  assert.deepEqual(await wordsBrokenAcrossLines(fac.page, NAME_SELECTORS), [], 'names broken mid-word in the running rooms');
  await shoot(first.page, 'participant-assignment-names-phone');

  // Round 1's list, copied.
  const listArea = fac.page.getByLabel('The groups as text');
  await fac.page.getByRole('button', { name: 'Copy list' }).click();
  const list1 = await env.server.api(`/api/workshops/${w.code}/rounds/1/list`, w.facilitatorToken);
  await waitUntil('round 1\'s list on the dashboard', async () => (await listArea.inputValue()) === list1);
  await shoot(fac.page, 'dashboard-round1-list-desktop');

  // Round 1 ends; a fifth person joins, with an email; round 2 starts.
  await fac.page.getByRole('button', { name: 'End round' }).click();
  await waitForText(fac.page.locator('#round-h'), 'Round 1 (ended)');
  const late = await newPerson(env.browser, DESKTOP, BROWSER);
  await late.page.goto(w.participantUrl);
  await joinAs(late.page, 'Eve Adams', 'eve@example.org');
  devices.push(late);
  await waitUntil('five people present', async () =>
    (await fac.page.locator('[data-testid=roster-entry][data-presence=present]').count()) === 5);
  await fac.page.getByRole('button', { name: 'Launch round' }).click();
  await waitForText(fac.page.locator('#round-h'), /^Round 2$/);

  // The list under "Round 2" is round 2's, never round 1's.
  const list2 = await env.server.api(`/api/workshops/${w.code}/rounds/2/list`, w.facilitatorToken);
  assert.notEqual(list2, list1, 'the two rounds\' lists differ');
  await waitUntil('round 2\'s list under the round 2 heading', async () => {
    const shown = (await listArea.isVisible()) ? await listArea.inputValue() : '';
    assert.notEqual(shown, list1, 'round 1\'s list is still shown under the round 2 heading');
    return shown === list2;
  });

  // One email of five: the CSV is offered, and says who it leaves out.
  const partNote = await waitForText(fac.page.getByTestId('email-note'), '4 of 5');
  assert.match(partNote, /gave no email, so the Zoom CSV leaves them out/, `the note says how many the CSV misses: ${partNote}`);
  const download = fac.page.waitForEvent('download');
  await fac.page.getByRole('button', { name: 'Download Zoom CSV' }).click();
  const csv = await download;
  assert.match(csv.suggestedFilename(), /-round-2-zoom\.csv$/);
  const status = await waitForText(fac.page.locator('.exports .copy-status'), 'Downloaded');
  assert.match(status, /with 1 of 5 people: the 4 without an email are not in it/, `the download says who is missing: ${status}`);
  await shoot(fac.page, 'dashboard-round2-list-desktop');
  await fac.page.setViewportSize(PHONE);
  await shoot(fac.page, 'dashboard-round2-list-phone');
  await fac.page.setViewportSize(DESKTOP);

  for (const d of [fac, ...devices]) assert.deepEqual(d.errors, [], 'no errors in the pages\' consoles');
  assert.deepEqual(a11y, [], 'accessibility problems (WCAG 2.1 AA, serious or critical)');
});
