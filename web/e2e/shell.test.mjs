// Issue 3 in the browser: sign-in, menus per user, agency switch (H3),
// announcements (H7), to-do counts (H6), sign-out (H1), statistics accounts (S1, H4),
// member management (L8).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launch, newPage, signIn, api, devToken } from './harness.mjs';

let stack, chrome;
const errors = [];
before(async () => { stack = await startStack(); chrome = await launch(); });
after(async () => { await chrome?.close(); await stack?.stop(); assert.deepEqual(errors, [], 'script errors on the page'); });

const menu = (page) => page.$$eval('#menu a', (as) => as.map((a) => a.getAttribute('href')));

test('two users of different agencies see different menus', async () => {
  const course = await newPage(chrome.browser, errors);
  await signIn(course, stack.url, 'moi.course');
  const hr = await newPage(chrome.browser, errors);
  await signIn(hr, stack.url, 'tpe.hr');
  const a = await menu(course), b = await menu(hr);
  assert.ok(a.includes('#/L2') && a.includes('#/L5') && !a.includes('#/P1') && !a.includes('#/L8'), `moi.course menu: ${a}`);
  assert.ok(b.includes('#/P1') && b.includes('#/P15') && !b.includes('#/L2'), `tpe.hr menu: ${b}`);
  assert.equal(await course.textContent('#agency-name'), '內政部');
  assert.equal(await hr.textContent('#agency-name'), '臺北市政府');
  // A function that is not granted is not reachable by typing its address either.
  await course.goto(stack.url + '/#/P1');
  await course.waitForSelector('text=找不到這個頁面');
});

test('a user with 兼辦 switches agency and sees that agency\'s data', async () => {
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.hr');
  const token = await devToken(stack.url, 'moi.hr');
  const count = async () => Number(await page.textContent('[data-todo="P15"] .n'));
  const apiCount = async () => (await api(stack.url, 'GET', '/api/home', { token })).body.todo.pendingReview;
  await page.waitForSelector('[data-todo="P15"]');
  const before = await count();
  assert.equal(before, await apiCount(), 'home count = records waiting for review in 內政部');
  await page.selectOption('#agency-switch', '301010000C');
  await page.waitForSelector('#flash.ok');
  await page.waitForFunction(() => document.querySelector('#view').textContent.includes('內政部警政署'));
  const afterSwitch = await count();
  await api(stack.url, 'PUT', '/api/me/agency', { token, body: { agency: '301010000C' } });
  assert.equal(afterSwitch, await apiCount(), 'home count = records waiting for review in 內政部警政署');
  assert.notEqual(afterSwitch, before, 'the two agencies have different counts in the demo data');
  // The switch holds for later requests: a reload still acts for 警政署.
  await page.reload();
  await page.waitForSelector('#agency-switch');
  assert.equal(await page.$eval('#agency-switch', (s) => s.value), '301010000C');
});

test('H6 correction notices: a line per year, each opening P1 with its year and 僅更正通知, listing as many records as counted', async () => {
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.hr');
  const token = await devToken(stack.url, 'moi.hr');
  const byYear = (await api(stack.url, 'GET', '/api/home', { token })).body.todo.correctionsByYear;
  assert.ok(byYear.length > 0, 'the demo has correction notices in 內政部');
  await page.waitForSelector('a[data-todo="P1"]');
  const lines = await page.$$eval('a[data-todo="P1"]', (as) => as.map((a) => ({
    year: Number(a.dataset.year), count: Number(a.querySelector('.n').textContent), text: a.textContent })));
  assert.deepEqual(lines.map(({ year, count }) => ({ year, count })), byYear, 'one line per year with notices, as the API counts');
  for (const { year, count, text } of lines) {
    assert.ok(text.includes(`民國 ${year - 1911} 年`), `the line names its year: ${text}`);
    await page.goto(stack.url + '/#/');
    await page.click(`a[data-todo="P1"][data-year="${year}"]`);
    await page.waitForSelector('#rp-list table');
    assert.equal(await page.$eval('select[name=year]', (s) => s.value), String(year), 'P1 opens on the line\'s year');
    assert.equal(await page.$eval('input[name=notices]', (c) => c.checked), true, '僅更正通知 is ticked');
    assert.equal(await page.locator('#rp-list tbody tr').count(), count, 'P1 lists what H6 counts');
  }
  // A preset year older than the select's own years is offered and searched.
  const old = lines[0].year - 6;
  await page.goto(stack.url + `/#/P1/year=${old}/notices=1`);
  await page.waitForSelector('#rp-list p.muted');
  assert.equal(await page.$eval('select[name=year]', (s) => s.value), String(old));
});

test('an announcement expands to its text', async () => {
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'tpe.hr');
  const item = page.locator('details.news[data-id="yearend"]');
  assert.equal(await item.locator('.body').isVisible(), false);
  await item.locator('summary').click();
  assert.ok((await item.locator('.body').textContent()).includes('12 月 15 日'));
  assert.equal(await item.locator('.body').isVisible(), true);
  assert.match(await item.locator('.date').textContent(), /^1\d\d\/\d\d\/\d\d$/, 'ROC date');
  assert.equal(await page.locator('details.news[data-id="old"]').count(), 0, 'expired announcement hidden');
});

