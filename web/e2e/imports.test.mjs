// Issue 5 in the browser: upload a Big5 learner-hour file with two bad rows,
// see the check's per-row results, fire the nightly batch, see the job done
// and download the result file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStack, launch, newPage, signIn, api, devToken } from './harness.mjs';

let stack, chrome;
const errors = [];
before(async () => { stack = await startStack({ people: 200, classes: 10 }); chrome = await launch(); });
after(async () => { await chrome?.close(); await stack?.stop(); assert.deepEqual(errors, [], 'script errors on the page'); });

// big5 encodes text as Excel on Traditional-Chinese Windows saves CSV, using
// the inverse of the platform's Big5 decoder (Node has no Big5 encoder).
function big5(text) {
  const dec = new TextDecoder('big5');
  const table = new Map();
  for (let hi = 0x81; hi <= 0xfe; hi++) {
    for (const lo of [...Array(0x3f).keys()].map((i) => 0x40 + i).concat([...Array(0x5e).keys()].map((i) => 0xa1 + i))) {
      const ch = dec.decode(new Uint8Array([hi, lo]));
      if (ch.length === 1 && ch !== '\ufffd' && !table.has(ch)) table.set(ch, [hi, lo]);
    }
  }
  const out = [];
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) out.push(ch.charCodeAt(0));
    else if (table.has(ch)) out.push(...table.get(ch));
    else throw new Error('not in Big5: ' + ch);
  }
  return Buffer.from(out);
}

