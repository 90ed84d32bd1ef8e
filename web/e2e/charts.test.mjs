// The chart beside a statistics table (issue 17, "Charts"; web/js/ui/chart.js).
// In node: what each report plots (the columns STATISTICS.md names), a missing
// value as no bar (null), no chart for other reports or unknown columns. In Chromium:
// P10 含所屬機關, P8 and R3 draw a canvas role=img whose text alternative lists
// exactly the numbers of the table, with no script error, CSP violation or
// console error, and the page passes the accessibility audit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chartFor, describe } from '../js/ui/chart.js';
import { startStack, launch, newPage, signIn, audit } from './harness.mjs';

const col = (key, type = 'number') => ({ key, name: key + '名', type });

test('each statistics report plots its own columns; a null value is no bar and reads 「—」', () => {
  const cases = [
    { id: 'P8', columns: [col('requirement', 'text'), col('name', 'text'), col('staff'), col('rate', 'rate')],
      rows: [{ name: '甲', rate: 12.5, staff: 8 }, { name: '乙', rate: null, staff: 0 }],
      labels: ['甲', '乙'], series: { rate: [12.5, null] }, text: [['12.5%'], ['—']] },
    { id: 'P9', columns: [col('personnelCategory', 'text'), col('group', 'text'), col('participationRate', 'rate')],
      rows: [{ personnelCategory: '公務人員', group: '政策能力', participationRate: { value: 50, drill: '/x' } }],
      labels: ['公務人員／政策能力'], series: { participationRate: [50] }, text: [['50.0%']] },
    { id: 'P10', columns: [col('agency', 'text'), col('totalHours')],
      rows: [{ agency: '內政部', totalHours: { value: 1234.5, drill: '/y' } }, { agency: '空', totalHours: 0 }],
      labels: ['內政部', '空'], series: { totalHours: [1234.5, 0] }, text: [['1,234.5'], ['0']] },
    { id: 'R3', columns: [col('level', 'text'), col('category', 'text'), col('men'), col('women')],
      rows: [{ level: '中央', category: 'A', men: 3, women: 4 }],
      labels: ['中央／A'], series: { men: [3], women: [4] }, text: [['3', '4']] },
  ];
  for (const c of cases) {
    const got = chartFor({ id: c.id, columns: c.columns }, c.rows);
    assert.ok(got, c.id);
    assert.deepEqual(got.labels, c.labels, c.id);
    assert.deepEqual(Object.fromEntries(got.series.map((s) => [s.key, s.values])), c.series, c.id);
    assert.deepEqual(describe(got).map((r) => r.values.map((v) => v.text)), c.text, c.id);
  }
});

test('no chart for a report without one, for columns it does not know, or for no rows', () => {
  assert.equal(chartFor({ id: 'P13', columns: [col('agency', 'text'), col('members')] }, [{ agency: 'a', members: 1 }]), null);
  assert.equal(chartFor({ id: 'P8', columns: [col('name', 'text')] }, [{ name: 'a' }]), null, 'no rate column');
  assert.equal(chartFor({ id: 'P8', columns: [col('name', 'text'), col('rate', 'rate')] }, []), null);
  assert.equal(chartFor({ id: 'P10-people', columns: [col('agency', 'text'), col('totalHours')] }, [{ agency: 'a', totalHours: 1 }]), null);
});

let stack, chrome;
const errors = [];
before(async () => { stack = await startStack({ people: 400, classes: 30 }); chrome = await launch(); });
after(async () => { await chrome?.close(); await stack?.stop(); assert.deepEqual(errors, [], 'script errors on the page'); });

// search presses 查詢 and waits until both the table and the chart show its answer.
async function search(page) {
  const before = Number(await page.$eval('.report-info', (el) => el.dataset.answers));
  await page.click('#rp-search button[type=submit]');
  await page.waitForFunction((n) => Number(document.querySelector('.report-info').dataset.answers) > n, before);
  await waitChart(page);
}

// waitChart waits until the chart is drawn for the table's latest answer.
const waitChart = (page) => page.waitForFunction(() => {
  const box = document.querySelector('#rp-chart');
  return box && box.dataset.answers === document.querySelector('.report-info').dataset.answers && box.querySelector('canvas');
});

