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
//     rowAttr: 'class', rowKey: (r) => r.id,   // <tr data-class="…">; rows keyed by it (inputs in a row stay with it)
//     read: (query) => api('GET', '/api/courses?' + query),
//     empty: '沒有符合條件的課程。',
//   });
//
// The reports (web/js/reports.js) also use: params of type 'hidden' (a
// drill-down's fixed conditions; a form of only those has no 查詢 button),
// required and max on a param, errors (a field error slot under each param,
// API field errors shown there), manual (no search until 查詢), info()
// (drawn above the table: conditions, 統計時間, a live status line), foot()
// (a <tfoot>, the totals row), export.formats, export.label, export.also
// (more exports of the same conditions: [{ kind, label }]) and
// export.password (the officer's own file password, optional), and a
// column's key (<td data-col="…">).
import { html, nothing, ref, repeat, show } from '../lit.js';
import { api } from '../api.js';
import { fail, flash } from '../shell.js';
import { rocDateField, checkDates } from './rocdate.js';
import { exportJobs } from './jobs.js';
import { errorSlot, clearErrors, showError } from './fields.js';

const formatNames = { xlsx: 'Excel（.xlsx）', ods: 'ODF（.ods）', csv: 'CSV' };

function param(id, p, errors) {
  const pid = `${id}-${p.name}`;
  const slot = errors ? errorSlot(p.name) : nothing;
  const described = errors ? 'err-' + p.name : nothing;
  const req = p.required ? 'req' : nothing;
  switch (p.type) {
    case 'hidden':
      return html`<input type="hidden" name=${p.name} .value=${p.value || ''}>`;
    case 'date':
      return html`<div>${rocDateField({ id: pid, name: p.name, label: p.label, value: p.value || '', required: !!p.required })}</div>`;
    case 'select':
      return html`<div><label for=${pid} class=${req}>${p.label}</label><select id=${pid} name=${p.name} aria-describedby=${described}>
        ${p.options.map(([v, l, level]) => html`<option value=${v} ?selected=${v === (p.value ?? '')}>${level > 1 ? '　'.repeat(level - 1) : ''}${l}</option>`)}</select>${slot}</div>`;
    case 'checkbox':
      return html`<div class="checkbox-cell"><label class="inline"><input type="checkbox" id=${pid} name=${p.name} value="1" ?checked=${!!p.value} aria-describedby=${described}> ${p.label}</label>${slot}</div>`;
    default:
      return html`<div><label for=${pid} class=${req}>${p.label}</label><input type="text" id=${pid} name=${p.name} value=${p.value || ''}
        placeholder=${p.placeholder || nothing} inputmode=${p.numeric ? 'numeric' : nothing} maxlength=${p.max || nothing}
        aria-describedby=${described} autocomplete="off">${slot}</div>`;
  }
}

// fieldError shows an API error that names fields beside them (when the
// definition has error slots); it answers false for any other error.
function fieldError(def, form, err) {
  if (!def.errors || !(err.field || (err.fields && err.fields.length))) return false;
  showError(form, err);
  return true;
}

