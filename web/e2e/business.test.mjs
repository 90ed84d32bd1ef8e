// P14 類別維護(與業務相關) in the browser: tick categories, save, and find them
// ticked again after a reload; a stale save is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launch, newPage, signIn, api, devToken, audit } from './harness.mjs';

let stack, chrome;
const errors = [];
before(async () => { stack = await startStack({ people: 50, classes: 5 }); chrome = await launch(); });
after(async () => { await chrome?.close(); await stack?.stop(); assert.deepEqual(errors, [], 'script errors on the page'); });

test('P14: tick, save, reload: the agency\'s business-related categories', async () => {
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.hr');
  await page.click('#menu a[href="#/P14"]');
  await page.waitForSelector('#bc-list');
  await audit(page, 'P14');
  await page.check('#bc-list input[value="132"]');
  await page.check('#bc-list input[value="111"]');
  await page.click('#bc-form button[type=submit]');
  await page.waitForSelector('#flash.ok');
  await page.reload();
  await page.waitForSelector('#bc-list');
  assert.ok(await page.isChecked('#bc-list input[value="132"]'));
  assert.ok(await page.isChecked('#bc-list input[value="111"]'));
  assert.ok(!await page.isChecked('#bc-list input[value="121"]'));
  const token = await devToken(stack.url, 'moi.hr');
  const set = (await api(stack.url, 'GET', '/api/business-categories', { token })).body;
  assert.deepEqual(set.categories, ['111', '132']);
  const stale = await api(stack.url, 'PUT', '/api/business-categories', { token, body: { categories: ['121'] } });
  assert.equal(stale.status, 409, 'a save over a version it did not read');
  const bad = await api(stack.url, 'PUT', '/api/business-categories', { token, body: { categories: ['111', 'nope'], updated: set.updated } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, 'categories[1]');
  assert.deepEqual((await api(stack.url, 'GET', '/api/business-categories', { token })).body.categories, ['111', '132'], 'nothing written by the refused save');
});
