// Issue 6 in the browser: approve some enrollees and reject one with a
// reason; a sign-in sheet sorted by agency then name, in its print view;
// a nomination upload with one bad row and its per-row results.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, launch, newPage, signIn, api, devToken } from './harness.mjs';

let stack, chrome;
const errors = [];
before(async () => { stack = await startStack({ people: 300, classes: 10 }); chrome = await launch(); });
after(async () => { await chrome?.close(); await stack?.stop(); assert.deepEqual(errors, [], 'script errors on the page'); });

const day = (n) => stack.day(n); // the stack's Taipei calendar
const course = (code, method) => ({ courseCode: code, session: '1', name: '瀏覽器報名測試班', category: '3111', nature: 'physical',
  method, start: day(3), end: day(3), unit: 'hour', amount: 3, enrollStart: day(0), enrollEnd: day(2), capacity: 30,
  stopWhenFull: true, location: '臺北市' });

test('approve some, reject one with a reason, then a sign-in sheet by agency then name', async () => {
  const officer = await devToken(stack.url, 'moi.course');
  assert.equal((await api(stack.url, 'POST', '/api/courses', { token: officer, body: course('E2E-ENR', 'open') })).status, 201);
  const people = [];
  for (const agency of ['301000000A', '301010000C']) people.push(...(await api(stack.url, 'GET', '/api/dev/people?agency=' + agency)).body.items.slice(0, 2));
  // Learners enroll through the front stage's API with their own SSO tokens.
  for (const p of people) {
    const token = await devToken(stack.url, p.id);
    const r = await api(stack.url, 'POST', '/api/front/enrollments/E2E-ENR/1', { token, body: { answers: {} } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }

  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.course');
  await page.goto(stack.url + '/#/L5/approve/E2E-ENR/1');
  await page.waitForSelector('tr[data-status="pending"]');
  assert.equal(await page.locator('tr[data-status="pending"]').count(), 4);
  // Approve one of 內政部 and both of 內政部警政署; reject the other of 內政部.
  const [moiA, moiB, npaA, npaB] = people;
  for (const p of [moiA, npaA, npaB]) await page.check(`input[name="d-${p.id}"][value="approve"]`);
  await page.check(`input[name="d-${moiB.id}"][value="reject"]`);
  await page.click('#a-submit'); // no reason yet: refused, nothing decided
  await page.waitForSelector('#flash:not(.ok):not(:empty)');
  assert.match(await page.textContent('#flash'), /駁回報名須填寫原因/);
  assert.equal(await page.locator('tr[data-status="approved"]').count(), 0);
  await page.fill(`input[name="r-${moiB.id}"]`, '本班限主管人員');
  await page.click('#a-submit');
  await page.waitForSelector('#flash.ok');
  assert.equal(await page.locator('tr[data-status="approved"]').count(), 3);
  assert.match(await page.textContent(`tr[data-person="${moiB.id}"]`), /已駁回.*本班限主管人員/s);

  // The sign-in sheet: agency, then name; the print view is laid out for A4.
  await page.goto(stack.url + '/#/L5/signin/E2E-ENR/1');
  await page.waitForSelector('table.signin');
  await page.selectOption('#s-sort1', 'agency');
  await page.selectOption('#s-sort2', 'name');
  await page.fill('#s-blank', '3');
  await page.click('#s-form button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('table.signin tbody tr').length === 6);
  const readSheet = () => page.$$eval('table.signin tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const sheet = await readSheet();
  const header = await page.$$eval('table.signin thead th', (ths) => ths.map((th) => th.textContent));
  const [agencyCol, nameCol] = [header.indexOf('服務機關'), header.indexOf('姓名')];
  assert.ok(agencyCol > 0 && nameCol > 0, `sheet columns ${header}`);
  assert.deepEqual(sheet.map((r) => r[0]), ['1', '2', '3', '4', '5', '6']);
  assert.equal(sheet[3][nameCol], '', 'walk-in rows are blank');
  // By agency (內政部 above its 警政署), then by name within 警政署 in the
  // order the name sort gives on its own.
  assert.equal(sheet[0][nameCol], moiA.name, `the 內政部 enrollee first: ${JSON.stringify(sheet)}`);
  assert.deepEqual(new Set([sheet[1][nameCol], sheet[2][nameCol]]), new Set([npaA.name, npaB.name]));
  assert.notEqual(sheet[0][agencyCol], sheet[1][agencyCol]);
  assert.equal(sheet[1][agencyCol], sheet[2][agencyCol]);
  await page.selectOption('#s-sort1', 'name');
  await page.selectOption('#s-sort2', '');
  await page.$eval('#s-sheet', (el) => { el.innerHTML = ''; }); // so the wait below sees the new sheet
  await page.click('#s-form button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('table.signin tbody tr').length === 6);
  const byName = (await readSheet()).slice(0, 3).map((r) => r[nameCol]).filter((n) => n === npaA.name || n === npaB.name);
  assert.deepEqual([sheet[1][nameCol], sheet[2][nameCol]], byName, 'within an agency, the secondary sort (name) decides');
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.isVisible('#s-form'), false, 'the form is not printed');
  assert.equal(await page.isVisible('#menu'), false, 'the menu is not printed');
  assert.equal(await page.isVisible('table.signin'), true);
  await page.emulateMedia({ media: 'screen' });
});

test('a nomination upload with one bad row shows each row\'s result', async () => {
  const officer = await devToken(stack.url, 'moi.course');
  assert.equal((await api(stack.url, 'POST', '/api/courses', { token: officer, body: course('E2E-NOM', 'nominated') })).status, 201);
  const [a, b] = (await api(stack.url, 'GET', '/api/dev/people?agency=301000000A')).body.items;
  const csv = '身分證字號*,姓名*,備註\r\n' + `${a.nationalId},${a.name},\r\n` + 'A123456788,不存在,\r\n' + `${b.nationalId},${b.name},\r\n`;
  const file = join(mkdtempSync(join(tmpdir(), 'e2e-nom-')), '薦送名單.csv');
  writeFileSync(file, csv);

  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.hr');
  await page.click('#menu a[href="#/P3"]');
  await page.waitForSelector('#n-form');
  await page.check('input[name=class][value="E2E-NOM#1"]');
  await page.setInputFiles('#n-file', file);
  await page.click('#n-submit');
  await page.waitForSelector('#j-summary [data-status="staged"]');
  assert.match(await page.textContent('#j-counts'), /共 3 列：成功 0、失敗 1、待處理 2/);
  const failed = await page.$$eval('#j-rows tr[data-line]', (trs) => trs.map((tr) => [tr.dataset.line, tr.textContent]));
  assert.equal(failed.length, 1);
  assert.equal(failed[0][0], '3');
  assert.match(failed[0][1], /身分證字號/);
});
