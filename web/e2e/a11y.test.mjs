// Every screen passes an automated accessibility audit (axe-core, WCAG 2.1 A
// and AA rules: labels, names, contrast, landmarks, keyboard focusability),
// and the main flows work from the keyboard alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launch, newPage, signIn, api, devToken, audit } from './harness.mjs';

let stack, chrome;
const errors = [];
before(async () => { stack = await startStack({ people: 300, classes: 30 }); chrome = await launch(); });
after(async () => { await chrome?.close(); await stack?.stop(); assert.deepEqual(errors, [], 'script errors on the page'); });


// Records every write of markup through innerHTML/outerHTML/insertAdjacentHTML
// on the page (lit-html itself fills <template> elements, which is not data).
const watchHTML = () => {
  window.__htmlWrites = [];
  for (const [proto, prop] of [[Element.prototype, 'innerHTML'], [Element.prototype, 'outerHTML']]) {
    const d = Object.getOwnPropertyDescriptor(proto, prop);
    Object.defineProperty(proto, prop, { ...d, set(v) {
      if (!(this instanceof HTMLTemplateElement)) window.__htmlWrites.push(`${this.id || this.tagName}.${prop}`);
      d.set.call(this, v);
    } });
  }
  const adj = Element.prototype.insertAdjacentHTML;
  Element.prototype.insertAdjacentHTML = function (...a) { window.__htmlWrites.push(`${this.id || this.tagName}.insertAdjacentHTML`); return adj.apply(this, a); };
};

test('every screen passes the WCAG 2.1 AA audit', async () => {
  const page = await newPage(chrome.browser, errors);
  await page.addInitScript(watchHTML);
  await page.goto(stack.url + '/#/signin');
  await page.waitForSelector('#stats-form');
  await audit(page, 'sign-in');
  await signIn(page, stack.url, 'sys.admin');
  await page.waitForSelector('details.news');
  await audit(page, 'home');
  const day = (n) => stack.day(n); // the stack's Taipei calendar
  const token = await devToken(stack.url, 'sys.admin');
  const made = await api(stack.url, 'POST', '/api/courses', { token, body: { courseCode: 'A11Y-1', session: '1', name: '無障礙檢查班',
    category: '3111', nature: 'physical', method: 'open', start: day(3), end: day(3), unit: 'hour', amount: 3,
    enrollStart: day(0), enrollEnd: day(2), capacity: 30, location: '臺北市' } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  for (const [hash, ready, name] of [
    ['#/L8', 'tr[data-member]', 'member management'],
    ['#/L5', '#r-jobs section', 'roster download'],
    ['#/SYS/announcements', 'tr[data-id]', 'announcements'],
    ['#/SYS/manual', '#mu', 'manual'],
    ['#/P15', '#rv-list table, #rv-list .muted', 'private-institution hours review (P15)'],
    ['#/P16', '#cr-list table, #cr-list .muted', 'title and rank corrections (P16)'],
    ['#/P14', '#bc-list', 'business-related categories (P14)'],
    ['#/P5', '#rp-list table, #rp-list .muted', 'a report (the report screen, P5)'],
    ['#/P2', '#j-list section', 'score download requests (P2)'],
    ['#/P17', '#gs-list', 'gender-mainstreaming survey (P17)'],
    ['#/L2', '#c-list table, #c-list .muted', 'course search'],
    ['#/L2/new', '#c-form', 'course form'],
    ['#/L3', '#l-list table, #l-list .muted', 'lecturer maintenance'],
    ['#/L3/new', '#l-form', 'lecturer form'],
    ['#/L4', '#d-list table', 'lecturer database'],
    ['#/L4/view/demo00000', 'dl.detail', 'public lecturer'],
    ['#/L7', '#m-list table', 'digital materials'],
    ['#/L7/new', '#m-form', 'material form'],
    ['#/L7/view/demo00000', 'dl.detail', 'material detail'],
    ['#/L2b', '#u-format table', 'course and subject upload'],
    ['#/L6b', '#u-format table', 'learner-hour upload'],
    ['#/L6c/online', '#hm-list table, #hm-list .muted', 'further-study online maintenance'],
    ['#/L6a', '#g-list table, #g-list .muted', 'class grades search'],
    ['#/L6a/upload', '#u-format table', 'class learner-hour upload'],
    ['#/L1', '#p-list table, #p-list .muted', 'upload progress query'],
    ['#/L5/approve/A11Y-1/1', '#a-list .muted, #a-list table', 'enrollment approval'],
    ['#/L5/signin/A11Y-1/1', 'table.signin', 'sign-in sheet'],
    ['#/P3', '#n-form', 'nominations'],
    ['#/P4', '#p-list table, #p-list .muted', 'nomination upload progress'],
  ]) {
    await page.goto(stack.url + '/' + hash);
    await page.waitForSelector(ready);
    await audit(page, name);
  }
  await page.goto(stack.url + '/#/L8');
  await page.click('#m-new');
  await page.waitForSelector('#m-form');
  await audit(page, 'member form');
  await page.goto(stack.url + '/#/SYS/announcements');
  await page.click('#a-new');
  await page.waitForSelector('#a-form form');
  await audit(page, 'announcement form');
  // The shared components, open: the calendar of a ROC date field, the confirmation dialog.
  await page.goto(stack.url + '/#/L2/new');
  await page.waitForSelector('#c-form');
  await page.click('#f-start ~ .cal-open');
  await page.waitForSelector('.calendar:not([hidden]) [data-day]');
  await audit(page, 'ROC date calendar');
  await page.goto(stack.url + '/#/L5/approve/A11Y-1/1');
  await page.waitForSelector('#a-form');
  await page.click('#a-reject-all');
  await page.waitForSelector('dialog.confirm[open]');
  await audit(page, 'confirmation dialog');
  await page.keyboard.press('Escape');
  // No screen wrote markup from a string on the way (issue 15).
  assert.deepEqual(await page.evaluate(() => window.__htmlWrites), [], 'innerHTML writes');

  // A statistics account's page.
  const stats = await newPage(chrome.browser, errors);
  await stats.goto(stack.url + '/#/signin');
  await stats.fill('#stats-user', 'stats.moi');
  await stats.fill('#stats-pass', 'Demo-Stats-2026!');
  await stats.click('#stats-form button[type=submit]');
  await stats.waitForSelector('h1:has-text("統計報表")');
  await audit(stats, 'statistics account home');
});

test('sign in and switch agency with the keyboard alone', async () => {
  const page = await newPage(chrome.browser, errors);
  await page.goto(stack.url + '/#/signin');
  await page.waitForSelector('[data-user="moi.hr"]');
  // Tab to the demo user and press Enter, as a keyboard user would.
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement?.dataset?.user === 'moi.hr')) break;
  }
  assert.equal(await page.evaluate(() => document.activeElement?.dataset?.user), 'moi.hr', 'the user button is reachable by Tab');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-todo="P15"]'); // the home page is drawn, as an officer would see it
  await page.focus('#agency-switch');
  await page.keyboard.press('ArrowDown');
  await page.waitForSelector('#flash.ok');
  assert.equal(await page.$eval('#agency-switch', (s) => s.value), '301010000C');
  // Choosing a menu entry with the keyboard puts focus on the new screen's
  // content, so the next Tab starts there, not at the top of the menu.
  await page.focus('#menu a[href="#/P15"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#rv-list table, #rv-list .muted');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
  assert.equal(await page.$eval('a.skip', (a) => a.getAttribute('href')), '#main', 'a skip link leads past the menu');
});
