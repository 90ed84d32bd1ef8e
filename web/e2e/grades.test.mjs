// L6a online (成績回登) in the browser: after the course-end transfer, find
// the class, a decimal hour is refused beside its field and nothing is saved,
// all fail then one pass is submitted, and a selected learner is deleted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launch, newPage, signIn, api, devToken, audit } from './harness.mjs';

let stack, chrome;
const errors = [];
before(async () => { stack = await startStack({ people: 300, classes: 40 }); chrome = await launch(); });
after(async () => { await chrome?.close(); await stack?.stop(); assert.deepEqual(errors, [], 'script errors on the page'); });

const day = (n) => stack.day(n); // the stack's Taipei calendar

test('grade a class after the course-end transfer, then delete one learner', async () => {
  const fired = await fetch(stack.url + '/local/schedules/Morning', { method: 'POST' }); // the transfer of yesterday's classes
  assert.equal(fired.status, 200, await fired.text());
  const officer = await devToken(stack.url, 'moi.course');
  const yesterday = day(-1);
  const classes = [];
  for (let next = ''; ;) {
    const { body } = await api(stack.url, 'GET', `/api/class-hours?year=${yesterday.slice(0, 4)}&next=${encodeURIComponent(next)}`, { token: officer });
    classes.push(...body.items);
    if (!(next = body.next)) break;
  }
  let cls, learners;
  for (const c of classes.filter((x) => x.end === yesterday)) {
    const { body } = await api(stack.url, 'GET', `/api/class-hours/${c.courseCode}/${c.session}`, { token: officer });
    if (body.items.length >= 2) { cls = c; learners = body.items; break; }
  }
  assert.ok(cls, 'the demo has an MOI class that ended yesterday with at least two approved enrollees');

  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.course');
  await page.goto(stack.url + '/#/L6a');
  await page.selectOption('#g-year', String(cls.year)); // on Jan 1 yesterday's class is last year's
  await page.fill('#g-code', cls.courseCode);
  await page.click('#g-search button[type=submit]');
  await page.click(`a[href="#/L6a/class/${encodeURIComponent(cls.courseCode)}/${encodeURIComponent(cls.session)}"]`);
  await page.waitForSelector('#g-sheet');
  assert.equal(await page.locator('tr[data-person]').count(), learners.length);
  assert.equal(await page.locator('tr[data-person] .badge.scheduled').count(), learners.length, 'all awaiting hours');
  await audit(page, 'grade sheet');

  // A decimal hour: refused beside that learner's field; nothing saved.
  const rows = page.locator('tr[data-person]');
  const first = await rows.nth(0).getAttribute('data-person');
  const second = await rows.nth(1).getAttribute('data-person');
  await rows.nth(1).locator('input[type=number]').fill('1.5');
  await page.click('#g-sheet button[type=submit]');
  await page.waitForSelector('[data-err="grades[1].hours"]:not(:empty)');
  assert.match(await page.textContent('[data-err="grades[1].hours"]'), /整數/);
  assert.equal(await rows.nth(1).locator('input[type=number]').getAttribute('aria-invalid'), 'true');
  let { body: now } = await api(stack.url, 'GET', `/api/class-hours/${cls.courseCode}/${cls.session}`, { token: officer });
  assert.ok(now.items.every((l) => l.status === 'awaiting_hours'), 'a refused submission saved nothing');

  // All fail, then the first passes with 1 hour; submit.
  await rows.nth(1).locator('input[type=number]').fill(String(cls.hours));
  await page.click('[data-all="fail"]');
  await rows.nth(0).locator('select[name=passed]').selectOption('true');
  await rows.nth(0).locator('input[type=number]').fill('1');
  await page.click('#g-sheet button[type=submit]');
  await page.waitForSelector('#flash.ok');
  await page.waitForSelector('tr[data-person] .badge.online');
  ({ body: now } = await api(stack.url, 'GET', `/api/class-hours/${cls.courseCode}/${cls.session}`, { token: officer }));
  const by = Object.fromEntries(now.items.map((l) => [l.personId, l]));
  assert.deepEqual([by[first].status, by[first].hours, by[first].passed], ['final', 1, true]);
  assert.deepEqual([by[second].status, by[second].hours, by[second].passed], ['final', cls.hours, false]);

  // Delete the second learner's record of this class.
  await page.check(`tr[data-person="${second}"] input[name=del]`);
  await page.click('#g-delete');
  await page.click('dialog.confirm [data-confirm]'); // the confirmation dialog (ui/confirm.js)
  await page.waitForSelector(`tr[data-person="${second}"]`, { state: 'detached' });
  ({ body: now } = await api(stack.url, 'GET', `/api/class-hours/${cls.courseCode}/${cls.session}`, { token: officer }));
  assert.equal(now.items.length, learners.length - 1);
  assert.ok(!now.items.some((l) => l.personId === second));
});
