// What an organiser does in the plan editor, as steps other tests reuse: on the editor page of a
// plan copied from the demo template, a phase becomes 12 minutes, a question asked only of CAT
// therapists is added, an exercise is pointed at an excerpt that does not exist (the server's
// sentence appears at that field), the mistake is fixed, and the plan is saved.
import assert from 'node:assert/strict';
import { waitForText, waitUntil } from './harness.mjs';

/** The new question the steps add: asked only when "cat-therapist" is answered "yes". */
export const ADDED_QUESTION = {
  id: 'cat-next-step',
  text: 'What will you try first in your CAT work?',
  condition: { questionId: 'cat-therapist', optionIds: ['yes'] },
};

/** The field of the form that edits `path` (as the server's validator names it). */
export function field(page, path) {
  return page.locator(`[data-field="${path}"]`);
}

/** Waits until the page has checked the plan as it now stands and shows the count of problems. */
export async function waitForChecked(page, { problems }) {
  const summary = page.locator('#problems h2');
  return waitForText(summary, problems === 0 ? 'No problems' : new RegExp(`^${problems} problems? to fix`));
}

export async function editPlanAsInAcceptance(page) {
  await waitForChecked(page, { problems: 0 });

  // A phase of 12 minutes: the first phase ("Practice") of the first exercise.
  const practice = field(page, 'exercises[0].phases[0]');
  await waitForText(practice.locator('.item-title'), 'Practice');
  await practice.getByLabel('Minutes').fill('12');
  await waitForText(practice.locator('.item-title'), /Practice/);

  // A written question, asked only of CAT therapists.
  const questions = page.locator('[data-field^="questionnaire.questions["].question');
  const before = await questions.count();
  await page.getByRole('button', { name: 'Add a question' }).click();
  await waitUntil('the new question', async () => (await questions.count()) === before + 1);
  const added = field(page, `questionnaire.questions[${before}]`);
  await added.getByLabel('Question', { exact: true }).fill(ADDED_QUESTION.text);
  await added.getByLabel('Kind of answer').selectOption({ label: 'Written answer' });
  await added.getByLabel('Id', { exact: true }).fill(ADDED_QUESTION.id);
  await added.getByLabel('When to ask it').selectOption({ label: 'Only when “Are you a CAT therapist (or in CAT training)?” is answered with…' });
  await added.getByLabel('Yes', { exact: true }).check();
  await waitForChecked(page, { problems: 0 });

  // A mistake: an exercise that hands out an excerpt no transcript has.
  const excerpt = field(page, 'exercises[1].excerpt_id');
  const input = excerpt.getByLabel('Excerpt handed out');
  await input.fill('no-such-excerpt');
  const said = await waitForText(excerpt.locator('.field-error'), 'no transcript has an excerpt with that id');
  assert.match(said, /hands out excerpt 'no-such-excerpt' but no transcript has an excerpt with that id; known excerpts: /,
    `the server's sentence at the field: ${said}`);
  assert.equal(await input.getAttribute('aria-invalid'), 'true', 'the input is marked invalid');
  const errorId = await excerpt.locator('.field-error').getAttribute('id');
  assert.ok((await input.getAttribute('aria-describedby')).split(' ').includes(errorId), 'the input is described by the problem');
  await waitForChecked(page, { problems: 1 });
  const link = page.getByTestId('problem-summary').getByRole('link', { name: /no-such-excerpt/ });
  await link.click();
  await waitUntil('the summary link to move the focus to the field', () => input.evaluate((el) => el === document.activeElement));
  assert.equal(await page.getByTestId('save-version').isDisabled(), true, 'a plan with problems cannot be saved as a version');
  await waitForText(page.getByTestId('save-why'), 'fix the 1 problem listed above first');

  // Fixed: the problem goes, and the plan is saved as a new version.
  await input.fill('confrontation-marker');
  await waitForChecked(page, { problems: 0 });
  assert.equal(await input.getAttribute('aria-invalid'), null, 'the input is no longer marked invalid');
  await waitUntil('the Save button to be enabled', async () => !(await page.getByTestId('save-version').isDisabled()));
  await page.getByTestId('save-version').click();
  return waitForText(page.getByTestId('save-status'), /^Saved as version \d+ at \d{2}:\d{2}\.$/);
}
