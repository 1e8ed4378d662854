// A facilitator and seven participants, each in their own browser context (their own device),
// run a round of the demo plan through the real pages: groups of two and one triad, the
// countdown agreeing with the dashboard, a broadcast, a help request and "we're done", feedback
// from everyone, and the right numbers on the dashboard and in the organiser's report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DESKTOP, PHONE, artifacts, checkedScreenshots, decodeQr, useServerAndBrowser, newPerson, waitForText, waitUntil } from './harness.mjs';
import { answerFeedback, countdownSeconds, joinAs, readAssignment } from './pages.mjs';

const env = useServerAndBrowser();

// What each person answers; the expected figures below follow from these lines alone.
const people = [
  { name: 'Amira Haddad', overall: 'Excellent', recommend: 'Definitely', cat: 'Yes', relevance: 'Extremely relevant', pace: 5, useful: 'Slowing down to name the withdrawal.' },
  { name: 'Ben Okafor', overall: 'Excellent', recommend: 'Definitely', cat: 'No', relevance: 'Of some relevance', pace: 4 },
  { name: 'Chloe Martin', overall: 'Good', recommend: 'Perhaps', cat: 'No', relevance: 'Extremely relevant', pace: 3, useful: 'Hearing the observer afterwards.' },
  { name: 'Dev Patel', overall: 'Excellent', recommend: 'Definitely', cat: 'Yes', relevance: 'Extremely relevant', pace: 4, useful: 'The transcript <b>excerpts</b> & the swap.' },
  { name: 'Eilidh Ross', overall: 'Good', recommend: 'Definitely', cat: 'No', relevance: 'Of some relevance', pace: 4 },
  { name: 'Farid Nasser', overall: 'Excellent', recommend: 'Perhaps', cat: 'Yes', relevance: 'Of some relevance', pace: 5 },
  { name: 'Grace Liu', overall: 'Good', recommend: 'Definitely', cat: 'No', relevance: 'Extremely relevant', pace: 3 },
];

