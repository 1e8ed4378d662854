// The plan editor, in Chromium against the real server: an organiser copies the demo template,
// edits it in the form (a 12-minute phase, a conditional question, a mistake shown at its field
// and fixed) and saves; the export holds the changes and survives export -> import -> export
// byte for byte; the plan file view shows a problem at its line; a draft is kept by itself and
// offered again; leaving with unsaved changes asks first; a facilitator sees the plan read-only.
// Every view at 360 px and 1280 px, checked by axe-core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, checkedScreenshots, newPerson, useServerAndBrowser, waitForText, waitUntil } from './harness.mjs';
import { setPassword, shootBoth } from './pages.mjs';
import { ADDED_QUESTION, editPlanAsInAcceptance, field, waitForChecked } from './plan_editor_steps.mjs';

const env = useServerAndBrowser(['--first-organiser', 'first@example.org']);

const ORGANISER = { email: 'first@example.org', password: 'calm river at dawn' };
const FACILITATOR = { email: 'f@example.org', password: 'tea by the window' };

/** A request from the page itself, so that it carries the page's Origin and session cookie. */
async function api(page, method, path, body) {
  const { status, text } = await page.evaluate(async ([m, p, b]) => {
    const res = await fetch(p, { method: m, headers: b ? { 'Content-Type': 'application/json' } : {}, body: b ? JSON.stringify(b) : undefined });
    return { status: res.status, text: await res.text() };
  }, [method, path, body]);
  return { status, text, json: () => JSON.parse(text) };
}

