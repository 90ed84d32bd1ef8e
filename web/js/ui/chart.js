// The chart beside a statistics table (issue 17, "Charts"): chartFor decides,
// per report and from its column keys (../shared/STATISTICS.md "Column
// keys"), which numbers of the rows shown to draw; drawChart draws them with
// the vendored Chart.js (web/vendor/README.md), loaded the first time a chart
// is drawn. The table stays the primary view: the chart is a canvas with
// role="img" and a label, described by a visually hidden list of exactly the
// plotted values as the table writes them. A missing value (a rate of no
// staff, 「—」 in the table) is no bar. chartFor is plain data, unit-tested
// in node (web/e2e/reportdef.test.mjs).
import { cellValue, cellText } from './reportdef.js';

// specs per report: the columns that name a row (joined with ／), the series
// (column keys; several are grouped bars, or stacked ones), and the end of the
// value axis of a rate (100%).
const specs = {
  P8: { label: ['name'], series: ['rate'], max: 100 },
  P9: { label: ['personnelCategory', 'group'], series: ['participationRate'], max: 100 },
  P10: { label: ['agency'], series: ['totalHours'] },
  P11: { label: ['agency'], series: ['totalHours'] },
  R1: { label: ['nature'], series: ['share'], max: 100 },
  R2: { label: ['group'], series: ['hours'] },
  R3: { label: ['level', 'category'], series: ['men', 'women'], stacked: true },
};

// chartFor answers what to draw for a report's rows, or null (no chart: a
// report without one, columns the spec does not find, no rows):
// { title, labels, series: [{ key, name, type, values }], max, stacked }.
// def: { id, columns: [{ key, name, type }] } (the answer's columns).
export function chartFor(def, rows) {
  const spec = specs[def.id];
  if (!spec || !rows || !rows.length) return null;
  const col = (k) => (def.columns || []).find((c) => c.key === k);
  if (![...spec.label, ...spec.series].every(col)) return null;
  const labels = rows.map((r) => spec.label.map((k) => cellText('text', cellValue(r[k]))).filter(Boolean).join('／'));
  const series = spec.series.map((k) => ({
    key: k, name: col(k).name, type: col(k).type,
    values: rows.map((r) => {
      const v = cellValue(r[k]);
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    }),
  }));
  return { title: series.map((s) => s.name).join('、'), labels, series, max: spec.max, stacked: !!spec.stacked };
}

// describe is the chart's text alternative: one line per plotted row, each
// value as the table writes it (「—」 for a missing one).
export function describe(c) {
  return c.labels.map((l, i) => ({
    label: l,
    values: c.series.map((s) => ({ key: s.key, name: s.name, text: cellText(s.type, s.values[i]) })),
  }));
}

const colors = ['#1f5c99', '#c0504d', '#4f8a3c', '#8064a2'];
let lib = null;

// loadChart imports the UMD build once for its side effect (globalThis.Chart).
async function loadChart() {
  if (!lib) lib = import('../../vendor/chart.js/dist/chart.umd.min.js').then(() => globalThis.Chart);
  return lib;
}

// drawChart draws c into box (emptying it first) and answers a handle whose
// destroy() frees the Chart instance; c null leaves box empty and hidden.
export async function drawChart(box, c, id) {
  if (!c) {
    box.replaceChildren();
    box.hidden = true;
    return { destroy() {} };
  }
  const Chart = await loadChart();
  // A chart whose screen was replaced (another menu entry) is freed here.
  for (const old of Object.values(Chart.instances)) if (!old.canvas.isConnected) old.destroy();
  box.replaceChildren(); // after the wait: of two draws in a row the later one stays
  box.hidden = false;
  const fig = document.createElement('figure');
  fig.className = 'report-chart';
  const cap = document.createElement('figcaption');
  cap.textContent = `圖表：${c.title}`;
  const wrap = document.createElement('div');
  wrap.className = 'chart-canvas';
  const canvas = document.createElement('canvas');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `圖表：${c.title}（數值如下列說明及表格）`);
  canvas.setAttribute('aria-describedby', id + '-desc');
  wrap.append(canvas);
  const list = document.createElement('ul');
  list.className = 'sr-only';
  list.id = id + '-desc';
  for (const row of describe(c)) {
    const li = document.createElement('li');
    li.dataset.label = row.label;
    for (const v of row.values) li.dataset[v.key] = v.text;
    li.textContent = `${row.label}：${row.values.map((v) => (c.series.length > 1 ? `${v.name} ${v.text}` : v.text)).join('，')}`;
    list.append(li);
  }
  fig.append(cap, wrap, list);
  box.append(fig);
  // Many rows (agencies) or long names (requirements) read better as bars
  // down the page, a bar per row at a readable height.
  const horizontal = c.labels.length > 8 || c.labels.some((l) => l.length > 8);
  if (horizontal) wrap.style.height = `${Math.max(160, 28 * c.labels.length + 60)}px`;
  const valueAxis = { beginAtZero: true, stacked: c.stacked, max: c.max };
  const labelAxis = { stacked: c.stacked, ticks: { autoSkip: false } };
  const chart = new Chart(canvas, {
    type: 'bar',
    data: {
      labels: c.labels,
      datasets: c.series.map((s, i) => ({ label: s.name, data: s.values, backgroundColor: colors[i % colors.length] })),
    },
    options: {
      indexAxis: horizontal ? 'y' : 'x',
      animation: false, // drawn at once: the printout and the tests see the final chart
      devicePixelRatio: Math.max(2, globalThis.devicePixelRatio || 1), // sharp when printed
      responsive: true,
      maintainAspectRatio: false, // the wrapper's CSS height decides
      plugins: { legend: { display: c.series.length > 1 } },
      scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
    },
  });
  // The page narrows to the paper when printed: redraw at that width.
  const resize = () => chart.resize();
  globalThis.addEventListener('beforeprint', resize);
  return { destroy() { globalThis.removeEventListener('beforeprint', resize); chart.destroy(); } };
}
