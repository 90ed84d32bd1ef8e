// Issue 4 in the browser: a course in days shows its certified hours and keeps
// its 323* restriction; a lecturer typed on the course form is then in the
// lecturer database; public lecturers are found from another agency, private
// ones are not; editing another agency's material is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launch, newPage, signIn, api, devToken } from './harness.mjs';

let stack, chrome;
const errors = [];
before(async () => { stack = await startStack({ people: 200, classes: 20 }); chrome = await launch(); });
after(async () => { await chrome?.close(); await stack?.stop(); assert.deepEqual(errors, [], 'script errors on the page'); });


test('create a course in days, restricted to 323*, with a typed-in lecturer', async () => {
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.course');
  await page.click('#menu a[href="#/L2"]');
  await page.waitForSelector('#c-list');
  await page.click('#c-search a[href="#/L2/new"]');
  await page.waitForSelector('#c-form');
  const start = stack.day(2); // days on the stack's Taipei calendar
  await page.fill('#f-code', 'E2E-DAYS');
  await page.fill('#f-session', '1');
  await page.fill('#f-name', '端對端測試研習班');
  await page.selectOption('#f-category', '3111');
  await page.fill('#f-start', start);
  await page.fill('#f-end', stack.day(4));
  await page.fill('#f-amount', '3');
  await page.check('input[name=unit][value=day]');
  assert.equal(await page.textContent('#f-hours'), '18 小時', 'three days certify 18 hours');
  await page.fill('#f-es', stack.day(0));
  await page.fill('#f-ee', stack.day(3));
  await page.fill('#f-cap', '40');
  await page.check('#f-full');
  await page.fill('#f-location', '臺北市中正區');

  // A malformed restriction is refused beside its field, and nothing is saved.
  await page.fill('#f-restriction', '32A*;;*');
  await page.click('#c-form button[type=submit]');
  await page.waitForSelector('[data-err="restriction"]:not(:empty)');
  assert.match(await page.textContent('[data-err="restriction"]'), /第 1 項/);
  await page.fill('#f-restriction', '323*');

  await page.fill('#f-subject', '端對端科目');
  await page.click('#f-subjects [data-add]');
  await page.fill('#f-lecturer', '端木新講');
  await page.press('#f-lecturer', 'Enter');
  await page.click('#c-form button[type=submit]');
  await page.waitForSelector('#flash.ok');
  assert.match(await page.textContent('#flash'), /E2E-DAYS 第 1 期（認證時數 18 小時）/);
  const row = page.locator('tr[data-class="E2E-DAYS/1"]');
  assert.match(await row.textContent(), /18 小時/);

  const token = await devToken(stack.url, 'moi.course');
  const saved = (await api(stack.url, 'GET', '/api/courses/E2E-DAYS/1', { token })).body;
  assert.equal(saved.restriction, '323*');
  assert.equal(saved.unit, 'day');
  assert.equal(saved.hours, 18);

  // The typed lecturer is now in the agency's lecturer database (L3).
  await page.click('#menu a[href="#/L3"]');
  await page.fill('#l-name', '端木');
  await page.click('#l-search button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#l-list tr[data-lecturer]').length === 1);
  assert.match(await page.textContent('#l-list'), /端木新講/);
  assert.match(await page.textContent('#l-list'), /端對端科目/);
});

test('the lecturer database shows other agencies\' public lecturers only', async () => {
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'tpe.admin');
  await page.click('#menu a[href="#/L4"]');
  await page.waitForSelector('#d-list tr[data-lecturer]'); // the first page of the whole database
  await page.fill('#d-name', '王大');
  await page.click('#d-search button[type=submit]');
  await page.waitForFunction(() => [...document.querySelectorAll('#d-list tr[data-lecturer]')].every((tr) => tr.textContent.includes('王大')));
  assert.match(await page.textContent('#d-list'), /王大明.*內政部/s);
  await page.click('#d-list a:has-text("王大明")');
  await page.waitForSelector('dl.detail');
  const detail = await page.textContent('#view');
  assert.ok(!/02-2|@example|重慶南路/.test(detail), 'no private data in the detail: ' + detail);

  await page.click('#menu a[href="#/L4"]');
  await page.waitForSelector('#d-list tr[data-lecturer]');
  await page.fill('#d-name', '李小華'); // MOI's private lecturer
  await page.click('#d-search button[type=submit]');
  await page.waitForSelector('#d-list .muted');
  assert.match(await page.textContent('#d-list'), /沒有符合條件的講師/);
});

test('editing another agency\'s material is refused', async () => {
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'tpe.admin');
  await page.click('#menu a[href="#/L7"]');
  await page.waitForSelector('#m-list tr[data-material]');
  await page.fill('#m-name', '戶政資訊');
  await page.click('#m-search button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#m-list tr[data-material]').length === 1);
  const row = page.locator('tr[data-material="demo00000"]');
  await row.waitFor();
  assert.equal(await row.locator('text=編輯').count(), 0, 'no edit link for another agency\'s material');
  assert.match(await page.getAttribute('#m-elearn', 'href'), /^https?:/);
  // Typing the edit address anyway: the form opens, the save is refused.
  await page.goto(stack.url + '/#/L7/edit/demo00000');
  await page.waitForSelector('#m-form');
  await page.fill('#mf-name', '被改掉的名稱');
  await page.click('#m-form button[type=submit]');
  await page.waitForSelector('#flash:not(.ok):not(:empty)');
  assert.match(await page.textContent('#flash'), /只能由通報的機關編輯/);
  const token = await devToken(stack.url, 'tpe.admin');
  assert.equal((await api(stack.url, 'GET', '/api/materials/demo00000', { token })).body.name, '戶政資訊安全數位課程');
});
