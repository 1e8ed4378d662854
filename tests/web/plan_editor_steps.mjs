// PLACEHOLDER until the plan editor's own steps arrive: what Browser.Workspace does in the plan
// editor. The real file drives the editor's page; this one only saves the plan as it stands, as a
// new version, through the API the editor uses (from the page, so the session cookie and the
// page's Origin go with it). `page` is at <base>plans/ID.
import assert from 'node:assert/strict';

export async function editPlanAsInAcceptance(page) {
  const planId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
  const answer = await page.evaluate(async (id) => {
    const api = (path) => new URL(`../api/${path}`, location.href).href;
    const detail = await (await fetch(api(`plans/${encodeURIComponent(id)}`), { cache: 'no-store' })).json();
    const res = await fetch(api(`plans/${encodeURIComponent(id)}/versions`), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ format: 'json', body: JSON.stringify(detail.plan) }),
    });
    return { status: res.status, body: await res.text() };
  }, planId);
  assert.ok(answer.status >= 200 && answer.status < 300, `saving plan ${planId} as a new version: ${answer.status} ${answer.body}`);
}
