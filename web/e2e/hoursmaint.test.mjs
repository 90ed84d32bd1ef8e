// L6b online maintenance in the browser: records uploaded in bulk (the real
// upload and nightly apply), found on the 線上維護 tab by national ID, one
// record's hours revised, a change of a natural-key field refused with the
// reason, two selected records deleted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStack, launch, newPage, signIn, api, devToken, audit } from './harness.mjs';

let stack, chrome;
const errors = [];
before(async () => { stack = await startStack({ people: 200, classes: 10 }); chrome = await launch(); });
after(async () => { await chrome?.close(); await stack?.stop(); assert.deepEqual(errors, [], 'script errors on the page'); });

// upload sends a CSV through the upload API and the nightly batch, as an officer's file would go.
async function upload(token, kind, csv) {
  const bytes = Buffer.from('\ufeff' + csv, 'utf8');
  const up = (await api(stack.url, 'POST', '/api/imports', { token, body: { kind, fileName: 'hours.csv', size: bytes.length } })).body;
  const put = await fetch(up.url, { method: 'PUT', headers: { 'Content-Type': 'text/csv' }, body: bytes });
  assert.equal(put.status, 200, 'the presigned upload');
  let j;
  for (let i = 0; i < 300; i++) {
    j = (await api(stack.url, 'GET', '/api/imports/jobs/' + up.job.id, { token })).body;
    if (j.status === 'staged') break;
    await sleep(100);
  }
  assert.equal(j.status, 'staged', JSON.stringify(j));
  assert.equal((await fetch(stack.url + '/local/schedules/Nightly', { method: 'POST' })).status, 200);
  for (let i = 0; i < 300; i++) {
    j = (await api(stack.url, 'GET', '/api/imports/jobs/' + up.job.id, { token })).body;
    if (j.status === 'done') break;
    await sleep(100);
  }
  assert.equal(j.status, 'done', JSON.stringify(j));
  assert.equal(j.failed, 0, JSON.stringify(j));
}

test('find a record, revise its hours, a natural-key change refused, delete two selected', async () => {
  const token = await devToken(stack.url, 'moi.course');
  const { body } = await api(stack.url, 'GET', '/api/dev/people?agency=301000000A');
  const [a, b, c] = body.items;
  const day = stack.day(-10);
  const course = '線上維護測試課程';
  const header = '身分證字號*,姓名*,訓練進修機構名稱*,課程名稱*,起始日期*,終迄日期*,課程類別代碼*,訓練總數*,訓練總數單位*,學習性質*,數位時數,實體時數,上課縣市,訓練成績\r\n';
  await upload(token, 'hours-external', header + [a, b, c].map((p) => `${p.nationalId},${p.name},國家文官學院,${course},${day},${day},3111,6,1,2,,6,A,\r\n`).join(''));

  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.course');
  await page.click('#menu a[href="#/L6b"]');
  await page.click('#tab-online');
  await page.waitForSelector('#hm-search');
  await page.selectOption('#hm-year', day.slice(0, 4)); // early in January, ten days ago is last year
  await page.fill('#hm-who', a.nationalId);
  await page.fill('#hm-course', course); // the demo has L6b records of its own
  await page.click('#hm-search button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#hm-list tbody tr[data-ref]').length === 1);
  const row = page.locator('#hm-list tbody tr[data-ref]');
  const text = await row.textContent();
  assert.ok(text.includes(a.name) && text.includes(course), text);
  assert.ok(!text.includes(a.nationalId), 'the national ID is masked');
  assert.ok(text.includes(a.nationalId.slice(0, 3) + '****'), text);
  await audit(page, 'L6b 線上維護');

  // Revise the hours: 6 → 8, the table shows the saved value.
  await row.locator('[data-edit]').click();
  await page.waitForSelector('#hm-form');
  await page.fill('#hm-e-hours', '8');
  await page.click('#hm-save');
  await page.waitForSelector('#flash.ok');
  await page.waitForFunction(() => document.querySelector('#hm-list tbody tr[data-ref] [data-col="hours"]')?.textContent.startsWith('8'));
  const ref = await row.getAttribute('data-ref');
  const saved = (await api(stack.url, 'GET', `/api/learning-hours/external?year=${day.slice(0, 4)}&who=${a.nationalId}&course=${encodeURIComponent(course)}`, { token })).body.items;
  assert.deepEqual(saved.map((r) => [r.ref, r.hours, r.physicalHours]), [[ref, 8, 8]]);

  // A natural-key field changed: refused with the reason beside the fields, nothing written.
  await row.locator('[data-edit]').click();
  await page.waitForSelector('#hm-form');
  await page.fill('#hm-e-courseName', course + '（進階）');
  await page.fill('#hm-e-hours', '9');
  await page.click('#hm-save');
  await page.waitForFunction(() => /不可修改課程名稱/.test(document.querySelector('[data-err="naturalKey"]')?.textContent || ''));
  assert.match(await page.textContent('[data-err="naturalKey"]'), /刪除這筆紀錄後再新增/);
  await audit(page, 'L6b 線上維護：鍵值欄位不可修改');
  const after = (await api(stack.url, 'GET', `/api/learning-hours/external?year=${day.slice(0, 4)}&who=${a.nationalId}&course=${encodeURIComponent(course)}`, { token })).body.items;
  assert.deepEqual(after.map((r) => [r.courseName, r.hours]), [[course, 8]]);

  // Delete two selected records (b and c) of the three.
  await page.fill('#hm-who', '');
  await page.fill('#hm-course', course);
  await page.click('#hm-search button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#hm-list tbody tr[data-ref]').length === 3);
  for (const p of [b, c]) {
    await page.locator('#hm-list tbody tr[data-ref]', { hasText: p.name }).locator('input[name=sel]').check();
  }
  await page.click('#hm-delete');
  await page.click('dialog.confirm [data-confirm]');
  await page.waitForFunction(() => document.querySelectorAll('#hm-list tbody tr[data-ref]').length === 1);
  assert.match(await page.textContent('#hm-list tbody tr[data-ref]'), new RegExp(a.name));
  const left = (await api(stack.url, 'GET', `/api/learning-hours/external?year=${day.slice(0, 4)}&course=${encodeURIComponent(course)}`, { token })).body.items;
  assert.deepEqual(left.map((r) => r.ref), [ref]);
});
