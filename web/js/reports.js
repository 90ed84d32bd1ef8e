// The one screen of every report (issues 16 and 17): the definition that
// GET /api/reports serves draws the search form (its params), the paged
// table (its columns, a 合計 row, 統計時間 and the answered conditions) and
// the export (POST /api/exports/<id>), all through the shared search table
// (ui/searchtable.js). A cell that drills down opens the list behind it in
// place of the table, with its own paging and export, and a 返回 button and
// a breadcrumb back through nested drill-downs.
import { api } from './api.js';
import { html, show, nothing } from './lit.js';
import { rocDateTime } from './format.js';
import { thisYear } from './clock.js';
import { state, fail, flash, granted } from './shell.js';
import { searchTable } from './ui/searchtable.js';
import { exportJobs } from './ui/jobs.js';
import { fields, cellValue, cellDrill, cellText, numeric, parseDrill, companions } from './ui/reportdef.js';
import { chartFor, drawChart } from './ui/chart.js';

// rolledUp are the reports read from the nightly statistics rollups, and
// rolledUpFeatures the grants that may ask for their 重新計算
// (statistics.RolledUp).
const rolledUp = ['P8', 'P9', 'P10', 'P10-categories', 'P11', 'P11-categories', 'R1', 'R2', 'R3'];
const rolledUpFeatures = ['P8', 'P9', 'P10', 'P11', 'R1', 'R2', 'R3'];
// A 重新計算's state is polled every recomputePoll ms, for at most the
// rollup worker's timeout (15 minutes).
const recomputePoll = 1500;
const recomputeWait = 15 * 60 * 1000;

// reportFeatures are the features that have a report of their own (not a
// drill-down) among the definitions.
export function reportFeatures(defs) {
  return new Set(defs.filter((d) => !d.drill).map((d) => d.feature || d.id));
}

