// P15 學習時數(複核及修改) and P16 學習時數修改(職稱、官職等) in the browser:
// two learners report hours learned at private institutions (the front
// stage's API); a personnel officer passes one and fails the other (a
// failure without a reason is refused beside its row, nothing saved), the
// learner sees the reason, H6's count follows the list; then the officer
// corrects a title in P16 and finds the change and its audit entry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launch, newPage, signIn, api, devToken, audit } from './harness.mjs';

let stack, chrome;
const errors = [];
before(async () => { stack = await startStack({ people: 100, classes: 10 }); chrome = await launch(); });
after(async () => { await chrome?.close(); await stack?.stop(); assert.deepEqual(errors, [], 'script errors on the page'); });

const recKey = (r) => `${r.personId}|${r.year}|${r.id}`;

test('P15: pass one report, fail one with a reason; P16: correct a title', async () => {
  const token = await devToken(stack.url, 'moi.hr');
  const pendingList = async () => (await api(stack.url, 'GET', '/api/reviews?status=pending', { token })).body.items;
  const homeCount = async () => (await api(stack.url, 'GET', '/api/home', { token })).body.todo.pendingReview;
  const demoRows = await pendingList();
  const people = [...new Set(demoRows.map((r) => r.personId))];
  assert.ok(people.length >= 2, `the demo has MOI learners with reports: ${JSON.stringify(demoRows)}`);
  const day = stack.day(-1);
  const reported = [];
  for (const [i, person] of people.slice(0, 2).entries()) {
    const r = await api(stack.url, 'POST', '/api/front/records', { token: await devToken(stack.url, person), body: {
      institution: '中國生產力中心', courseName: `瀏覽器測試課程${i + 1}`, category: i ? '111' : '511',
      start: day, end: day, hours: 4 + i, nature: 'physical' } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    reported.push(r.body);
  }
  const [pass, failed] = reported;
  const before = await homeCount();
  assert.equal(before, (await pendingList()).length, 'H6 counts what P15 lists');

  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.hr');
  await page.click('[data-todo="P15"] a, a[data-todo="P15"]'); // H6 opens P15
  await page.waitForSelector('#rv-list table');
  await audit(page, 'P15');
  const row = (r) => page.locator(`tr[data-rec="${recKey(r)}"]`);
  await row(pass).locator('select[name=result]').selectOption('approve');
  await row(failed).locator('select[name=result]').selectOption('reject');
  // A failure without a reason: refused beside its row, nothing saved.
  await page.click('#rv-submit');
  await page.waitForFunction((k) => document.querySelector(`tr[data-rec="${k}"] [data-row-err]`)?.textContent.includes('原因'), recKey(failed));
  assert.equal(await homeCount(), before, 'a refused batch decided nothing');
  await row(failed).locator('input[name=reason]').fill('缺研習證明');
  await page.click('#rv-submit');
  await page.waitForSelector('#flash.ok');
  await page.waitForFunction((k) => !document.querySelector(`tr[data-rec="${k}"]`), recKey(pass));
  assert.equal(await row(failed).count(), 0, 'the failed record left the pending list');
  assert.equal(await homeCount(), before - 2);
  assert.equal((await pendingList()).length, before - 2, 'H6 still counts what P15 lists');
  // The learner sees the reason; the rejected list shows it too.
  const mine = (await api(stack.url, 'GET', '/api/front/records', { token: await devToken(stack.url, failed.personId) })).body.items;
  const back = mine.find((r) => r.id === failed.id);
  assert.equal(back.status, 'rejected');
  assert.equal(back.reason, '缺研習證明');
  await page.selectOption('#rv-status', 'rejected');
  await page.click('#rv-search button[type=submit]');
  await page.waitForFunction((k) => document.querySelector(`tr[data-rec="${k}"]`)?.textContent.includes('缺研習證明'), recKey(failed));

  // P16: correct the passed record's title.
  await page.click('#menu a[href="#/P16"]');
  await page.waitForSelector('#cr-list table, #cr-list .muted');
  await page.selectOption('#cr-year', String(pass.year));
  await page.fill('#cr-courseName', pass.courseName);
  await page.click('#cr-search button[type=submit]');
  const cr = page.locator(`tr[data-rec="${recKey(pass)}"]`);
  await cr.waitFor();
  await audit(page, 'P16');
  const title = pass.title === '技正' ? '專員' : '技正';
  await cr.locator('select[name=title]').selectOption({ label: title });
  assert.ok(await cr.locator('input[name=pick]').isChecked(), 'changing a row ticks it');
  await page.click('#cr-save');
  await page.waitForSelector('#flash.ok');
  const q = new URLSearchParams({ year: String(pass.year), courseName: pass.courseName });
  const rows = (await api(stack.url, 'GET', '/api/corrections?' + q, { token })).body.items;
  assert.equal(rows.find((r) => r.id === pass.id).title, title);
  await cr.locator('[data-history]').click();
  await page.waitForFunction((t) => [...document.querySelectorAll('tr[data-rec] li')].some((li) => li.textContent.includes('→ ' + t)), title);
});
