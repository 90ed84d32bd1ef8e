// The one report screen (issue 16, "One screen for all") in the browser: a
// personnel officer opens P13 (one row per agency in scope, a 合計 row that
// is their sum, a count that opens exactly that many people), P5 (search, a
// person's course count opens exactly that many courses, 返回), and exports
// P5 (匯出 as xlsx and ods, 匯出明細), opened with 7-Zip and read back by
// LibreOffice with as many rows as the screen showed (a row per record).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, launch, newPage, signIn, api, devToken, audit } from './harness.mjs';

let stack, chrome;
const errors = [];
before(async () => { stack = await startStack({ people: 400, classes: 30 }); chrome = await launch(); });
after(async () => { await chrome?.close(); await stack?.stop(); assert.deepEqual(errors, [], 'script errors on the page'); });

// table reads a report table as it is shown: one object per body row (column
// key → text), the 合計 row, and the drill-down links of each body row.
const table = (page, list) => page.$eval(list, (el) => {
  const read = (tr) => Object.fromEntries([...tr.querySelectorAll('[data-col]')].map((td) => [td.dataset.col, td.textContent.trim()]));
  const t = el.querySelector('table');
  if (!t) return { rows: [], total: null };
  return {
    rows: [...t.querySelectorAll('tbody tr')].map(read),
    total: t.querySelector('tfoot tr[data-total]') ? read(t.querySelector('tfoot tr[data-total]')) : null,
  };
});
const num = (s) => Number(String(s).replace(/,/g, ''));

// allPages presses 下一頁 until the list has no more, and answers the row count.
async function allPages(page, id) {
  for (;;) {
    const more = page.locator(`#${id}-more [data-more]`);
    if (!await more.count()) break;
    const before = await page.locator(`#${id}-list tbody tr`).count();
    await more.click();
    await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length > n, [`#${id}-list tbody tr`, before]);
  }
  return page.locator(`#${id}-list tbody tr`).count();
}

// search presses 查詢 and waits for its answer (the report counts the
// answers it drew), which names what was asked among its conditions.
async function search(page, id, expect) {
  const before = Number(await page.$eval('.report-info', (el) => el.dataset.answers));
  await page.click(`#${id}-search button[type=submit]`);
  await page.waitForFunction((n) => Number(document.querySelector('.report-info').dataset.answers) > n, before);
  assert.ok((await page.textContent('[data-conditions]')).includes(expect), `the conditions name ${expect}`);
  assert.match(await page.textContent('.report-info [role=status]'), /查詢完成/);
}

// drillInto clicks a drillable cell, waits for the list behind it, reads every
// page of it, and answers its row count.
async function drillInto(page, button) {
  await button.click();
  await page.waitForSelector('#rd1-list table, #rd1-list .muted');
  assert.ok(!await page.isVisible('#rp-main'), 'the drill-down replaces the report');
  return allPages(page, 'rd1');
}

