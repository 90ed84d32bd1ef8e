// Issue 7 in the browser: request a roster export, see it finish, copy the
// password, download the ZIP and open it with 7-Zip.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, launch, newPage, signIn } from './harness.mjs';

let stack, chrome;
const errors = [];
before(async () => { stack = await startStack({ people: 400, classes: 30 }); chrome = await launch(); });
after(async () => { await chrome?.close(); await stack?.stop(); assert.deepEqual(errors, [], 'script errors on the page'); });

test('request a roster export, copy the password, download and open it', async () => {
  const page = await newPage(chrome.browser, errors);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.url });
  await signIn(page, stack.url, 'moi.course');
  await page.click('a[href="#/L5"]');
  await page.waitForSelector('tr[data-class] [data-roster]');
  await page.locator('tr[data-class] [data-roster]').first().click();
  await page.selectOption('#r-sort', 'agency');
  await page.check('input[name="r-format"][value="xlsx"]');
  await page.click('#r-request button[type=submit]');
  await page.waitForSelector('#flash.ok');
  const row = page.locator('tr[data-job]').first();
  await page.waitForSelector('tr[data-job][data-status="done"]', { timeout: 60_000 });
  const password = (await row.locator('[data-password]').textContent()).trim();
  assert.match(password, /^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){4}$/);
  await row.locator('[data-copy]').click();
  await page.waitForFunction(() => document.querySelector('#flash').textContent.includes('密碼已複製'));
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), password);
  assert.ok((await page.textContent('#r-jobs')).includes('7-Zip'), 'the page says to use 7-Zip');

  const [download] = await Promise.all([page.waitForEvent('download'), row.locator('[data-download]').click()]);
  const dir = mkdtempSync(join(tmpdir(), 'roster-'));
  const zip = join(dir, download.suggestedFilename());
  await download.saveAs(zip);
  assert.match(download.suggestedFilename(), /名冊\.zip$/, 'the Chinese file name survives the download');
  assert.throws(() => execFileSync('7z', ['x', '-y', '-pnot-the-password', '-o' + join(dir, 'bad'), zip], { stdio: 'pipe' }));
  execFileSync('7z', ['x', '-y', '-p' + password, '-o' + join(dir, 'out'), zip], { stdio: 'pipe' });
  const files = readdirSync(join(dir, 'out'));
  assert.equal(files.length, 1);
  assert.match(files[0], /名冊\.xlsx$/);
});
