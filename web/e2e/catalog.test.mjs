// Issue 4 in the browser: a course in days shows its certified hours and keeps
// its 323* restriction; a lecturer typed on the course form is then in the
// lecturer database; public lecturers are found from another agency, private
// ones are not; editing another agency's material is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, launch, newPage, signIn, api, devToken } from './harness.mjs';

let stack, chrome;
const errors = [];
before(async () => { stack = await startStack({ people: 200, classes: 20 }); chrome = await launch(); });
after(async () => { await chrome?.close(); await stack?.stop(); assert.deepEqual(errors, [], 'script errors on the page'); });

// roc is how officers type a date: 民國 year/month/day (2026-12-02 → 115/12/02).
const roc = (iso) => { const [y, m, day] = iso.split('-'); return `${y - 1911}/${m}/${day}`; };

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
  await page.fill('#f-start', roc(start));
  await page.fill('#f-end', roc(stack.day(4)));
  await page.fill('#f-amount', '3');
  await page.check('input[name=unit][value=day]');
  assert.equal(await page.textContent('#f-hours'), '18 小時', 'three days certify 18 hours');
  await page.fill('#f-es', roc(stack.day(0)));
  await page.fill('#f-ee', roc(stack.day(3)));
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

// Issue 15 defect 2: picking an existing lecturer's suggestion links that
// lecturer, even though the suggestions are read again after the pick.
test('picking an existing lecturer in the course form links it, no duplicate', async () => {
  const token = await devToken(stack.url, 'moi.course');
  const own = (await api(stack.url, 'GET', '/api/lecturers?name=' + encodeURIComponent('王大明'), { token })).body.items;
  assert.equal(own.length, 1, 'the demo has one MOI lecturer 王大明');
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.course');
  await page.goto(stack.url + '/#/L2/new');
  await page.waitForSelector('#c-form');
  const start = stack.day(5);
  await page.fill('#f-code', 'E2E-PICK');
  await page.fill('#f-session', '1');
  await page.fill('#f-name', '講師連結測試班');
  await page.selectOption('#f-category', '3111');
  await page.fill('#f-start', roc(start));
  await page.fill('#f-end', roc(start));
  await page.fill('#f-amount', '3');
  await page.fill('#f-es', roc(stack.day(0)));
  await page.fill('#f-ee', roc(start));
  await page.fill('#f-location', '臺北市');
  await page.fill('#f-lecturer', '王大');
  await page.waitForSelector('#f-lecturer-list option[value="王大明（本機關）"]', { state: 'attached' });
  await page.fill('#f-lecturer', '王大明（本機關）'); // what choosing the suggestion puts in the box
  await page.waitForTimeout(600); // the suggestions are read again for the new text meanwhile
  if (await page.inputValue('#f-lecturer')) await page.click('#f-lecturers [data-add]');
  await page.waitForSelector(`#f-lecturers li[data-chip="${own[0].id}"]`);
  await page.click('#c-form button[type=submit]');
  await page.waitForSelector('#flash.ok');
  const saved = (await api(stack.url, 'GET', '/api/courses/E2E-PICK/1', { token })).body;
  assert.deepEqual(saved.lecturers.map((l) => [l.id, l.name]), [[own[0].id, '王大明']]);
  const after = (await api(stack.url, 'GET', '/api/lecturers?name=' + encodeURIComponent('王大明'), { token })).body.items;
  assert.deepEqual(after.map((l) => l.name), ['王大明'], 'no lecturer named 「王大明（本機關）」 was created');
});

// Issue 15 defect 7: 上課地點 is marked required, and an empty form is
// answered with every field's error at once, each beside its field.
test('an empty course form shows every field\'s error at once', async () => {
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.course');
  await page.goto(stack.url + '/#/L2/new');
  await page.waitForSelector('#c-form');
  assert.equal(await page.getAttribute('label[for="f-location"]', 'class'), 'req', '上課地點 is marked *');
  await page.click('#c-form button[type=submit]');
  await page.waitForSelector('[data-err="location"]:not(:empty)');
  for (const f of ['courseCode', 'session', 'name', 'category', 'start', 'end', 'amount', 'location']) {
    assert.notEqual((await page.textContent(`[data-err="${f}"]`)).trim(), '', `${f} has its error`);
  }
  assert.match(await page.textContent('#flash'), /個欄位需要修正/);
  assert.equal(await page.getAttribute('#f-name', 'aria-invalid'), 'true');
  // A digital course needs no location: the mark goes away.
  await page.check('input[name=nature][value=digital]');
  assert.equal(await page.getAttribute('label[for="f-location"]', 'class'), null);
});

