// 自動時數上傳's platform clients in the browser (系統管理): a system
// administrator registers a platform, sees its secret once (it works at the
// token endpoint, and is never shown again), and revokes it (its token stops
// at once).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launch, newPage, signIn, audit } from './harness.mjs';

let stack, chrome;
const errors = [];
before(async () => { stack = await startStack({ people: 50, classes: 5 }); chrome = await launch(); });
after(async () => { await chrome?.close(); await stack?.stop(); assert.deepEqual(errors, [], 'script errors on the page'); });

async function token(id, secret) {
  const res = await fetch(stack.url + '/api/platform/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64') },
    body: 'grant_type=client_credentials',
  });
  return { status: res.status, body: await res.json() };
}

test('platform clients: register → the secret shown once → revoke', async () => {
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'sys.admin');
  await page.click('#menu a[href="#/SYS/platforms"]');
  await page.waitForSelector('#pc-form');
  await audit(page, 'platform clients');
  // The demo platform is listed; its secret is not on the page.
  assert.match(await page.textContent('#pc-list'), /E等公務園\+/);

  await page.click('#pc-form button[type=submit]'); // nothing filled: both fields refused
  await page.waitForSelector('#err-name:not(:empty)');
  assert.match(await page.textContent('#err-agency'), /機關代碼/);

  await page.fill('#pc-name', '地方研習e學中心');
  await page.fill('#pc-agency', '301000000A');
  await page.click('#pc-form button[type=submit]');
  await page.waitForSelector('#pc-secret');
  await audit(page, 'platform client registered');
  const id = (await page.textContent('#pc-new-id')).trim();
  const secret = (await page.textContent('#pc-new-secret')).trim();
  assert.match(id, /^plc-/);
  assert.ok(secret.length >= 40, 'a long random secret');
  const ok = await token(id, secret);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.token_type, 'Bearer');

  // Once: gone after 我已妥善保存, and not there after a reload either.
  await page.click('#pc-done');
  await page.waitForSelector('#pc-secret', { state: 'detached' });
  await page.reload();
  await page.waitForSelector(`#pc-list tr[data-client="${id}"][data-state="active"]`);
  assert.ok(!(await page.content()).includes(secret), 'the secret is shown again');

  await page.click(`#pc-list tr[data-client="${id}"] [data-revoke]`);
  await page.waitForSelector('dialog.confirm[open]');
  await page.click('dialog.confirm [data-confirm]');
  await page.waitForSelector(`#pc-list tr[data-client="${id}"][data-state="revoked"]`);
  const me = await fetch(stack.url + '/api/platform/jobs/none', { headers: { Authorization: 'Bearer ' + ok.body.access_token } });
  assert.equal(me.status, 401, 'the revoked client\'s token still works');
  const again = await token(id, secret);
  assert.equal(again.status, 401);
  assert.equal(again.body.error, 'invalid_client');
});