test('sign-out returns to the sign-in page and the old token is refused', async () => {
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.course');
  const token = await page.evaluate(() => sessionStorage.getItem('lifelong.token'));
  assert.equal((await api(stack.url, 'GET', '/api/me', { token })).status, 200);
  await page.click('#signout');
  await page.waitForSelector('#stats-form');
  assert.ok((await page.textContent('#view')).includes('您已登出'));
  const r = await api(stack.url, 'GET', '/api/me', { token });
  assert.equal(r.status, 401);
  assert.equal(r.body.code, 'session_ended');
  // Going back does not bring the back office back.
  await page.goto(stack.url + '/#/');
  await page.waitForSelector('#stats-form');
});

test('a disabled user is refused with a clear message', async () => {
  const page = await newPage(chrome.browser, errors);
  await page.goto(stack.url + '/#/signin');
  await page.click('[data-user="moi.retired"]');
  // The sign-in page comes back with the reason as its notice (the demo list's
  // 已停用 badge alone says nothing, and the old page is still up while the
  // refusal is on its way).
  await page.waitForSelector('#view p[role=status]');
  assert.ok((await page.textContent('#view p[role=status]')).includes('停用'));
  assert.ok(await page.isVisible('#stats-form'));
});

test('a statistics account signs in, sees only its reports and changes its password', async () => {
  const page = await newPage(chrome.browser, errors);
  await page.goto(stack.url + '/#/signin');
  await page.fill('#stats-user', 'stats.tpe');
  await page.fill('#stats-pass', 'wrong');
  await page.click('#stats-form button[type=submit]');
  await page.waitForSelector('#flash:not(:empty)');
  assert.ok((await page.textContent('#flash')).includes('帳號或密碼錯誤'));
  await page.fill('#stats-pass', 'Demo-Stats-2026!');
  await page.click('#stats-form button[type=submit]');
  await page.waitForSelector('#menu a');
  // Its menu: the reports granted to it (S1), nothing of an officer's.
  const items = await menu(page);
  for (const id of ['P13', 'R4']) assert.ok(items.includes('#/' + id), `${id} in the menu: ${items}`);
  for (const id of ['L2', 'P5', 'L8', 'S1']) assert.ok(!items.includes('#/' + id), `${id} not in the menu: ${items}`);
  // It lands on a page that works (issue 15 defect 1): its reports page, no
  // error, no spinner left (it used to ask /api/home, refused with 403).
  await page.waitForSelector('h1:has-text("統計報表")');
  assert.equal(await page.textContent('#flash'), '');
  assert.equal(await page.locator('#view >> text=載入中').count(), 0);
  assert.equal(await page.locator('#view a[href="#/P13"]').count(), 1, 'its report list');
  // A report opens, for its agency (臺北市政府) only.
  await page.click('#view a[href="#/P13"]');
  await page.waitForSelector('#rp-list table');
  assert.ok((await page.textContent('#rp-list')).includes('臺北市政府'));
  await page.goto(stack.url + '/#/');
  await page.waitForSelector('h1:has-text("統計報表")');
  await page.click('#password-link');
  await page.waitForSelector('#pw-form');
  await page.fill('#pw-current', 'Demo-Stats-2026!');
  await page.fill('#pw-new', 'short');
  await page.fill('#pw-confirm', 'short');
  await page.click('#pw-form button[type=submit]');
  await page.waitForSelector('#err-new:not(:empty)');
  assert.ok((await page.textContent('#err-new')).includes('至少 12 個字元'));
  await page.fill('#pw-new', 'Taipei-Stats-2027');
  await page.fill('#pw-confirm', 'Taipei-Stats-2027');
  await page.click('#pw-form button[type=submit]');
  await page.waitForSelector('#stats-form');
  assert.ok((await page.textContent('#view')).includes('密碼已變更，請以新密碼重新登入'));
  assert.equal((await api(stack.url, 'POST', '/api/auth/stats/login', { body: { username: 'stats.tpe', password: 'Taipei-Stats-2027' } })).status, 200);
});

test('a top admin adds a user with grants, who then signs in with them', async () => {
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'tpe.admin');
  await page.click('a[href="#/L8"]');
  await page.waitForSelector('tr[data-member="tpe.hr"]');
  await page.click('#m-new');
  await page.fill('#f-id', 'tpe.newcomer');
  await page.fill('#f-name', '周新進');
  await page.check('[data-grants="379000000A"] input[value="L2"]');
  await page.check('[data-grants="379000000A"] input[value="L5"]');
  await page.click('#m-form button[type=submit]');
  await page.waitForSelector('tr[data-member="tpe.newcomer"]');
  const other = await newPage(chrome.browser, errors);
  await signIn(other, stack.url, 'tpe.newcomer');
  const items = (await menu(other)).filter((h) => h !== '#/');
  assert.deepEqual(items, ['#/L2', '#/L5']);
  // The audit trail shows who did it.
  await page.click('tr[data-member="tpe.newcomer"] [data-audit]');
  await page.waitForSelector('text=周新進 的異動紀錄');
  assert.ok((await page.textContent('#m-detail')).includes('tpe.admin'));
});