test('Browser.WorkshopDay: seven participants, one triad, broadcast, help, feedback and the right tallies', async () => {
  // Every view photographed is also checked against WCAG 2.1 AA (axe-core): labels, contrast,
  // names of controls, structure. Problems are gathered and reported together at the end.
  const { shoot, problems: a11y } = checkedScreenshots();
  const w = await env.server.createWorkshop();
  const fac = await newPerson(env.browser, DESKTOP);
  fac.page.on('dialog', (d) => d.accept());
  const response = await fac.page.goto(w.facilitatorUrl);
  // The page runs only its own scripts and styles, and its token never leaves in a Referer.
  assert.match(response.headers()['content-security-policy'] ?? '', /script-src 'self'; style-src 'self';/);
  assert.equal(response.headers()['referrer-policy'], 'no-referrer');
  await waitForText(fac.page.getByTestId('conn-state'), 'Connected');
  await waitForText(fac.page.getByTestId('join-code'), w.code);
  await waitForText(fac.page.getByTestId('join-link'), w.participantUrl);
  // The server listens on 127.0.0.1 with no public URL: beside the link, the dashboard says that
  // it opens on this computer only, and how to share one that works.
  await fac.page.getByTestId('local-only-note').waitFor({ state: 'visible', timeout: 15_000 });
  const localNote = await waitForText(fac.page.getByTestId('local-only-note'), 'This link works only on this computer');
  assert.match(localNote, /127\.0\.0\.1 means “this machine”.*--bind 0\.0\.0\.0 --port \d+ --public-url/,
    `the note says why and what to do: ${localNote}`);
  // The QR code, shown large for screen sharing, scans to the join link.
  await fac.page.getByRole('button', { name: 'Show QR code large' }).click();
  const qr = join(artifacts, 'dashboard-qr.png');
  await fac.page.locator('dialog[open] svg').screenshot({ path: qr });
  assert.equal(decodeQr(qr), w.participantUrl, 'the QR code does not scan to the join link');
  await fac.page.keyboard.press('Escape');
  await shoot(fac.page, 'dashboard-lobby-desktop');
  await fac.page.setViewportSize(PHONE);
  await shoot(fac.page, 'dashboard-lobby-phone');
  await fac.page.setViewportSize(DESKTOP);

  // The front page, where a code typed by hand leads to the join page.
  const home = await fac.context.newPage();
  await home.goto(`${env.server.base}/`);
  await home.getByLabel('Workshop code').fill(w.code.toLowerCase());
  await shoot(home, 'home-desktop');
  await home.setViewportSize(PHONE);
  await shoot(home, 'home-phone');
  await home.getByRole('button', { name: 'Continue' }).click();
  await home.waitForURL(`**/j/${w.code}`);
  await home.close();

  // Everyone joins from their own device; every other one on a phone.
  const devices = [];
  for (const [i, p] of people.entries()) {
    const d = await newPerson(env.browser, i % 2 === 0 ? PHONE : DESKTOP);
    await d.page.goto(w.participantUrl);
    if (i < 2) await shoot(d.page, `participant-join-${i === 0 ? 'phone' : 'desktop'}`);
    await joinAs(d.page, p.name, `${p.name.split(' ')[0].toLowerCase()}@example.org`);
    devices.push(d);
  }
  await shoot(devices[0].page, 'participant-waiting-phone');
  await shoot(devices[1].page, 'participant-waiting-desktop');

  const roster = fac.page.getByTestId('roster-entry');
  await waitUntil('seven people present on the roster', async () =>
    (await roster.count()) === 7 && (await fac.page.locator('[data-testid=roster-entry][data-presence=present]').count()) === 7);
  for (const p of people) await waitForText(fac.page.getByTestId('roster'), p.name);

  // Preview, then launch.
  await fac.page.getByLabel('Exercise').selectOption('noticing-withdrawal');
  await fac.page.getByRole('button', { name: 'Preview groups' }).click();
  await waitUntil('a preview of three groups', async () => (await fac.page.getByTestId('preview-group').count()) === 3);
  await shoot(fac.page, 'dashboard-preview-desktop');

  // Adjust before launch: swap the first people of two rooms, lock one room, reshuffle the rest.
  const previewRoom = (room) => fac.page.locator(`[data-testid=preview-group][data-room="${room}"]`);
  const membersOf = async (card) => (await card.locator('.person-name').allInnerTexts()).map((t) => t.trim()).sort();
  const [roomA, roomB] = await fac.page.getByTestId('preview-group').evaluateAll((cards) => cards.slice(0, 2).map((c) => c.dataset.room));
  const movedIn = (await previewRoom(roomB).locator('.person-name').first().innerText()).trim();
  const movedOut = (await previewRoom(roomA).locator('.person-name').first().innerText()).trim();
  await previewRoom(roomA).getByTestId('preview-person').first().click();
  await previewRoom(roomB).getByTestId('preview-person').first().click();
  await waitForText(previewRoom(roomA), movedIn);
  await waitForText(previewRoom(roomB), movedOut);
  const locked = await membersOf(previewRoom(roomA));
  assert.ok(locked.includes(movedIn) && !locked.includes(movedOut), `the swap moved ${movedIn} into ${roomA}: ${locked}`);
  await previewRoom(roomA).getByTestId('lock-group').click();
  await fac.page.getByRole('button', { name: 'Reshuffle unlocked' }).click();
  await waitUntil('the reshuffled preview to keep the locked room', async () => {
    for (const card of await fac.page.getByTestId('preview-group').all())
      if (JSON.stringify(await membersOf(card)) === JSON.stringify(locked)) return true;
    return false;
  });
  await fac.page.getByRole('button', { name: 'Launch round' }).click();
  await waitUntil('three groups running', async () => (await fac.page.getByTestId('group-card').count()) === 3);
  // Whatever the clock says, the agenda's "now" is the exercise being practised.
  await waitUntil('the agenda to mark the running exercise', async () =>
    (await fac.page.locator('.agenda-block[aria-current="time"]').getAttribute('data-exercise', { timeout: 1000 })) === 'noticing-withdrawal');

  // Every participant's card: rooms make two pairs and one triad, partners are each other.
  const seen = [];
  for (const d of devices) seen.push(await readAssignment(d.page));
  const byRoom = new Map();
  seen.forEach((a, i) => byRoom.set(a.room, [...(byRoom.get(a.room) ?? []), { ...a, name: people[i].name }]));
  assert.deepEqual([...byRoom.values()].map((g) => g.length).sort(), [2, 2, 3], `groups by room: ${JSON.stringify([...byRoom])}`);
  for (const [room, members] of byRoom) {
    for (const m of members) {
      const others = members.filter((o) => o !== m).map((o) => o.name).sort();
      assert.deepEqual([...m.partners].sort(), others, `${m.name} in ${room} should see partners ${others}`);
    }
    const roles = members.map((m) => m.role);
    assert.equal(new Set(roles).size, roles.length, `${room} has distinct roles: ${roles}`);
    if (members.length === 3) assert.ok(roles.includes('Observer'), `the triad has an observer: ${roles}`);
    await waitForText(fac.page.locator(`[data-testid=group-card][data-room="${room}"]`), members[0].name);
  }
  for (const a of seen) assert.ok(a.turns >= 2, `the excerpt is laid out as speaker turns (${a.turns})`);
  const lockedRoom = [...byRoom.values()].find((g) => g.some((m) => m.name === movedIn));
  assert.deepEqual(lockedRoom.map((m) => m.name).sort(), locked, 'the locked, adjusted room was launched as it stood');
  await shoot(devices[0].page, 'participant-assignment-phone');
  await shoot(devices[1].page, 'participant-assignment-desktop');

  // The countdown agrees with the dashboard's (both read the server's deadline).
  const facSeconds = await countdownSeconds(fac.page.getByTestId('clock-countdown'));
  for (const d of devices) {
    const s = await countdownSeconds(d.page.getByTestId('countdown'));
    assert.ok(Math.abs(s - facSeconds) <= 3, `participant countdown ${s}s vs dashboard ${facSeconds}s`);
  }
  await shoot(fac.page, 'dashboard-round-desktop');

  // The clock is the server's: a pause, an extension and a resume reach every page at once.
  const pauseResume = fac.page.getByTestId('pause-resume');
  await fac.page.getByRole('button', { name: 'Pause' }).click();
  for (const d of devices) await waitForText(d.page.getByTestId('clock-status'), 'Paused');
  const pausedAt = await countdownSeconds(devices[2].page.getByTestId('countdown'));
  await fac.page.getByRole('button', { name: '+1 min' }).click();
  await waitUntil('the extension on a participant\'s paused countdown', async () =>
    (await countdownSeconds(devices[2].page.getByTestId('countdown'))) === pausedAt + 60);
  await waitForText(pauseResume, 'Resume');
  await pauseResume.click();
  for (const d of devices) await waitUntil('the clock running again', async () =>
    !(await d.page.getByTestId('clock-status').innerText()).includes('Paused'));
  const extended = await countdownSeconds(fac.page.getByTestId('clock-countdown'));
  assert.ok(extended > facSeconds + 30, `extended by a minute: ${extended}s after ${facSeconds}s`);

  // Broadcast reaches everyone.
  const message = 'Five minutes left: start wrapping up, then swap roles.';
  await fac.page.getByLabel('Message to everyone').fill(message);
  await fac.page.getByRole('button', { name: 'Send to everyone' }).click();
  for (const d of devices) await waitForText(d.page.getByTestId('broadcast'), message);

  // A help request stands out on the dashboard; "we're done" from another room is shown too.
  const helper = seen[0];
  await devices[0].page.getByRole('button', { name: 'Ask for help' }).click();
  const sendHelp = devices[0].page.getByRole('button', { name: 'Send help request' });
  if (await sendHelp.isVisible()) await sendHelp.click();
  await waitUntil('the help request on the dashboard', async () =>
    (await fac.page.locator(`[data-testid=group-card][data-room="${helper.room}"]`).getAttribute('data-status')) === 'help');
  const doneIndex = seen.findIndex((a) => a.room !== helper.room);
  await devices[doneIndex].page.getByRole('button', { name: "We're done" }).click();
  await waitUntil('the done status on the dashboard', async () =>
    (await fac.page.locator(`[data-testid=group-card][data-room="${seen[doneIndex].room}"]`).getAttribute('data-status')) === 'done');
  await shoot(devices[0].page, 'participant-broadcast-help-phone');
  await shoot(fac.page, 'dashboard-help-desktop');
  // The partners see that their room asked; the room can say "never mind", and the facilitator
  // can mark a request handled: either way the alarm goes.
  const partnerIndex = seen.findIndex((a, i) => i > 0 && a.room === helper.room);
  await waitForText(devices[partnerIndex].page.getByTestId('help-status'), `asked by ${people[0].name}`);
  await devices[partnerIndex].page.getByTestId('withdraw-help').click();
  await waitUntil('the withdrawn request to leave the dashboard', async () =>
    (await fac.page.locator(`[data-testid=group-card][data-room="${helper.room}"]`).getAttribute('data-status')) !== 'help');
  await waitForText(devices[0].page.getByTestId('help-status'), 'Someone in your room said you are fine');
  await waitForText(devices[partnerIndex].page.getByTestId('help-status'), 'You said you are fine');
  await devices[0].page.getByRole('button', { name: 'Ask for help' }).click();
  await waitUntil('the help request again', async () =>
    (await fac.page.locator(`[data-testid=group-card][data-room="${helper.room}"]`).getAttribute('data-status')) === 'help');
  await fac.page.getByTestId('help-handled').first().click();
  await waitUntil('the handled request to leave the dashboard', async () =>
    (await fac.page.locator(`[data-testid=group-card][data-room="${helper.room}"]`).getAttribute('data-status')) !== 'help' &&
    !(await fac.page.getByTestId('help-alerts').isVisible()));
  await waitForText(devices[0].page.getByTestId('help-status'), 'Your facilitator has seen to your request');

  // Feedback: everyone answers; the dashboard counts and tallies live.
  await fac.page.getByRole('button', { name: 'Open feedback' }).click();
  for (const [i, d] of devices.entries()) {
    await answerFeedback(d.page, people[i]);
    if (i < 2) await shoot(d.page, `participant-feedback-${i === 0 ? 'phone' : 'desktop'}`);
    await d.page.getByRole('button', { name: 'Send feedback' }).click();
    await d.page.getByTestId('feedback-thanks').waitFor({ state: 'visible', timeout: 15_000 });
  }
  await shoot(devices[0].page, 'participant-thanks-phone');
  // While feedback is open the figures move only in batches of at least k = 3 (the first once 6
  // are in), and the roster no longer says who is connected: neither can tell who sent what.
  await waitForText(fac.page.getByTestId('responses-count'), /^3\b/);
  await waitForText(fac.page.getByTestId('release-note'), 'batches of at least 3');
  await waitForText(fac.page.getByTestId('roster-counts'), 'not shown while feedback is open');
  assert.equal(await fac.page.locator('[data-testid=roster-entry] .pill').count(), 0, 'presence shown during feedback');
  await shoot(fac.page, 'dashboard-feedback-batches-desktop');

  // The end of the day: everyone's page says so and stops; the dashboard shows every response.
  await fac.page.getByRole('button', { name: 'Close workshop' }).click();
  for (const d of devices) await d.page.getByTestId('ended').waitFor({ state: 'visible', timeout: 15_000 });
  await waitForText(fac.page.getByTestId('roster-counts'), '7 took part');
  await waitForText(fac.page.getByTestId('responses-count'), /^7\b/);
  const overall = fac.page.getByTestId('tally-overall');
  await waitForText(overall, '4 (57.1%)');
  await waitForText(overall, '3 (42.9%)');
  await waitForText(fac.page.getByTestId('tally-recommend'), '5 (71.4%)');
  await shoot(fac.page, 'dashboard-feedback-desktop');

  // The organiser's report shows the same numbers and the plain-words summary.
  // A wrong token brings the token form with the server's sentence; the right one, the report.
  const report = await fac.context.newPage();
  await report.goto(`${env.server.base}/r/${w.code}#t=not-the-token`);
  await waitForText(report.getByTestId('token-form'), 'facilitator token');
  await report.getByTestId('token-input').fill(w.facilitatorToken);
  await report.getByTestId('token-submit').click();
  const summary = await waitForText(report.getByTestId('summary'), 'Of the seven participants');
  assert.match(summary, /4 rated the workshop as excellent, 3 as good\./);
  assert.match(summary, /5 would definitely recommend the workshop to a colleague, 2 perhaps\./);
  const fromApi = await env.server.api(`/api/workshops/${w.code}/statistics?format=summary`, w.facilitatorToken);
  assert.equal(summary, fromApi.replace(/\s+/g, ' ').trim(), 'the report shows the server\'s summary');
  await waitForText(report.getByTestId('responses'), '7');
  await waitForText(report.getByTestId('question-overall'), '57.1%');
  // Three comments (k = 3), shown as text: markup typed by a participant stays text.
  const comments = report.getByTestId('comments-most-useful');
  await waitForText(comments, 'Hearing the observer afterwards.');
  await waitForText(comments, 'Slowing down to name the withdrawal.');
  await waitForText(comments, 'The transcript <b>excerpts</b> & the swap.');
  assert.equal(await comments.locator('b').count(), 0, 'a comment\'s markup was rendered as HTML');
  await shoot(report, 'report-run-desktop');
  // Every run of the series: this server holds this one run.
  await report.getByTestId('view-series').click();
  await waitForText(report.getByTestId('runs-table'), w.code);
  await shoot(report, 'report-series-desktop');
  await report.setViewportSize(PHONE);
  await shoot(report, 'report-series-phone');
  await report.setViewportSize(DESKTOP);
  await report.getByTestId('view-run').click();
  await waitForText(report.getByTestId('summary'), 'Of the seven participants');
  await report.setViewportSize(PHONE);
  await shoot(report, 'report-run-phone');
  // What "Print to PDF" gives: the print stylesheet on A4, as a PDF and as a picture.
  await report.setViewportSize({ width: 794, height: 1123 });
  await report.emulateMedia({ media: 'print' });
  await shoot(report, 'report-print');
  const pdf = await report.pdf({ path: join(artifacts, 'report.pdf'), format: 'A4', printBackground: true });
  assert.ok(pdf.length > 10_000, `the report prints to a PDF (${pdf.length} bytes)`);

  await fac.page.setViewportSize(PHONE);
  await shoot(fac.page, 'dashboard-feedback-phone');
  await fac.page.setViewportSize(DESKTOP);

  await shoot(devices[0].page, 'participant-ended-phone');
  await shoot(fac.page, 'dashboard-closed-desktop');
  // A closed workshop hands out no link, code, QR code or chat message, and offers no exercise
  // to choose; the server says it is closed, and a newcomer hears so before typing a name.
  await waitUntil('the join panel to go', async () => !(await fac.page.getByTestId('join-link').isVisible()));
  assert.equal(await fac.page.getByRole('button', { name: /^Choose/ }).count(), 0, 'the closed agenda still offers exercises');
  const status = await (await fetch(`${env.server.base}/api/workshops/${w.code}`)).json();
  assert.notEqual(status.open, true, `a closed workshop answers open: ${JSON.stringify(status)}`);
  const latecomer = await newPerson(env.browser, PHONE);
  await latecomer.page.goto(w.participantUrl);
  await waitForText(latecomer.page.getByTestId('ended'), 'The workshop has ended');
  assert.equal(await latecomer.page.getByLabel(/name/i).count(), 0, 'the join form is offered for a closed workshop');
  await shoot(latecomer.page, 'participant-closed-latecomer-phone');
  devices.push(latecomer);

  for (const d of [fac, ...devices]) assert.deepEqual(d.errors, [], 'no errors in the pages\' consoles');
  assert.deepEqual(a11y, [], 'accessibility problems (WCAG 2.1 AA, serious or critical)');
});