test('P13: one row per agency in scope, a 合計 that is their sum, a count that opens that many people', async () => {
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.hr');
  await page.click('#menu a[href="#/P13"]');
  await page.waitForSelector('#rp-list table');
  assert.match(await page.textContent('h1'), /同仁登錄會員統計\(含所屬機關\)\s*P13/);
  await page.selectOption('#rp-scope', 'subtree');
  await search(page, 'rp', '含所屬機關');

  const token = await devToken(stack.url, 'moi.hr');
  const agencies = (await api(stack.url, 'GET', '/api/agencies', { token })).body.items;
  assert.ok(agencies.length > 1, 'the demo 內政部 has agencies below it');
  const { rows, total } = await table(page, '#rp-list');
  assert.deepEqual(rows.map((r) => r.agency), agencies.map((a) => a.name), 'one row per agency in scope, in tree order');
  assert.ok(total, 'a 合計 row');
  assert.equal(total.agency, '合計');
  for (const key of ['staff', 'members', 'nonMembers']) {
    assert.equal(num(total[key]), rows.reduce((s, r) => s + num(r[key]), 0), `合計 of ${key} is the sum of the rows`);
  }
  for (const r of rows) {
    assert.equal(num(r.nonMembers), num(r.staff) - num(r.members), `${r.agency}: 未登錄 = 公務人員 − 已登錄`);
    assert.equal(r.memberRate, num(r.staff) ? `${(Math.round((num(r.members) * 1000) / num(r.staff)) / 10).toFixed(1)}%` : '—', `${r.agency}: rate`);
  }
  assert.ok(num(total.staff) > 0, 'the scope has staff');
  assert.equal(total.memberRate, `${(Math.round((num(total.members) * 1000) / num(total.staff)) / 10).toFixed(1)}%`, 'the 合計 rate is recomputed, not summed');
  assert.ok(/統計時間|查詢條件/.test(await page.textContent('.report-info')), 'the answered conditions are shown');
  await audit(page, 'P13 report');

  // The smallest non-zero 已登錄會員數 opens exactly that many people.
  const cells = page.locator('#rp-list tbody [data-col="members"] button[data-drill]');
  const counts = await cells.allTextContents();
  const pick = counts.map((t, i) => [num(t), i]).filter(([n]) => n > 0).sort((a, b) => a[0] - b[0])[0];
  assert.ok(pick, `a non-zero member count to open: ${counts}`);
  assert.equal(await drillInto(page, cells.nth(pick[1])), pick[0], 'the drill-down lists as many people as the cell said');
  assert.ok((await page.textContent('#rp-crumbs')).includes('同仁登錄會員統計'), 'a breadcrumb back to the report');
  await audit(page, 'P13 drill-down');
  await page.click('[data-back]');
  await page.waitForSelector('#rp-main:not([hidden])');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset?.drill?.startsWith('/api/reports/P13-people')), true, '返回 puts focus back on the cell');
});