async function ok(page, method, path, body) {
  const r = await api(page, method, path, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
  return r;
}

/** The 1-based line of the file that contains `needle`, after line `after`. */
function lineOf(text, needle, after = 0) {
  const lines = text.split('\n');
  for (let i = after; i < lines.length; i++) if (lines[i].includes(needle)) return i + 1;
  throw new Error(`"${needle}" is not in the file`);
}

test('Browser.PlanEditor: edit a copy of the demo in the form, a problem at its field, save, export and import unchanged, the file view, drafts, leaving, a facilitator read-only', async () => {
  const { shoot, problems: a11y } = checkedScreenshots();
  const base = env.server.base;

  const org = await newPerson(env.browser, DESKTOP);
  await setPassword(org.page, await env.server.firstOrganiserLink(), ORGANISER.email, ORGANISER.password);

  // A copy of the demo template, through the API.
  const list = (await ok(org.page, 'GET', '/api/plans')).json();
  const template = list.plans.find((p) => p.template);
  assert.ok(template, `the library holds the demo template: ${JSON.stringify(list)}`);
  const copy = await ok(org.page, 'POST', '/api/plans', { fromPlanId: template.planId });
  assert.equal(copy.status, 201, 'a copy is created');
  const planId = copy.json().entry.planId;
  const editorUrl = `${base}/plans/${encodeURIComponent(planId)}`;

  await org.page.goto(editorUrl);
  await waitForText(org.page.getByTestId('plan-name'), /\S/);
  await waitForChecked(org.page, { problems: 0 });
  assert.equal(await field(org.page, 'title').getByLabel('Title').inputValue(),
    'Resolving ruptures in the therapeutic relationship: a day of paired practice', 'the form shows the copied plan');
  await waitForText(org.page.getByTestId('draft-status'), 'No unsaved changes');
  await shootBoth(shoot, org.page, 'plan-editor', DESKTOP);

  // The previews: the summary as the server phrases it, the form as participants get it.
  const summary = await waitForText(org.page.getByTestId('summary-preview'), 'Of the twelve participants:');
  assert.match(summary, /^Of the twelve participants: 6 rated the workshop as excellent, 4 as good, 2 as fair\. 6 would definitely recommend the workshop to a colleague, 4 perhaps, 2 not\./,
    `the summary preview: ${summary}`);
  const preview = org.page.getByTestId('form-preview');
  assert.equal(await preview.locator('[data-question-id="relevance-cat"]').isVisible(), false, 'a conditional question waits for its answer');

  // The edits as the acceptance test makes them: a 12-minute phase, a conditional question, a
  // mistake shown at its field and fixed, saved.
  const saved = await editPlanAsInAcceptance(org.page);
  assert.match(saved, /^Saved as version 2 /, `a second version after the copy: ${saved}`);
  await waitForText(org.page.getByTestId('versions'), `Version 2 saved`);
  await waitForText(org.page.getByTestId('versions'), ORGANISER.email);
  await waitForText(org.page.getByTestId('draft-status'), 'No unsaved changes');

  // The added question in the preview: hidden until the preview's "Yes" is chosen.
  const addedPreview = preview.locator(`[data-question-id="${ADDED_QUESTION.id}"]`);
  assert.equal(await addedPreview.isVisible(), false, 'the new question is asked only after its answer');
  await preview.locator('[data-question-id="cat-therapist"]').getByLabel('Yes').check();
  await waitUntil('the conditional question to appear in the preview', () => addedPreview.isVisible());
  await shootBoth(shoot, org.page, 'plan-editor-saved', DESKTOP);

  // The export holds what was saved (the JSON file names fields as plan.proto does).
  const json = (await ok(org.page, 'GET', `/api/plans/${planId}/export?format=json`)).json();
  assert.equal(json.exercises[0].phases[0].minutes, 12, 'the saved plan has the 12-minute phase');
  assert.equal(json.exercises[1].excerpt_id, 'confrontation-marker', 'the fixed excerpt is saved');
  const added = json.questionnaire.questions.find((q) => q.id === ADDED_QUESTION.id);
  assert.ok(added, 'the saved plan has the added question');
  assert.equal(added.text, ADDED_QUESTION.text);
  assert.deepEqual(added.condition, { question_id: ADDED_QUESTION.condition.questionId, option_ids: ADDED_QUESTION.condition.optionIds },
    'with its condition');
  assert.ok(added.text_answer !== undefined, 'as a written question');

  // Export -> import -> export: byte for byte, in both formats.
  const text = (await ok(org.page, 'GET', `/api/plans/${planId}/export?format=text`)).text;
  assert.match(text, /minutes: 12/, 'the text export has the 12-minute phase');
  for (const [format, body] of [['text', text], ['json', JSON.stringify(json)]]) {
    const imported = await ok(org.page, 'POST', '/api/plans', { source: { format, body } });
    const againId = imported.json().entry.planId;
    const again = (await ok(org.page, 'GET', `/api/plans/${againId}/export?format=text`)).text;
    assert.equal(again, text, `a ${format} export imported and exported again is unchanged`);
  }

  // The plan file: a problem shown at its line; the caret goes there.
  await org.page.getByRole('tab', { name: 'Plan file' }).click();
  const area = org.page.getByLabel('The plan file');
  await waitUntil('the plan file in the text view', async () => (await area.inputValue()).includes('minutes: 12'));
  const fileText = await area.inputValue();
  assert.equal(fileText, text, 'the text view shows the file as exported');
  const exerciseLine = lineOf(fileText, 'exercises {');
  const badLine = lineOf(fileText, 'minutes: 12', exerciseLine);
  await area.fill(fileText.replace('minutes: 12', 'minutes: 0'));
  const lineProblem = org.page.getByTestId('problem-line').filter({ hasText: `Line ${badLine}:` });
  const shown = await waitForText(lineProblem, 'lasts 0 minutes');
  assert.match(shown, new RegExp(`^Line ${badLine}: phase 'Practice' of exercise 'noticing-withdrawal' lasts 0 minutes; give it between 1 and 240$`),
    `the problem at its line: ${shown}`);
  assert.equal(await area.getAttribute('aria-invalid'), 'true', 'the file is marked invalid');
  await lineProblem.click();
  const caretLine = await area.evaluate((el) => el.value.slice(0, el.selectionStart).split('\n').length);
  assert.equal(caretLine, badLine, 'the caret moves to the line of the problem');
  assert.equal(await org.page.getByTestId('save-version').isDisabled(), true, 'the file with a problem cannot be saved');
  await shootBoth(shoot, org.page, 'plan-file-problem', DESKTOP);

  // Back to the form, which takes the plan from the file, problem and all.
  await org.page.getByRole('tab', { name: 'Form' }).click();
  const minutes = field(org.page, 'exercises[0].phases[0].minutes');
  await waitUntil('the form to show the file\'s 0 minutes', async () => (await minutes.getByLabel('Minutes').inputValue()) === '0');
  await waitForText(minutes.locator('.field-error'), 'lasts 0 minutes');
  await shootBoth(shoot, org.page, 'plan-editor-problem', DESKTOP);
  await minutes.getByLabel('Minutes').fill('12');
  await waitForChecked(org.page, { problems: 0 });

  // A change is kept as a draft by itself; coming back offers it.
  await field(org.page, 'presenter').getByLabel('Presenter').fill('Dr Elena Marsh (draft)');
  await waitForText(org.page.getByTestId('draft-status'), /^Draft kept at \d{2}:\d{2}; not yet saved as a version\.$/);

  // Leaving with unsaved changes asks first.
  const asked = new Promise((resolve) => org.page.once('dialog', async (d) => {
    const type = d.type();
    await d.dismiss();
    resolve(type);
  }));
  await org.page.close({ runBeforeUnload: true });
  assert.equal(await asked, 'beforeunload', 'leaving with unsaved changes asks first');
  assert.equal(org.page.isClosed(), false, 'staying keeps the page');

  const back = await org.context.newPage();
  back.on('pageerror', (e) => org.errors.push(e.message));
  back.on('console', (m) => { if (m.type() === 'error') org.errors.push(m.text()); });
  await back.goto(editorUrl);
  await waitForText(back.getByTestId('draft-offer'), 'There is a draft of this plan');
  await shootBoth(shoot, back, 'plan-draft-offer', DESKTOP);
  await back.getByTestId('continue-draft').click();
  await waitUntil('the draft in the form', async () => (await field(back, 'presenter').getByLabel('Presenter').inputValue()) === 'Dr Elena Marsh (draft)');

  // A facilitator sees the plan and cannot change it.
  const invite = (await ok(back, 'POST', '/api/accounts', { email: FACILITATOR.email, role: 'facilitator' })).json();
  const fac = await newPerson(env.browser, PHONE);
  await setPassword(fac.page, invite.url, FACILITATOR.email, FACILITATOR.password);
  await fac.page.goto(editorUrl);
  await waitForText(fac.page.getByTestId('read-only'), 'only organisers change plans');
  assert.equal(await field(fac.page, 'title').getByLabel('Title').getAttribute('readonly'), '', 'the title cannot be changed');
  assert.equal(await fac.page.getByTestId('save-version').count(), 0, 'no Save button');
  assert.equal(await fac.page.getByRole('button', { name: 'Add a question' }).count(), 0, 'no way to add a question');
  assert.equal(await field(fac.page, 'exercises[0].phases[0].minutes').getByLabel('Minutes').inputValue(), '12', 'the saved version is shown');
  await shootBoth(shoot, fac.page, 'plan-read-only', PHONE);

  // Chromium logs a refused request (401, 404, 422) as a console error; nothing else may appear.
  const refused = /^Failed to load resource: the server responded with a status of (401|404|422) /;
  for (const p of [org, fac]) assert.deepEqual(p.errors.filter((e) => !refused.test(e)), [], 'no errors in the pages\' consoles');
  assert.deepEqual(a11y, [], 'accessibility problems (WCAG 2.1 AA, serious or critical)');
  await back.close();
});