// shown reads the table (first column text → the column's text) and the
// chart's text alternative (label → the series' text).
const shown = (page, labelCols, key) => page.evaluate(([labelCols, key]) => {
  const rows = [...document.querySelectorAll('#rp-list tbody tr')].map((tr) => {
    const cell = (k) => tr.querySelector(`[data-col="${k}"]`).textContent.trim();
    return [labelCols.map(cell).filter(Boolean).join('／'), cell(key)];
  });
  const canvas = document.querySelector('#rp-chart canvas');
  const desc = document.getElementById(canvas.getAttribute('aria-describedby'));
  return {
    rows,
    chart: [...desc.querySelectorAll('li')].map((li) => [li.dataset.label, li.dataset[key], li.textContent]),
    role: canvas.getAttribute('role'), label: canvas.getAttribute('aria-label'),
    size: [canvas.width, canvas.height], charts: document.querySelectorAll('#rp-chart canvas').length,
    // painted pixels: Chart.js drew bars and axes, not an empty canvas
    inked: canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data.filter((v, i) => i % 4 === 3 && v > 0).length,
  };
}, [labelCols, key]);

test('P10 (含所屬機關), P8 and R3 (men, women): a chart beside the table whose text alternative lists the table\'s numbers; the chart of a screen left is destroyed', async () => {
  const page = await newPage(chrome.browser, errors);
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await signIn(page, stack.url, 'moi.admin');

  await page.click('#menu a[href="#/P10"]');
  await page.waitForSelector('#rp-list table');
  await waitChart(page);
  await page.selectOption('#rp-scope', 'subtree');
  await search(page);
  const p10 = await shown(page, ['agency'], 'totalHours');
  assert.ok(p10.rows.length > 1, 'P10 含所屬機關 lists the agencies below');
  assert.deepEqual(p10.chart.map(([l, v]) => [l, v]), p10.rows, 'the chart plots each agency\'s 學習總時數 as the table writes it');
  for (const [l, v, text] of p10.chart) assert.equal(text, `${l}：${v}`);
  assert.equal(p10.role, 'img');
  assert.match(p10.label, /學習總時數/);
  assert.equal(p10.charts, 1, 'the chart of the previous answer is gone');
  assert.ok(p10.size[0] > 100 && p10.size[1] > 100 && p10.inked > 1000, `the canvas is drawn (${p10.size}, ${p10.inked} pixels)`);
  assert.ok(await page.isVisible('#rp-chart canvas'));
  await audit(page, 'P10 with its chart');

  await page.click('#menu a[href="#/P8"]');
  await page.waitForSelector('.report[data-report="P8"] #rp-list table');
  await waitChart(page);
  const p8 = await shown(page, ['name'], 'rate');
  assert.ok(p8.rows.length > 0, 'P8 lists requirements');
  assert.deepEqual(p8.chart.map(([l, v]) => [l, v]), p8.rows, 'the chart plots each requirement\'s 完成率 as the table writes it');
  assert.match(p8.label, /完成率/);
  assert.ok(p8.inked > 1000, `the P8 chart is drawn (${p8.inked} pixels)`);
  await audit(page, 'P8 with its chart');

  // R3: men and women of each level and category, two series of one chart.
  await page.click('#menu a[href="#/R3"]');
  await page.waitForSelector('.report[data-report="R3"] #rp-list table');
  await waitChart(page);
  const [men, women] = [await shown(page, ['level', 'category'], 'men'), await shown(page, ['level', 'category'], 'women')];
  assert.ok(men.rows.length > 0, 'R3 lists levels and categories');
  assert.deepEqual(men.chart.map(([l, v]) => [l, v]), men.rows, 'the chart plots 男性 as the table writes it');
  assert.deepEqual(women.chart.map(([l, v]) => [l, v]), women.rows, 'the chart plots 女性 as the table writes it');
  assert.equal(await page.evaluate(() => Object.keys(window.Chart.instances).length), 1, 'the charts of the screens left are destroyed');

  // Printed: the chart is there, redrawn to the page's width.
  await page.emulateMedia({ media: 'print' });
  assert.ok(await page.isVisible('#rp-chart canvas'), 'the chart prints');
  await page.emulateMedia({ media: 'screen' });
});