// reportView draws a feature's report; a feature with several reports shows
// the first, and links to the others (#/<feature>/<report id>).
export async function reportView(el, defs, feature, rest = []) {
  const mine = defs.filter((d) => !d.drill && (d.feature || d.id) === feature);
  const def = mine.find((d) => d.id === rest[0]) || mine[0];
  const agencies = def.params.some((p) => p.kind === 'agency') ? (await api('GET', '/api/agencies')).items : [];
  show(el, html`<div class="report" data-report=${def.id}>
    <h1>${def.name}<span class="fid">${def.feature || def.id}</span></h1>
    ${mine.length > 1 ? html`<nav class="report-tabs" aria-label="報表">${mine.map((d) => html`<a href=${`#/${feature}/${d.id}`}
      aria-current=${d === def ? 'page' : nothing}>${d.name}</a>`)}</nav>` : nothing}
    <nav class="crumbs" aria-label="明細路徑" id="rp-crumbs"></nav>
    <div id="rp-main"></div><div id="rp-drills"></div></div>`);
  const main = el.querySelector('#rp-main');
  const drills = el.querySelector('#rp-drills');
  const crumbBox = el.querySelector('#rp-crumbs');
  const levels = []; // the open drill-downs: { box, label, opener }

  const crumbs = () => show(crumbBox, levels.length ? html`<ol>
    <li><button type="button" class="link" data-crumb="0" @click=${() => back(0)}>${def.name}</button></li>
    ${levels.map((l, i) => (i === levels.length - 1
      ? html`<li aria-current="page">${l.label}</li>`
      : html`<li><button type="button" class="link" data-crumb=${i + 1} @click=${() => back(i + 1)}>${l.label}</button></li>`))}</ol>` : nothing);
  // back closes the drill-downs above level n (0: the report itself) and
  // puts focus back on the cell that opened the one closed last.
  const back = (n) => {
    let opener = null;
    while (levels.length > n) {
      const l = levels.pop();
      l.box.remove();
      opener = l.opener;
    }
    (levels.length ? levels[levels.length - 1].box : main).hidden = false;
    crumbs();
    if (opener && opener.isConnected) opener.focus();
  };
  const drill = async (url, label, opener) => {
    const d = parseDrill(url);
    if (!d) return;
    const known = defs.find((x) => x.id === d.id);
    const box = document.createElement('section');
    box.className = 'drill';
    drills.append(box);
    (levels.length ? levels[levels.length - 1].box : main).hidden = true;
    levels.push({ box, label, opener });
    crumbs();
    const depth = levels.length;
    show(box, html`<h2 tabindex="-1" id=${'rp-h' + depth}>${known ? `${known.name}（${label}）` : label}</h2>
      <p class="actions drill-back"><button type="button" class="secondary" data-back @click=${() => back(depth - 1)}>返回</button></p>
      <div></div>`);
    box.querySelector('h2').focus();
    try {
      await reportTable(box.lastElementChild, {
        id: 'rd' + depth, report: d.id, name: known ? known.name : label,
        columns: known ? known.columns : [], exports: known ? known.exports : ['xlsx', 'ods'],
        // The URL fixes the drill-down's conditions; those of its definition
        // the URL leaves open (P5-courses' 含未認證紀錄) are in its form.
        params: Object.entries(d.params).map(([name, value]) => ({ name, value, type: 'hidden' }))
          .concat(known ? fields(known.params.filter((p) => !(p.key in d.params)), { thisYear: thisYear(), active: state.me.active.code, agencies }) : []),
        errors: true,
        drill,
      });
    } catch (err) { fail(err); }
  };

  // The lists that take the report's own conditions (P5's 課程明細, P18's
  // 開課狀況統計) open in place with the conditions of the form, and export.
  const views = companions(defs, def);
  const part = (d) => d.name.split('：')[1] || d.name;
  let table = null;
  // Conditions preset by a link (#/P1/year=2025/notices=1: H6's correction
  // notices of a year) stand as the fields' defaults: a preset year before
  // those the select offers is offered too.
  const presets = new Map(rest.filter((s) => s.includes('=')).map((s) => s.split('=').map(decodeURIComponent)));
  const params = fields(def.params.map((p) => (presets.has(p.key) ? { ...p, default: presets.get(p.key) } : p)),
    { thisYear: thisYear(), active: state.me.active.code, agencies });
  // 重新計算 (issue 17): the statistics read from the nightly rollups, for
  // officers holding one of them. The API records the request and the
  // rollup worker computes it in the background (202); the screen shows
  // 「重新計算中…」 and polls the request until it is done, then reads the
  // table again for its new 統計時間. A request refused inside its cooldown
  // (409) says when to ask again; one still computing is followed the same way.
  const recompute = async (button) => {
    // R1 has a range of days, not a year: the year it ends in.
    const q = new URLSearchParams(table.query());
    const year = Number(q.get('year') || (q.get('to') || '').slice(0, 4));
    const asked = `/api/statistics/recompute?year=${year}`;
    let req;
    try {
      req = await api('POST', '/api/statistics/recompute', { year });
    } catch (err) {
      if (err.status !== 409) throw err;
      req = await api('GET', asked);
      if (req.state !== 'queued' && req.state !== 'running') throw err;
    }
    button.textContent = '重新計算中…';
    flash(`重新計算中…（${state.me.active.name}含所屬機關，民國 ${year - 1911} 年）`, true);
    const until = Date.now() + recomputeWait;
    while (req.state === 'queued' || req.state === 'running') {
      if (!button.isConnected) return; // the officer left the page
      if (Date.now() > until) {
        flash('重新計算尚未完成，請稍後再查詢。');
        return;
      }
      await new Promise((done) => { setTimeout(done, recomputePoll); });
      req = await api('GET', asked);
    }
    if (req.state === 'failed') {
      flash('重新計算失敗，系統將自動重試；也可以稍後再要求重新計算。');
      return;
    }
    flash(`已重新計算${state.me.active.name}（含所屬機關）民國 ${year - 1911} 年的統計，統計時間：${rocDateTime(req.computedAt)}。`, true);
    await table.reload();
  };
  const canRecompute = rolledUp.includes(def.id) && state.me.user.kind !== 'stats' && rolledUpFeatures.some(granted);
  table = await reportTable(main, {
    id: 'rp', report: def.id, name: def.name, columns: def.columns, exports: def.exports, params, errors: true,
    also: views.map((d) => ({ kind: d.id, label: '匯出' + part(d) })),
    actions: views.map((d) => html`<button type="button" class="secondary" data-view=${d.id}
      @click=${(e) => table && drill(`/api/reports/${encodeURIComponent(d.id)}?${table.query()}`, part(d), e.currentTarget).catch(fail)}>${part(d)}</button>`)
      .concat(canRecompute ? [html`<button type="button" class="secondary" data-recompute
        @click=${(e) => {
          const b = e.currentTarget;
          b.disabled = true;
          recompute(b).catch(fail).finally(() => { b.disabled = false; b.textContent = '重新計算'; });
        }}>重新計算</button>`] : []),
    // A report whose required conditions have no default waits for 查詢.
    manual: !presets.size && def.params.some((p) => p.required && !p.default),
    drill,
    chart: true,
  });
}

// reportTable is one report's (or drill-down's) search table: rows of
// GET /api/reports/<report>, its columns, 合計, 統計時間 and conditions;
// with t.chart, the chart of the rows shown (ui/chart.js) above the table,
// redrawn (the previous one destroyed) with each answer.
async function reportTable(box, t) {
  const page = { total: null, conditions: [], computedAt: '', rows: 0, more: false, searched: false, answers: 0 };
  const plot = { rows: [], columns: t.columns, seq: 0, handle: { destroy() {} } };
  const redraw = async () => {
    const seq = ++plot.seq;
    const chartBox = box.querySelector(`#${t.id}-chart`);
    if (!chartBox) return;
    const h = await drawChart(chartBox, chartFor({ id: t.report, columns: plot.columns }, plot.rows), `${t.id}-chart`);
    if (seq !== plot.seq) { h.destroy(); return; }
    plot.handle.destroy();
    plot.handle = h;
    chartBox.dataset.answers = String(page.answers);
  };
  const def = {
    id: t.id, label: `查詢${t.name}`, params: t.params, errors: t.errors, manual: t.manual, actions: t.actions,
    columns: columnsOf(t.columns, t.drill),
    read: async (q) => {
      const p = await api('GET', `/api/reports/${encodeURIComponent(t.report)}?${q}`);
      return { ...p, items: p.rows || [] };
    },
    onPage: (p, more) => {
      if (p.columns && p.columns.length) def.columns = columnsOf(p.columns, t.drill); // the answer is the truth
      if (!more || p.total) page.total = p.total || null;
      if (!more || p.conditions) page.conditions = p.conditions || [];
      if (!more || p.computedAt) page.computedAt = p.computedAt || '';
      page.rows = (more ? page.rows : 0) + (p.rows || []).length;
      page.more = !!p.next;
      page.searched = true;
      page.answers++;
      if (t.chart) {
        if (p.columns && p.columns.length) plot.columns = p.columns;
        plot.rows = (more ? plot.rows : []).concat(p.rows || []);
        queueMicrotask(() => redraw().catch(fail)); // after the table is drawn
      }
    },
    above: t.chart ? html`<div id=${t.id + '-chart'} class="chart-box" hidden></div>` : undefined,
    info: () => html`<div class="report-info" data-answers=${page.answers}>
      ${page.conditions.length ? html`<p class="conditions" data-conditions><span class="muted">查詢條件：</span>${page.conditions.map((c, i) =>
        html`${i ? '；' : ''}<span>${c.label}：${c.value}</span>`)}</p>` : nothing}
      ${page.computedAt ? html`<p class="computed" data-computed-at=${page.computedAt}>統計時間：${rocDateTime(page.computedAt)}</p>` : nothing}
      <p class="sr-only" role="status">${page.searched ? `查詢完成，共 ${page.rows} 筆${page.more ? '，尚有更多' : ''}。` : ''}</p></div>`,
    foot: () => (page.total ? html`<tfoot><tr data-total>${def.columns.map((c, i) => {
      const v = cellValue(page.total[c.key]);
      if (i === 0) return html`<th scope="row" data-col=${c.key}>${v === null || v === undefined || v === '' ? '合計' : c.cell(page.total, '合計')}</th>`;
      return html`<td class=${c.class || nothing} data-col=${c.key}>${c.cell(page.total, '合計')}</td>`;
    })}</tr></tfoot>` : nothing),
    empty: '沒有符合條件的資料。',
  };
  if (t.exports && t.exports.length) def.export = { kind: t.report, formats: t.exports, also: t.also, password: true };
  return searchTable(box, def);
}

// columnsOf turns the API's columns into the search table's: each cell as
// its type reads, numbers right-aligned, a drillable cell a button that
// opens the list behind it (named by its row's first column and its own).
function columnsOf(columns, drill) {
  const first = columns[0] ? columns[0].key : '';
  return columns.map((col) => ({
    key: col.key, label: col.name, class: numeric(col.type) ? 'num' : undefined,
    cell: (r, rowName) => {
      const c = r[col.key];
      const text = cellText(col.type, cellValue(c));
      const url = cellDrill(c);
      if (!url || !drill) return text;
      const label = `${rowName || cellText('text', cellValue(r[first]))}：${col.name} ${text}`;
      return html`<button type="button" class="link drill" data-drill=${url} aria-label=${`${label}，開啟明細`}
        @click=${(e) => drill(url, label, e.currentTarget).catch(fail)}>${text}</button>`;
    },
  }));
}

// jobsView is a page of one's export jobs of a report (P2 下載申請進度查詢
// lists P1's score downloads: conditions, status, password, download).
export async function jobsView(el, kind, title, note) {
  show(el, html`<h1>${title}</h1><p class="muted">${note}</p><div id="j-list"></div>`);
  await exportJobs(el.querySelector('#j-list'), kind);
}