test('sign-in through the SSO redirect (the production flow) with state and nonce', async () => {
  const page = await newPage(chrome.browser, errors);
  await page.goto(stack.url + '/#/signin');
  await page.click('#sso-go');
  await page.waitForURL(/\/dev-sso\/authorize\?/);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('response_type'), 'id_token');
  assert.ok(url.searchParams.get('state') && url.searchParams.get('nonce'), 'state and nonce are sent');
  await page.click('a[data-user="tpe.hr"]');
  await page.waitForSelector('#menu a');
  assert.equal(await page.textContent('#agency-name'), '臺北市政府');
  assert.ok(!page.url().includes('id_token'), 'the token is removed from the address bar');
  // A token returned with a state this browser did not send is refused.
  await page.evaluate(() => sessionStorage.clear());
  await page.goto(stack.url + '/#id_token=x.y.z&state=forged');
  await page.waitForSelector('#stats-form');
  assert.ok((await page.textContent('#view')).includes('狀態不符'));
});

// Issue 15 defects 8 and 9: announcement management and the home page page
// their announcements; an expired one offers no 立即下架.
test('announcements are paged, and an expired one cannot be taken down again', async () => {
  const token = await devToken(stack.url, 'sys.admin');
  for (let i = 1; i <= 24; i++) {
    const r = await api(stack.url, 'POST', '/api/announcements', { token, body: { title: `分頁測試公告 ${String(i).padStart(2, '0')}`, body: '內容', backOffice: true } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'sys.admin');
  await page.waitForSelector('details.news');
  assert.equal(await page.locator('details.news').count(), 10, 'the home page shows ten');
  await page.click('#view [data-more]');
  await page.waitForFunction(() => document.querySelectorAll('details.news').length > 10);

  await page.click('#menu a[href="#/SYS/announcements"]');
  await page.waitForSelector('#an-list tr[data-id]');
  assert.equal(await page.locator('#an-list tr[data-id]').count(), 20, 'a page of twenty');
  await page.click('#an-more [data-more]');
  await page.waitForFunction(() => document.querySelectorAll('#an-list tr[data-id]').length > 20);
  // Search by part of the title.
  await page.fill('#an-q', '公告 07');
  await page.click('#an-search button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#an-list tr[data-id]').length === 1);
  // The demo's expired announcement: 已下架, and no 立即下架 button.
  await page.fill('#an-q', '');
  await page.click('#an-search button[type=submit]');
  while (!await page.locator('tr[data-id="old"]').count()) {
    await page.click('#an-more [data-more]');
    await page.waitForTimeout(200);
  }
  const old = page.locator('tr[data-id="old"]');
  assert.match(await old.textContent(), /已下架/);
  assert.equal(await old.locator('[data-expire]').count(), 0, '立即下架 not offered on an expired announcement');
  assert.equal(await page.locator('tr[data-id]:has-text("上架中") [data-expire]').count() > 0, true, 'offered on a live one');
  // Taking a live one down asks first, in the page's own dialog.
  const live = page.locator('tr[data-id]:has-text("分頁測試公告 24")');
  await live.locator('[data-expire]').click();
  await page.click('dialog.confirm [data-confirm]');
  await page.waitForSelector('#flash.ok');
});

// Issue 15 defects 8 and 10: L8 pages its users and finds them by part of
// the name or account; a new account that differs from one only by case or
// width is refused beside the account field.
test('member management: paging, search, and account names regardless of case', async () => {
  const token = await devToken(stack.url, 'tpe.admin');
  for (let i = 1; i <= 52; i++) {
    const r = await api(stack.url, 'POST', '/api/members', { token, body: { id: `tpe.page${i}`, name: `分頁${i}`, agency: '379000000A', grants: {} } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'tpe.admin');
  await page.click('a[href="#/L8"]');
  await page.waitForSelector('tr[data-member]');
  assert.equal(await page.locator('tr[data-member]').count(), 50, 'a page of fifty');
  await page.click('#m-more [data-more]');
  await page.waitForFunction(() => document.querySelectorAll('tr[data-member]').length > 50);
  await page.fill('#m-q', 'PAGE5'); // any case
  await page.click('#m-search button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('tr[data-member]').length === 4); // page5, page50, page51, page52
  await page.click('#m-new');
  await page.fill('#f-id', 'TPE.HR');
  await page.fill('#f-name', '大寫重複');
  await page.click('#m-form button[type=submit]');
  await page.waitForSelector('[data-err="id"]:not(:empty)');
  assert.match(await page.textContent('[data-err="id"]'), /已是後台使用者.*不分大小寫/);
  assert.equal((await api(stack.url, 'POST', '/api/members', { token, body: { id: 'ｔｐｅ．ｐａｇｅ１', name: '全形', agency: '379000000A', grants: {} } })).status, 409);
});
