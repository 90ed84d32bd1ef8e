// One quantity, every screen (issue 28): after a journey that changes a
// person's hours (an L6c upload of further study, then 重新計算), the same
// hours and head counts read alike on every screen that shows them, for the
// person (P5, P6, P7, R4), the agency alone (P5, P7, P9, P10 and its
// categories) and the agency with its subtree (P9, P10, P13, R3, and P10
// of 「全部機關」). Any of the disagreements issue 28 found (進修 outside the
// categories, 全部機關 read as 本機關) fails one of these equalities. One stack, one page
// per sign-in, the screens opened by their links (#/<feature>/<conditions>).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStack, launch, newPage, signIn, api, devToken } from './harness.mjs';

let stack, chrome;
const errors = [];
before(async () => { stack = await startStack({ people: 200, classes: 20 }); chrome = await launch(); });
after(async () => { await chrome?.close(); await stack?.stop(); assert.deepEqual(errors, [], 'script errors on the page'); });

const MOI = '301000000A';
const num = (s) => Number(String(s).replace(/,/g, '')) || 0;
const sum = (rows, key) => rows.reduce((s, r) => s + num(r[key]), 0);

// open loads a report by its link (a page load of its own, so no answer of
// the screen before is read) and reads every page of its table as it is
// shown: rows (column key → text) and the 合計 row.
let loads = 0;
async function open(page, hash) {
  await page.goto(`${stack.url}/?load=${++loads}#/${hash}`);
  await page.waitForSelector('#rp-list table, #rp-list .muted');
  await page.waitForFunction(() => Number(document.querySelector('.report-info')?.dataset.answers) > 0);
  for (;;) {
    const more = page.locator('#rp-more [data-more]');
    if (!await more.count()) break;
    const n = await page.locator('#rp-list tbody tr').count();
    await more.click();
    await page.waitForFunction((k) => document.querySelectorAll('#rp-list tbody tr').length > k, n);
  }
  assert.equal(await page.textContent('#flash'), '', `${hash}: no error`);
  return page.$eval('#rp-list', (el) => {
    const read = (tr) => Object.fromEntries([...tr.querySelectorAll('[data-col]')].map((td) => [td.dataset.col, td.textContent.trim()]));
    const t = el.querySelector('table');
    return { rows: t ? [...t.querySelectorAll('tbody tr')].map(read) : [], total: t?.querySelector('tfoot tr[data-total]') ? read(t.querySelector('tfoot tr[data-total]')) : null };
  });
}