test('upload a Big5 file with two bad rows, run the nightly batch, download the results', async () => {
  const { body } = await api(stack.url, 'GET', '/api/dev/people?agency=301000000A');
  const [a, b] = body.items;
  const header = '身分證字號*,姓名*,訓練進修機構名稱*,課程名稱*,起始日期*,終迄日期*,課程類別代碼*,訓練總數*,訓練總數單位*,學習性質*,數位時數,實體時數,上課縣市,訓練成績\r\n';
  const csv = header +
    `${a.nationalId},${a.name},國家文官學院,英語簡報技巧,115/10/01,115/10/01,3111,6,1,2,,6,A,90\r\n` +
    `${b.nationalId},${b.name},國家文官學院,英語簡報技巧,115/10/01,115/10/01,3111,2.5,1,2,,,A,\r\n` + // decimal hours
    `A123456788,${a.name},國家文官學院,公文寫作,115/10/02,115/10/02,3111,3,1,2,,3,A,\r\n` + // bad national ID
    `${b.nationalId},${b.name},國家文官學院,公文寫作,115/10/02,115/10/02,511,1,2,3,2,4,A,\r\n`; // 1 day, blended 2 + 4
  const dir = mkdtempSync(join(tmpdir(), 'e2e-upload-'));
  const file = join(dir, '時數.csv');
  writeFileSync(file, big5(csv));

  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.course');
  await page.click('#menu a[href="#/L6b"]');
  await page.waitForSelector('#u-form');
  assert.match(await page.textContent('#u-format'), /訓練進修機構名稱/, 'the format page lists the columns');
  await page.setInputFiles('#u-file', file);
  await page.click('#u-submit');
  await page.waitForSelector('#j-summary [data-status="staged"]');
  assert.match(await page.textContent('#j-counts'), /共 4 列：成功 0、失敗 2、待處理 2/);
  assert.match(await page.textContent('#j-summary'), /Big5/);
  const failed = await page.$$eval('#j-rows tr[data-line]', (trs) => trs.map((tr) => [Number(tr.dataset.line), tr.textContent]));
  assert.deepEqual(failed.map((f) => f[0]), [3, 4]);
  assert.match(failed[0][1], /小數/);
  assert.match(failed[1][1], /身分證字號/);
  const jobId = page.url().split('/job/')[1];

  // The tester fires the nightly batch; the apply runs asynchronously.
  const fired = await fetch(stack.url + '/local/schedules/Nightly', { method: 'POST' });
  assert.equal(fired.status, 200);
  const token = await devToken(stack.url, 'moi.course');
  let j;
  for (let i = 0; i < 300; i++) {
    j = (await api(stack.url, 'GET', '/api/imports/jobs/' + jobId, { token })).body;
    if (j.status === 'done') break;
    await sleep(100);
  }
  assert.equal(j.status, 'done', `the nightly batch did not finish the job in 30 s: ${JSON.stringify(j)}`);
  await page.reload();
  await page.waitForSelector('#j-summary [data-status="done"]');
  assert.match(await page.textContent('#j-counts'), /共 4 列：成功 2、失敗 2、待處理 0/);
  await page.uncheck('#j-only-failed');
  await page.waitForFunction(() => document.querySelectorAll('#j-rows tr[data-line]').length === 4);
  assert.equal(await page.locator('#j-rows tr[data-status="applied"]').count(), 2);
  assert.equal(await page.locator('#j-rows [data-change="added"]').count(), 2, 'each written row says 新增');

  // The result file: every row with its result, UTF-8 with BOM. The import
  // worker writes it; meanwhile the button says 產生中… (the answers of the
  // task it follows are held back a moment, so that the state can be seen).
  await page.route('**/api/imports/results/*', async (route) => { await sleep(800); await route.continue(); });
  const downloading = page.waitForEvent('download');
  await page.click('#j-result');
  await page.waitForFunction(() => document.querySelector('#j-result').textContent === '產生中…' && document.querySelector('#j-result').disabled);
  const download = await downloading;
  await page.waitForFunction(() => document.querySelector('#j-result').textContent === '下載處理結果');
  await page.unroute('**/api/imports/results/*');
  assert.match(download.suggestedFilename(), /時數_處理結果\.csv$/);
  const result = readFileSync(await download.path(), 'utf8');
  assert.ok(result.startsWith('\ufeff'), 'UTF-8 with BOM');
  assert.match(result, /處理結果/);
  assert.equal(result.split('已寫入（新增）').length - 1, 2);
  assert.equal(result.split('失敗：').length - 1, 2);

  // Asked again, the file of the same job state is answered at once (no task).
  const [again] = await Promise.all([page.waitForEvent('download'), page.click('#j-result')]);
  assert.equal(readFileSync(await again.path(), 'utf8'), result);

  // L1 finds the upload by a national ID inside the file, written full-width:
  // the import worker searches; the list says 搜尋中… until it is done.
  await page.click('#menu a[href="#/L1"]');
  await page.waitForSelector('#p-list table');
  await page.route('**/api/imports/searches/*', async (route) => { await sleep(800); await route.continue(); });
  await page.fill('#p-q', b.nationalId.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d))));
  await page.click('#p-search button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#p-status').textContent.startsWith('搜尋中…'));
  await page.waitForFunction(() => document.querySelector('#p-status').textContent === '', null, { timeout: 30000 });
  assert.deepEqual(await page.$$eval('#p-list tr[data-job]', (trs) => trs.map((tr) => tr.dataset.job)), [jobId]);
  await page.unroute('**/api/imports/searches/*');
  // A text no file holds: none found.
  await page.fill('#p-q', '找不到的字');
  await page.click('#p-search button[type=submit]');
  await page.waitForSelector('#p-list .muted');
  assert.match(await page.textContent('#p-list'), /沒有符合條件的上傳作業/);
  await page.fill('#p-q', '');
  await page.click('#p-search button[type=submit]');
  await page.waitForSelector(`#p-list tr[data-job="${jobId}"]`);

  // Issue 15 defect 6: the job-type filter lists every type the server knows…
  const kinds = (await api(stack.url, 'GET', '/api/imports/kinds', { token: await devToken(stack.url, 'moi.course') })).body.items;
  const offered = await page.$$eval('#p-kind option', (os) => os.map((o) => o.value).filter(Boolean));
  assert.deepEqual(offered, kinds.map((k) => k.id));
  // …and a job whose rows fit one page offers no 下一頁 (its cursor used to lead nowhere).
  await page.click(`#p-list tr[data-job="${jobId}"] a`);
  await page.waitForSelector('#j-rows tr[data-line]');
  for (const only of [true, false]) {
    await page.setChecked('#j-only-failed', only);
    await page.waitForFunction((n) => document.querySelectorAll('#j-rows tr[data-line]').length === n, only ? 2 : 4);
    assert.equal(await page.locator('#j-more [data-more]').count(), 0, `no 下一頁 (failed only: ${only})`);
    const lines = await page.$$eval('#j-rows tr[data-line]', (trs) => trs.map((tr) => tr.dataset.line));
    assert.equal(new Set(lines).size, lines.length, 'no row twice');
  }
  const rows = (await api(stack.url, 'GET', `/api/imports/jobs/${jobId}/rows`, { token: await devToken(stack.url, 'moi.course') })).body;
  assert.equal(rows.items.length, 4);
  assert.equal(rows.next, undefined, 'no cursor after the last page');
});