// searchTable draws the component into el and reads the first page; it
// answers { reload, query } for the screen (reload after an edit or delete).
export async function searchTable(el, def) {
  const id = def.id;
  const st = { rows: [], next: '', loaded: false, searched: !def.manual, seq: 0 };
  let form;
  let jobsBox;
  const query = (next = '') => {
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (String(v).trim() && k !== 'format' && k !== 'password') q.set(k, String(v).trim());
    if (next) q.set('next', next);
    return q;
  };
  const load = async (next = '') => {
    if (!checkDates(form)) return;
    if (def.errors) clearErrors(form);
    const seq = ++st.seq; // of overlapping searches only the newest answer is drawn
    let page;
    try {
      page = await def.read(query(next));
      if (seq !== st.seq) return;
    } catch (err) {
      if (seq !== st.seq) return;
      st.loaded = true; // the rows shown before stay (until a search answers), and the error is flashed
      draw();
      if (fieldError(def, form, err)) return;
      throw err;
    }
    st.rows = next ? st.rows.concat(page.items) : page.items;
    st.next = page.next || '';
    st.loaded = true;
    st.searched = true;
    if (def.onPage) def.onPage(page, !!next);
    draw();
  };
  const exportList = async (kind = def.export.kind) => {
    try {
      if (!checkDates(form)) return;
      if (def.errors) clearErrors(form);
      const body = { format: form.elements.format.value, params: Object.fromEntries(query()) };
      const password = def.export.password && form.elements.password.value;
      if (password) body.password = password;
      await api('POST', `/api/exports/${encodeURIComponent(kind)}`, body);
      flash('已受理，檔案產製完成後即可於下方下載。', true);
      jobsBox.dispatchEvent(new Event('exports:refresh'));
    } catch (err) { if (!fieldError(def, form, err)) fail(err); }
  };
  const row = (r) => html`<tr ${ref((tr) => tr && def.rowAttr && tr.setAttribute('data-' + def.rowAttr, def.rowKey(r)))}>
    ${def.columns.map((c) => html`<td class=${c.class || nothing} data-col=${c.key || nothing}>${c.cell(r)}</td>`)}</tr>`;
  const searchable = def.params.some((p) => p.type !== 'hidden');
  const draw = () => show(el, html`
    <form class="card" id=${id + '-search'} role="search" aria-label=${def.label} novalidate ${ref((f) => { form = f || form; })}
      @submit=${(e) => { e.preventDefault(); load().catch(fail); }}>
      ${searchable ? html`<div class="grid">${def.params.map((p) => param(id, p, def.errors))}</div>` : def.params.map((p) => param(id, p))}
      <p class="actions">${searchable ? html`<button type="submit">查詢</button>` : nothing}${def.actions || nothing}
        ${def.export ? html`<label class="inline" for=${id + '-format'}>匯出格式</label>
          <select id=${id + '-format'} name="format">${(def.export.formats || ['xlsx', 'ods', 'csv']).map((f) => html`<option value=${f}>${formatNames[f] || f}</option>`)}</select>
          <button type="button" class="secondary" data-export @click=${() => exportList()}>${def.export.label || '匯出'}</button>
          ${(def.export.also || []).map((x) => html`<button type="button" class="secondary" data-export=${x.kind} @click=${() => exportList(x.kind)}>${x.label}</button>`)}` : nothing}</p>
      ${def.export && def.export.password ? html`<div class="export-password"><label for=${id + '-password'}>檔案密碼（選填）</label>
        <input type="password" id=${id + '-password'} name="password" autocomplete="new-password" maxlength="64" aria-describedby=${`${id}-password-hint ${id}-err-password`}>
        <p class="muted small" id=${id + '-password-hint'}>8 至 64 個英文字母、數字或符號；空白則由系統產生，於下方「我的下載申請」顯示。</p>
        <div class="field-error" data-err="password" id=${id + '-err-password'} aria-live="polite"></div></div>` : nothing}
    </form>
    ${def.above || nothing}
    ${def.info ? def.info() : nothing}
    <div id=${id + '-list'} class="results">${!st.loaded ? html`<p class="loading">載入中…</p>` : st.rows.length ? html`<table class=${def.tableClass || nothing}>
      <caption class="count">${def.caption ? def.caption(st.rows, !!st.next) : `共 ${st.rows.length} 筆${st.next ? '（尚有更多，按「下一頁」繼續）' : ''}`}</caption>
      <thead><tr>${def.columns.map((c) => html`<th scope="col" class=${c.class || nothing}>${c.label}</th>`)}</tr></thead>
      <tbody>${def.rowKey ? repeat(st.rows, def.rowKey, row) : st.rows.map(row)}</tbody>${def.foot ? def.foot() : nothing}</table>`
      : html`<p class="card muted">${st.searched ? def.empty : def.prompt || '請輸入查詢條件後按「查詢」。'}</p>`}</div>
    <div id=${id + '-more'}>${st.next ? html`<p class="actions"><button type="button" class="secondary" data-more
      @click=${() => load(st.next).catch(fail)}>下一頁</button></p>` : nothing}</div>
    ${def.export ? html`<div id=${id + '-jobs'} ${ref((b) => { jobsBox = b || jobsBox; })}></div>` : nothing}`);
  draw();
  if (def.export) await exportJobs(jobsBox, [def.export.kind].concat((def.export.also || []).map((x) => x.kind)));
  if (def.manual) { st.loaded = true; draw(); } else await load();
  return { reload: () => load(), query };
}
