// P17 性別主流化訓練情形調查 in the browser: the form shows the numbers the
// API computed, saves an officer's figures, lists the subordinates' state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launch, newPage, signIn, api, devToken, audit } from './harness.mjs';

let stack, chrome;
const errors = [];
before(async () => { stack = await startStack(); chrome = await launch(); });
after(async () => { await chrome?.close(); await stack?.stop(); assert.deepEqual(errors, [], 'script errors on the page'); });

test('P17: the pre-filled form, a save, and the subordinates\' state', async () => {
  const token = await devToken(stack.url, 'moi.hr');
  const form = (await api(stack.url, 'GET', '/api/gender-survey', { token })).body;
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.hr');
  await page.click('#menu a[href="#/P17"]');
  await page.waitForSelector('#gs-list');
  if (!form.required) { // the demo table names 內政部 every year; say so if it changes
    assert.fail(`內政部 is not required this year: ${JSON.stringify(form)}`);
  }
  for (const k of ['menStaff', 'womenStaff', 'menTrained', 'womenTrained', 'menHours', 'womenHours']) {
    assert.equal(await page.textContent(`[data-computed="${k}"]`), String(form.computed[k]), `${k} as computed`);
  }
  await audit(page, 'P17 form');
  if (form.editable) {
    await page.fill('#gs-womenHours', String(form.computed.womenHours + 2));
    await page.fill('#gs-note', '含外部機構訓練');
    await page.click('#gs-form button[type=submit]');
    await page.waitForSelector('#gs-list tr[data-agency="301000000A"] td:has-text("已填報")');
    const saved = (await api(stack.url, 'GET', '/api/gender-survey', { token })).body;
    assert.equal(saved.values.womenHours, form.computed.womenHours + 2);
    assert.equal(saved.note, '含外部機構訓練');
    // more trained than staff: refused beside the field
    await page.fill('#gs-menTrained', String(form.computed.menStaff + 1));
    await page.click('#gs-form button[type=submit]');
    await page.waitForSelector('#err-menTrained:not(:empty)');
  }
  assert.ok((await page.textContent('#gs-list tr[data-agency="301010000C"]')).includes('不須填報'), '警政署 is not required');
});