test('after an L6c upload and 重新計算, every screen shows the same hours and head counts', async () => {
  const hr = await devToken(stack.url, 'moi.hr');
  const { body } = await api(stack.url, 'GET', `/api/dev/people?agency=${MOI}`);
  const person = body.items[0];
  const day = stack.day(-5);
  const year = day.slice(0, 4);

  // The journey: 2 學分 of further study (36 h) uploaded (L6c) and applied by the nightly batch.
  const csv = '身分證字號*,姓名*,進修機構名稱*,課程名稱*,起始日期*,終迄日期*,進修類別*,訓練總數*,訓練總數單位*,學習性質*,數位時數,實體時數,訓練成績\r\n' +
    `${person.nationalId},${person.name},國立政治大學,一致性測試學分班,${day},${day},3,36,1,2,,36,\r\n`;
  const bytes = Buffer.from('\ufeff' + csv, 'utf8');
  const up = (await api(stack.url, 'POST', '/api/imports', { token: hr, body: { kind: 'hours-study', fileName: 'study.csv', size: bytes.length } })).body;
  assert.equal((await fetch(up.url, { method: 'PUT', headers: { 'Content-Type': 'text/csv' }, body: bytes })).status, 200);
  let job;
  for (let i = 0; i < 600 && job?.status !== 'done'; i++) {
    if (job?.status === 'staged') assert.equal((await fetch(stack.url + '/local/schedules/Nightly', { method: 'POST' })).status, 200);
    await sleep(200);
    job = (await api(stack.url, 'GET', '/api/imports/jobs/' + up.job.id, { token: hr })).body;
  }
  assert.equal(job.status, 'done', JSON.stringify(job));
  assert.equal(job.failed, 0, JSON.stringify(job));

  // 重新計算 on P10, as the officer does, until the new 統計時間.
  const page = await newPage(chrome.browser, errors);
  await signIn(page, stack.url, 'moi.hr');
  await open(page, `P10/year=${year}`);
  await page.click('#rp-search button[data-recompute]');
  await page.waitForFunction(() => /^已重新計算/.test(document.querySelector('#flash').textContent), null, { timeout: 120_000 });

  // The agency alone (本機關) and with its subtree (含所屬機關).
  const self = `scope=self/year=${year}`;
  const tree = `scope=subtree/year=${year}`;
  const p10 = await open(page, `P10/${self}`);
  const p10t = await open(page, `P10/${tree}`);
  const cats = await open(page, `P10/P10-categories/${self}`);
  const p9 = await open(page, `P9/${self}`);
  const p9t = await open(page, `P9/${tree}`);
  const p7 = await open(page, `P7/${self}`);
  const p5 = await open(page, `P5/${self}`);
  const p13 = await open(page, `P13/${tree}`);
  const all = await open(page, `P10/agency=all/${self}`); // 全部機關: the subtree, whatever 範圍 says
  const hours = num(p10.total.totalHours);
  const staff = num(p10.total.staff);
  assert.ok(hours >= 36 && staff > 0, `本機關 learned: ${JSON.stringify(p10.total)}`);
  assert.equal(sum(cats.rows, 'hours'), hours, 'P10 課程類別 add up to P10 學習總時數 (進修 among them)');
  assert.ok(cats.rows.some((r) => r.category === '進修' && num(r.hours) >= 36), 'P10 課程類別 has 進修');
  assert.equal(sum(p9.rows, 'totalHours'), hours, 'P9 groups add up to P10 學習總時數 (本機關)');
  assert.equal(sum(p9t.rows, 'totalHours'), num(p10t.total.totalHours), 'P9 groups add up to P10 學習總時數 (含所屬機關)');
  assert.equal(sum(p7.rows, 'totalHours'), hours, 'P7 總時數 of the agency is P10 學習總時數');
  assert.equal(sum(p5.rows, 'totalHours'), hours, 'P5 總時數 of the agency is P10 學習總時數');
  assert.equal(p5.rows.length, staff, 'P5 lists P10 公務人員數 people');
  assert.equal(p7.rows.length, staff, 'P7 lists P10 公務人員數 people');
  assert.equal(num(p13.total.staff), num(p10t.total.staff), 'P13 公務人員數 is P10 公務人員數 (含所屬機關)');
  assert.deepEqual([all.total.staff, all.total.totalHours], [p10t.total.staff, p10t.total.totalHours], 'P10 of 全部機關 is P10 含所屬機關');
  assert.ok(num(p10t.total.staff) > staff, 'the subtree has more people than the agency alone');
  for (const r of p7.rows) {
    const parts = Object.entries(r).filter(([k]) => k.startsWith('cat')).reduce((s, [, v]) => s + num(v), 0);
    assert.equal(parts, num(r.totalHours), `P7 ${r.name}: the category columns (進修 among them) add up to 總時數`);
  }

  // The person: P5, P7, P6 (the records) and R4 (the records of the year).
  const mine = (rows) => rows.filter((r) => r.name === person.name); // one of the agency's few dozen people
  const [p5Row] = mine(p5.rows);
  const [p7Row] = mine(p7.rows);
  assert.ok(p5Row && p7Row && mine(p5.rows).length === 1, `${person.name} once on P5 and P7`);
  const total = num(p5Row.totalHours);
  assert.ok(total >= 36, `${person.name}: P5 總時數 ${total} holds the 36 h of further study`);
  assert.equal(num(p7Row.totalHours), total, 'P7 總時數 is P5 總時數');
  assert.ok(num(p7Row.catstudy) >= 36, 'P7 進修 holds the further study');
  const p6 = await open(page, `P6/year=${year}/nationalId=${person.nationalId}`);
  assert.equal(sum(p6.rows.filter((r) => r.status === '認證通過'), 'hours'), total, 'P6 certified hours add up to P5 總時數');
  assert.ok(p6.rows.some((r) => r.category === '進修：學分進修'), 'P6 names the 進修類別, never its code');

  // The statistics reports (機關最高管理者): R4 for the person, R3 for the scope.
  const admin = await newPage(chrome.browser, errors);
  await signIn(admin, stack.url, 'moi.admin');
  const r4 = await open(admin, `R4/scope=self/from=${year}-01-01/to=${year}-12-31`);
  const [r4Row] = mine(r4.rows);
  assert.equal(num(r4Row?.hours), total, 'R4 時數 of the person is P5 總時數');
  const r3 = await open(admin, `R3/${tree}`);
  const token = await devToken(stack.url, 'moi.admin');
  for (const category of new Set(r3.rows.map((r) => r.category))) {
    const code = /\(([0-9]+)\)$/.exec(category)?.[1];
    assert.ok(code, `R3 names its category with its code: ${category}`);
    let people = 0;
    for (let next = ''; ;) {
      const p = (await api(stack.url, 'GET', `/api/reports/P10-people?scope=subtree&year=${year}&status=participants&category=${code}&limit=100${next ? '&next=' + next : ''}`, { token })).body;
      people += p.rows.length;
      if (!p.next) break;
      next = p.next;
    }
    assert.equal(sum(r3.rows.filter((r) => r.category === category), 'total'), people,
      `R3 ${category}: its participants are P10's participants of the category (含所屬機關)`);
  }
});
