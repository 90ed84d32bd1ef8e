// The search form + paged table + export: one component, drawn from a
// definition, for every "find, list, download" screen (and the reports to
// come). A definition names the search parameters, the columns, how to read
// a page of rows (the API answers { items, next } with a cursor), and
// optionally an export kind (POST /api/exports/<kind> with the same
// parameters, followed in a job panel).
//
//   searchTable(el, {
//     id: 'c', label: '查詢課程',
//     params: [{ name: 'name', label: '課程名稱', type: 'text' },
//              { name: 'from', label: '開始日期', type: 'date' },
//              { name: 'year', label: '年度', type: 'select', options: [['115', '民國 115 年']], value: '115' }],
//     columns: [{ label: '課程名稱', cell: (r) => r.name }],
//     rowAttr: 'class', rowKey: (r) => r.id,   // <tr data-class="…">
//     read: (query) => api('GET', '/api/courses?' + query),
//     empty: '沒有符合條件的課程。',
//   });
import { html, nothing, ref, show } from '../lit.js';
import { api } from '../api.js';
import { fail, flash } from '../shell.js';
import { rocDateField, checkDates } from './rocdate.js';
import { exportJobs } from './jobs.js';

function param(id, p) {
  const pid = `${id}-${p.name}`;
  switch (p.type) {
    case 'date':
      return html`<div>${rocDateField({ id: pid, name: p.name, label: p.label, value: p.value || '' })}</div>`;
    case 'select':
      return html`<div><label for=${pid}>${p.label}</label><select id=${pid} name=${p.name}>
        ${p.options.map(([v, l, level]) => html`<option value=${v} ?selected=${v === (p.value ?? '')}>${level > 1 ? '　'.repeat(level - 1) : ''}${l}</option>`)}</select></div>`;
    case 'checkbox':
      return html`<div class="checkbox-cell"><label class="inline"><input type="checkbox" id=${pid} name=${p.name} value="1" ?checked=${!!p.value}> ${p.label}</label></div>`;
    default:
      return html`<div><label for=${pid}>${p.label}</label><input type="text" id=${pid} name=${p.name} value=${p.value || ''}
        placeholder=${p.placeholder || nothing} inputmode=${p.numeric ? 'numeric' : nothing} autocomplete="off"></div>`;
  }
}

// searchTable draws the component into el and reads the first page; it
// answers { reload, query } for the screen (reload after an edit or delete).
export async function searchTable(el, def) {
  const id = def.id;
  const st = { rows: [], next: '', loaded: false, seq: 0 };
  let form;
  let jobsBox;
  const query = (next = '') => {
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (String(v).trim() && k !== 'format') q.set(k, String(v).trim());
    if (next) q.set('next', next);
    return q;
  };
  const load = async (next = '') => {
    if (!checkDates(form)) return;
    const seq = ++st.seq; // of overlapping searches only the newest answer is drawn
    let page;
    try {
      page = await def.read(query(next));
      if (seq !== st.seq) return;
    } catch (err) {
      if (seq !== st.seq) return;
      st.loaded = true; // the rows shown before stay (until a search answers), and the error is flashed
      draw();
      throw err;
    }
    st.rows = next ? st.rows.concat(page.items) : page.items;
    st.next = page.next || '';
    st.loaded = true;
    if (def.onPage) def.onPage(page);
    draw();
  };
  const exportList = async () => {
    try {
      if (!checkDates(form)) return;
      await api('POST', `/api/exports/${def.export.kind}`, { format: form.elements.format.value, params: Object.fromEntries(query()) });
      flash('已受理，檔案產製完成後即可於下方下載。', true);
      jobsBox.dispatchEvent(new Event('exports:refresh'));
    } catch (err) { fail(err); }
  };
  const row = (r) => html`<tr ${ref((tr) => tr && def.rowAttr && tr.setAttribute('data-' + def.rowAttr, def.rowKey(r)))}>
    ${def.columns.map((c) => html`<td class=${c.class || nothing}>${c.cell(r)}</td>`)}</tr>`;
  const draw = () => show(el, html`
    <form class="card" id=${id + '-search'} role="search" aria-label=${def.label} novalidate ${ref((f) => { form = f || form; })}
      @submit=${(e) => { e.preventDefault(); load().catch(fail); }}>
      <div class="grid">${def.params.map((p) => param(id, p))}</div>
      <p class="actions"><button type="submit">查詢</button>${def.actions || nothing}
        ${def.export ? html`<label class="inline" for=${id + '-format'}>匯出格式</label>
          <select id=${id + '-format'} name="format"><option value="xlsx">Excel（.xlsx）</option><option value="ods">ODF（.ods）</option><option value="csv">CSV</option></select>
          <button type="button" class="secondary" data-export @click=${exportList}>匯出</button>` : nothing}</p>
    </form>
    ${def.above || nothing}
    <div id=${id + '-list'} class="results">${!st.loaded ? html`<p class="loading">載入中…</p>` : st.rows.length ? html`<table class=${def.tableClass || nothing}>
      <caption class="count">${def.caption ? def.caption(st.rows, !!st.next) : `共 ${st.rows.length} 筆${st.next ? '（尚有更多，按「下一頁」繼續）' : ''}`}</caption>
      <thead><tr>${def.columns.map((c) => html`<th scope="col" class=${c.class || nothing}>${c.label}</th>`)}</tr></thead>
      <tbody>${st.rows.map(row)}</tbody></table>` : html`<p class="card muted">${def.empty}</p>`}</div>
    <div id=${id + '-more'}>${st.next ? html`<p class="actions"><button type="button" class="secondary" data-more
      @click=${() => load(st.next).catch(fail)}>下一頁</button></p>` : nothing}</div>
    ${def.export ? html`<div id=${id + '-jobs'} ${ref((b) => { jobsBox = b || jobsBox; })}></div>` : nothing}`);
  draw();
  if (def.export) await exportJobs(jobsBox, def.export.kind);
  await load();
  return { reload: () => load(), query };
}