test('P5: search, a person\'s courses, 返回, 匯出 (xlsx, ods) and 匯出明細 opened with 7-Zip and LibreOffice', async () => {
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.hr');
  await page.click('#menu a[href="#/P5"]');
  await page.waitForSelector('#rp-search');
  const year = await page.$eval('#rp-year', (s) => s.value);
  assert.equal(year, stack.day(0).slice(0, 4), 'the year defaults to this (Taipei) year');
  assert.equal(await page.$eval('#rp-year option:checked', (o) => o.textContent.trim()), `民國 ${Number(year) - 1911} 年`);
  await search(page, 'rp', `民國 ${Number(year) - 1911} 年`);
  let shown = await allPages(page, 'rp');
  assert.ok(shown > 0, 'the agency has people');

  // A person with courses: the count opens exactly that many courses. In
  // the first days of January (E2E_CLOCK) nobody has any yet: last year then.
  const cells = page.locator('#rp-list tbody [data-col="courses"] button[data-drill]');
  let counts = (await cells.allTextContents()).map(num);
  if (!counts.some((n) => n > 0)) {
    await page.selectOption('#rp-year', String(Number(year) - 1));
    await search(page, 'rp', `民國 ${Number(year) - 1912} 年`);
    shown = await allPages(page, 'rp');
    counts = (await cells.allTextContents()).map(num);
  }
  const i = counts.findIndex((n) => n > 0);
  assert.ok(i >= 0, `someone in the agency has certified courses this year or last: ${counts}`);
  assert.equal(await drillInto(page, cells.nth(i)), counts[i], 'the course list has as many courses as the cell said');
  assert.match(await page.textContent('#rd1-list caption'), new RegExp(`共 ${counts[i]} 筆`));
  // The condition the drill-down's URL leaves open is in its form: with the
  // uncertified records too, the list has at least the certified ones.
  await page.check('#rd1-all');
  const drawn = Number(await page.$eval('#rd1-list', (el) => el.closest('section').querySelector('.report-info').dataset.answers));
  await page.click('#rd1-search button[type=submit]');
  await page.waitForFunction((n) => Number(document.querySelector('#rd1-list').closest('section').querySelector('.report-info').dataset.answers) > n, drawn);
  assert.ok(await allPages(page, 'rd1') >= counts[i], '含未認證 lists at least the certified courses');
  await page.click('[data-back]');
  await page.waitForSelector('#rp-main:not([hidden])');
  assert.equal(await page.locator('#rp-list tbody tr').count(), shown, 'back to the same rows');

  // 匯出 in both formats and 匯出明細, each opened as an officer would: the
  // summary has the screen's rows; the detail a row per record of the year
  // of each person (their course lists with 含未認證, read from the API).
  const token = await devToken(stack.url, 'moi.hr');
  const drills = await page.$$eval('#rp-list tbody [data-col="courses"] button[data-drill]', (bs) => bs.map((b) => b.dataset.drill));
  assert.equal(drills.length, shown, 'every person has a course list');
  let records = 0;
  for (const url of drills) {
    const r = await api(stack.url, 'GET', `${url}&all=1&limit=200`, { token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(!r.body.next, 'one page');
    records += r.body.rows.length;
  }
  const defs = (await api(stack.url, 'GET', '/api/reports', { token })).body.items;
  const detailCols = defs.find((d) => d.id === 'P5-details').columns.map((c) => c.name);
  for (const [format, button] of [['xlsx', ''], ['ods', ''], ['ods', 'P5-details']]) {
    await page.selectOption('#rp-format', format);
    await page.click(`#rp-search button[data-export="${button}"]`);
    await page.waitForSelector('#flash.ok');
  }
  assert.equal(await page.textContent('#rp-search button[data-export="P5-details"]'), '匯出課程明細');
  await page.waitForFunction(() => document.querySelectorAll('#rp-jobs tr[data-job][data-status="done"]').length >= 3, null, { timeout: 180_000 });
  const dir = mkdtempSync(join(tmpdir(), 'e2e-report-'));
  const header = await page.$$eval('#rp-list thead th', (ths) => ths.map((th) => th.textContent.trim()));
  const jobs = page.locator('#rp-jobs tr[data-job][data-status="done"]');
  const seen = [];
  for (let j = 0; j < 3; j++) {
    const row = jobs.nth(j);
    const detail = (await row.locator('td').nth(1).textContent()).includes('課程明細');
    const password = (await row.locator('[data-password]').textContent()).trim();
    const [download] = await Promise.all([page.waitForEvent('download'), row.locator('[data-download]').click()]);
    const zip = join(dir, `${j}-${download.suggestedFilename()}`);
    await download.saveAs(zip);
    const out = join(dir, `out${j}`);
    execFileSync('7z', ['x', '-y', '-p' + password, '-o' + out, zip], { stdio: 'pipe' });
    const files = readdirSync(out);
    assert.equal(files.length, 1, `one sheet in the ZIP: ${files}`);
    seen.push(`${detail ? '明細' : '匯出'}.${files[0].split('.').pop()}`);
    execFileSync('soffice', ['-env:UserInstallation=file://' + join(dir, 'profile'), '--headless', '--convert-to',
      'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false', '--outdir', join(out, 'csv'), join(out, files[0])], { stdio: 'pipe' });
    const csv = readFileSync(join(out, 'csv', readdirSync(join(out, 'csv'))[0]), 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    assert.deepEqual(csv[0].split(','), detail ? detailCols : header, `${files[0]}: its columns`);
    assert.equal(csv.length - 1, detail ? records : shown, `${files[0]}: ${detail ? 'a row per record' : 'as many rows as the screen showed'}`);
  }
  assert.deepEqual(seen.sort(), ['匯出.ods', '匯出.xlsx', '明細.ods']);
});

test('every report of the menu opens on the report screen; P18 shows its 開課狀況統計 in place; P1 exports under the officer\'s own password, listed by P2', async () => {
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.admin');
  const token = await devToken(stack.url, 'moi.admin');
  const defs = (await api(stack.url, 'GET', '/api/reports', { token })).body.items.filter((d) => !d.drill);
  assert.ok(defs.length >= 5, `the reports the admin may use: ${defs.map((d) => d.id)}`);
  for (const d of defs) {
    // P3 has its upload screen at #/P3 and the report at #/P3/query.
    const base = d.feature === 'P3' ? '#/P3/query' : `#/${d.feature}`;
    const hash = defs.filter((x) => x.feature === d.feature)[0] === d ? base : `${base}/${d.id}`;
    assert.equal(await page.locator(`#menu a[href="${base}"]`).count(), 1, `${d.id} is in the menu`);
    await page.goto(stack.url + '/' + hash);
    await page.waitForSelector(`.report[data-report="${d.id}"] #rp-list table, .report[data-report="${d.id}"] #rp-list .muted`);
    assert.ok((await page.textContent('h1')).includes(d.name), `${d.id}: the title`);
    assert.equal(await page.locator('#rp-search label').filter({ hasText: d.params[0].label }).count() > 0, true, `${d.id}: the form has its conditions`);
    assert.equal(await page.textContent('#flash'), '', `${d.id}: no error`);
  }

  // P18's 開課狀況統計 takes the search's own conditions and opens in place.
  await page.goto(stack.url + '/#/P18');
  await page.waitForSelector('#rp-list table, #rp-list .muted');
  await page.click('#rp-search button[data-view="P18-stats"]');
  await page.waitForSelector('#rd1-list table, #rd1-list .muted');
  assert.ok(!await page.isVisible('#rp-main'));
  const asked = await page.$eval('#rp-search', (f) => new FormData(f).get('year'));
  assert.equal(await page.$eval('#rd1-search input[name="year"]', (i) => i.value), asked, 'the statistics of the same conditions');
  await audit(page, 'P18 開課狀況統計');
  await page.click('[data-back]');

  // P1: a file password of the officer's own; 7-Zip opens the file with it.
  await page.goto(stack.url + '/#/P1');
  await page.waitForSelector('#rp-list table, #rp-list .muted');
  await page.fill('#rp-password', 'short');
  await page.click('#rp-search button[data-export=""]');
  await page.waitForSelector('#rp-err-password:not(:empty)');
  assert.match(await page.textContent('#rp-err-password'), /8 至 64/, 'a short password is refused beside its field');
  const own = 'Report-Pass-2026';
  await page.fill('#rp-password', own);
  await page.click('#rp-search button[data-export=""]');
  await page.waitForSelector('#flash.ok');
  await page.waitForSelector('#rp-jobs tr[data-job][data-status="done"]', { timeout: 120_000 });
  const row = page.locator('#rp-jobs tr[data-job][data-status="done"]').first();
  const [download] = await Promise.all([page.waitForEvent('download'), row.locator('[data-download]').click()]);
  const dir = mkdtempSync(join(tmpdir(), 'e2e-p1-'));
  await download.saveAs(join(dir, 'p1.zip'));
  execFileSync('7z', ['x', '-y', '-p' + own, '-o' + join(dir, 'out'), join(dir, 'p1.zip')], { stdio: 'pipe' });
  assert.equal(readdirSync(join(dir, 'out')).length, 1);
  // P2 下載申請進度查詢 lists that request, with its password.
  const job = await row.getAttribute('data-job');
  await page.goto(stack.url + '/#/P2');
  await page.waitForSelector(`#j-list tr[data-job="${job}"][data-status="done"]`);
  assert.equal((await page.textContent(`#j-list tr[data-job="${job}"] [data-password]`)).trim(), own);
});

test('a statistics account (S1): P10 of its subtree, a count opens that many people, whose list it exports and opens with 7-Zip and LibreOffice', async () => {
  const page = await newPage(chrome.browser, errors);
  await page.goto(stack.url + '/#/signin');
  await page.fill('#stats-user', 'stats.moi');
  await page.fill('#stats-pass', 'Demo-Stats-2026!');
  await page.click('#stats-form button[type=submit]');
  await page.waitForSelector('#menu a[href="#/P10"]');
  await page.click('#menu a[href="#/P10"]');
  await page.waitForSelector('#rp-list table, #rp-list .muted');
  await page.selectOption('#rp-scope', 'subtree');
  await search(page, 'rp', '含所屬機關');
  const cells = page.locator('#rp-list tbody button[data-drill]');
  const counts = await cells.allTextContents();
  const pick = counts.map((t, i) => [num(t), i]).filter(([n]) => n > 0).sort((a, b) => a[0] - b[0])[0];
  assert.ok(pick, `a non-zero count to open: ${counts}`);
  assert.equal(await drillInto(page, cells.nth(pick[1])), pick[0], 'the list has as many people as the count');
  await page.selectOption('#rd1-format', 'xlsx');
  await page.click('#rd1-search button[data-export=""]');
  await page.waitForSelector('#flash.ok');
  await page.waitForFunction(() => document.querySelectorAll('#rd1-jobs tr[data-job][data-status="done"]').length >= 1, null, { timeout: 180_000 });
  const row = page.locator('#rd1-jobs tr[data-job][data-status="done"]').first();
  const password = (await row.locator('[data-password]').textContent()).trim();
  const [download] = await Promise.all([page.waitForEvent('download'), row.locator('[data-download]').click()]);
  const dir = mkdtempSync(join(tmpdir(), 'e2e-stats-'));
  const zip = join(dir, download.suggestedFilename());
  await download.saveAs(zip);
  execFileSync('7z', ['x', '-y', '-p' + password, '-o' + join(dir, 'out'), zip], { stdio: 'pipe' });
  const files = readdirSync(join(dir, 'out'));
  assert.equal(files.length, 1, `one sheet in the ZIP: ${files}`);
  execFileSync('soffice', ['-env:UserInstallation=file://' + join(dir, 'profile'), '--headless', '--convert-to',
    'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false', '--outdir', join(dir, 'csv'), join(dir, 'out', files[0])], { stdio: 'pipe' });
  const csv = readFileSync(join(dir, 'csv', readdirSync(join(dir, 'csv'))[0]), 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
  assert.equal(csv.length - 1, pick[0], 'the file lists as many people as the count');
});

test('重新計算 (issue 17): an officer asks for it, sees 重新計算中… until the rollup worker is done, then the new 統計時間; asking again at once is refused with when to ask; a statistics account has no such button', async () => {
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.hr');
  await page.goto(stack.url + '/#/P10');
  await page.waitForSelector('#rp-list table, #rp-list .muted');
  const shown = await page.$eval('.report-info [data-computed-at]', (el) => el.dataset.computedAt);
  await page.click('#rp-search button[data-recompute]');
  // answered 202 at once: the screen says it is computing, and polls
  await page.waitForFunction(() => document.querySelector('#flash').textContent.includes('重新計算中…') &&
    document.querySelector('#rp-search button[data-recompute]').textContent === '重新計算中…' &&
    document.querySelector('#rp-search button[data-recompute]').disabled);
  await page.waitForFunction((t) => {
    const el = document.querySelector('.report-info [data-computed-at]');
    return el && el.dataset.computedAt !== t;
  }, shown, { timeout: 60_000 });
  const after = await page.$eval('.report-info [data-computed-at]', (el) => el.dataset.computedAt);
  assert.ok(Date.parse(after) > Date.parse(shown), `統計時間 ${after} is after ${shown}`);
  assert.match(await page.textContent('.report-info .computed'), /統計時間：\d+\/\d\d\/\d\d \d\d:\d\d/);
  assert.match(await page.textContent('#flash.ok'), /^已重新計算內政部（含所屬機關）民國 \d+ 年的統計，統計時間：/);
  await page.waitForFunction(() => document.querySelector('#rp-search button[data-recompute]').textContent === '重新計算');

  // Again at once: inside the cooldown, refused with the time it may be asked again.
  await page.click('#rp-search button[data-recompute]');
  await page.waitForFunction(() => /請於 \d\d:\d\d 後再要求/.test(document.querySelector('#flash').textContent));
  assert.equal(await page.locator('#flash.ok').count(), 0, 'the refusal is not shown as a success');
  assert.equal(await page.$eval('.report-info [data-computed-at]', (el) => el.dataset.computedAt), after, 'nothing recomputed');

  const stats = await newPage(chrome.browser, errors);
  await stats.goto(stack.url + '/#/signin');
  await stats.fill('#stats-user', 'stats.moi');
  await stats.fill('#stats-pass', 'Demo-Stats-2026!');
  await stats.click('#stats-form button[type=submit]');
  await stats.waitForSelector('#menu a[href="#/P10"]');
  await stats.click('#menu a[href="#/P10"]');
  await stats.waitForSelector('#rp-list table, #rp-list .muted');
  assert.equal(await stats.locator('[data-recompute]').count(), 0, 'no 重新計算 for a statistics account');
});