// X4: dates are typed and picked in the ROC calendar, checked as typed.
test('the ROC date field: typing, picking, impossible dates and leap years', async () => {
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.course');
  await page.goto(stack.url + '/#/L2/new');
  await page.waitForSelector('#c-form');
  assert.equal(await page.locator('input[type=date], input[type=datetime-local]').count(), 0, 'no Gregorian pickers');
  // The parser, table-driven, in the browser.
  const cases = [
    ['116/03/02', '2027-03-02'], ['1160302', '2027-03-02'], ['116/3/2', '2027-03-02'], ['116-03-02', '2027-03-02'],
    ['９９０３０２', '2010-03-02'], ['116/02/30', null], ['1160230', null], ['116/13/01', null], ['116/00/10', null],
    ['113/02/29', '2024-02-29'], ['114/02/29', null], ['89/02/29', '2000-02-29'], ['189/02/29', null], ['abc', null],
  ];
  const got = await page.evaluate(async (cs) => {
    const { parseRoc } = await import('/js/format.js');
    return cs.map(([t]) => parseRoc(t).iso || null);
  }, cases);
  assert.deepEqual(got, cases.map(([, want]) => want));
  // Typing: an impossible date is refused as it is typed, before leaving the field.
  await page.type('#f-start', '1160230');
  await page.waitForSelector('[data-err="start"]:not(:empty)');
  assert.match(await page.textContent('[data-err="start"]'), /2 月沒有 30 日/);
  assert.equal(await page.getAttribute('#f-start', 'aria-invalid'), 'true');
  await page.fill('#f-start', '');
  await page.type('#f-start', '1130229');
  await page.press('#f-start', 'Tab');
  assert.equal(await page.inputValue('#f-start'), '113/02/29', 'shown back as 民國 year/month/day');
  assert.equal(await page.inputValue('input[type=hidden][name=start]'), '2024-02-29', 'the form carries ISO');
  assert.equal(await page.textContent('[data-err="start"]'), '');
  // Half-typed is not an error yet.
  await page.fill('#f-end', '');
  await page.type('#f-end', '1160');
  assert.equal(await page.textContent('[data-err="end"]'), '');
  // Picking: the calendar opens on the typed month; the next month's 15th.
  await page.fill('#f-end', '116/03/02');
  await page.click('#f-end ~ .cal-open');
  await page.waitForSelector('.calendar:not([hidden]) [data-day]');
  assert.match(await page.textContent('.calendar:not([hidden]) .cal-title'), /民國 116 年 3 月/);
  await page.click('.calendar:not([hidden]) [data-next]');
  await page.click('.calendar:not([hidden]) [data-day="2027-04-15"]');
  assert.equal(await page.inputValue('#f-end'), '116/04/15');
  assert.equal(await page.inputValue('input[type=hidden][name=end]'), '2027-04-15');
  assert.equal(await page.isVisible('.calendar'), false, 'the calendar closes on a pick');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'f-end', 'focus returns to the field');
  // Keyboard: Alt+↓ opens it on the field's day (113/02/29); → crosses into
  // March, ↓ moves a week, Enter picks; Escape closes without picking.
  await page.focus('#f-start');
  await page.keyboard.press('Alt+ArrowDown');
  await page.waitForSelector('.calendar:not([hidden])');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.day), '2024-02-29');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.day), '2024-03-08');
  await page.keyboard.press('Enter');
  assert.equal(await page.inputValue('#f-start'), '113/03/08');
  await page.keyboard.press('Alt+ArrowDown');
  await page.waitForSelector('.calendar:not([hidden])');
  await page.keyboard.press('PageDown');
  await page.keyboard.press('Escape');
  assert.equal(await page.isVisible('.calendar'), false);
  assert.equal(await page.inputValue('#f-start'), '113/03/08', 'Escape picks nothing');
});

// The search table's 匯出 (issue 15): the course search exports the list of
// its conditions as a job; the file holds exactly the classes found.
test('the course search exports the list it found', async () => {
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.course');
  await page.click('#menu a[href="#/L2"]');
  await page.waitForSelector('#c-list tr[data-class]');
  await page.selectOption('#c-year', stack.day(2).slice(0, 4)); // E2E-DAYS's year (next year's near the year's end)
  await page.fill('#c-code', 'E2E-');
  await page.click('#c-search button[type=submit]');
  await page.waitForFunction(() => [...document.querySelectorAll('#c-list tr[data-class]')].every((tr) => tr.dataset.class.startsWith('E2E-')));
  const found = (await page.$$eval('#c-list tr[data-class]', (trs) => trs.map((tr) => tr.dataset.class))).sort();
  assert.ok(found.includes('E2E-DAYS/1'), `the classes this file created: ${found}`);
  await page.selectOption('#c-format', 'csv');
  await page.click('#c-search [data-export]');
  await page.waitForSelector('#flash.ok');
  const row = page.locator('#c-jobs tr[data-job]').first();
  await page.waitForSelector('#c-jobs tr[data-job][data-status="done"]', { timeout: 60_000 });
  assert.match(await row.textContent(), /課程代碼：E2E-/, 'the job shows its conditions');
  const password = (await row.locator('[data-password]').textContent()).trim();
  const [download] = await Promise.all([page.waitForEvent('download'), row.locator('[data-download]').click()]);
  const dir = mkdtempSync(join(tmpdir(), 'e2e-courses-'));
  const zip = join(dir, 'c.zip');
  await download.saveAs(zip);
  execFileSync('7z', ['x', '-y', '-p' + password, '-o' + join(dir, 'out'), zip], { stdio: 'pipe' });
  const csv = readFileSync(join(dir, 'out', readdirSync(join(dir, 'out'))[0]), 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/).map((l) => l.split(','));
  assert.deepEqual(csv[0].slice(0, 3), ['課程代碼', '期別', '課程名稱']);
  assert.deepEqual(csv.slice(1).map((r) => `${r[0]}/${r[1]}`).sort(), found);
});
