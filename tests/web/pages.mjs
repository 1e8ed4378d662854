// How the tests operate the pages: by the labels and roles a person uses, and the data-testid
// hooks the pages keep for the values a person reads.
import { DESKTOP, PHONE, waitForText } from './harness.mjs';

export async function joinAs(page, name, email) {
  await page.getByLabel('Your name').fill(name);
  if (email) await page.getByLabel('Email (optional)').fill(email);
  await page.getByRole('button', { name: 'Join' }).click();
  await waitForText(page.getByTestId('conn-state'), 'Connected');
}

/** Room, role, partner names and excerpt length as the participant's card shows them. */
export async function readAssignment(page) {
  const room = await waitForText(page.getByTestId('room'), /Room \d+/);
  const role = (await page.getByTestId('role').innerText()).trim();
  const partners = await page.getByTestId('partner').allInnerTexts();
  const turns = await page.locator('[data-testid=excerpt] li').count();
  const excerpt = (await page.getByTestId('excerpt').innerText()).trim();
  return { room: room.match(/Room \d+/)[0], role, partners: partners.map((p) => p.trim()), turns, excerpt };
}

/** The seconds a countdown shows ("9:58" → 598). */
export async function countdownSeconds(locator) {
  const text = await waitForText(locator, /\d+:\d\d/);
  const [m, s] = text.match(/(\d+):(\d\d)/).slice(1).map(Number);
  return m * 60 + s;
}

/** Fills the demo plan's questionnaire with one person's answers. */
export async function answerFeedback(page, p) {
  const q = (text) => page.getByRole('group', { name: text });
  await q('Overall, how would you rate the workshop?').getByLabel(p.overall, { exact: true }).check();
  await q('Would you recommend the workshop to a colleague?').getByLabel(p.recommend, { exact: true }).check();
  await q('Are you a CAT therapist (or in CAT training)?').getByLabel(p.cat, { exact: true }).check();
  const relevance = p.cat === 'Yes' ? 'How relevant was the workshop to your CAT work?' : 'How relevant was the workshop to your work?';
  await q(relevance).getByLabel(p.relevance, { exact: true }).check();
  if (p.pace) await q('How well did the pace of the day suit you?').getByLabel(String(p.pace), { exact: true }).check();
  if (p.useful) await page.getByLabel('What did you find most useful?').fill(p.useful);
}

/** Screenshots of the page as it stands at both widths (NAME-desktop, NAME-phone), back at `restore` after. */
export async function shootBoth(shoot, page, name, restore) {
  await page.setViewportSize(DESKTOP);
  await shoot(page, `${name}-desktop`);
  await page.setViewportSize(PHONE);
  await shoot(page, `${name}-phone`);
  await page.setViewportSize(restore);
}

/** Sets the password with a one-time link; the browser is signed in as `email` after. */
export async function setPassword(page, link, email, password) {
  await page.goto(link);
  await page.getByLabel('New password').fill(password);
  await page.getByLabel('Type it again').fill(password);
  await page.getByRole('button', { name: 'Set password and sign in' }).click();
  await waitForText(page.getByTestId('welcome-done'), `You are signed in as ${email}`);
}
