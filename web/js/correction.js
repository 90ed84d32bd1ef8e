// P16 學習時數修改(職稱、官職等): find the active agency's learning records of
// a year and correct the job title and rank each carries (the learner's when
// they learned), picked from the code tables titles and ranks. Changing a
// row ticks it; the ticked rows are saved in one submission, checked whole
// before any is written, each change in the audit trail (修改紀錄).
import { api } from './api.js';
import { html, show } from './lit.js';
import { rocDate, rocDateTime } from './format.js';
import { thisYear } from './clock.js';
import { flash, fail } from './shell.js';
import { searchTable } from './ui/searchtable.js';
import { codeTable } from './forms.js';
import { record, clearRowErrors, showRowErrors } from './ui/rowerrors.js';

const key = (r) => `${r.personId}|${r.year}|${r.id}`;
const statusNames = { final: '已登錄', awaiting_hours: '待登錄', pending_review: '待複核', rejected: '不通過' };

// pick is a select of a code table whose current value is the record's text;
// a text no longer in the table stays selectable as it is (value "").
function pick(name, entries, current, label) {
  const known = entries.some((e) => e.name === current);
  return html`<select name=${name} aria-label=${label}>
    ${known ? '' : html`<option value="" selected>${current || '（未填）'}</option>`}
    ${entries.map((e) => html`<option value=${e.code} ?selected=${e.name === current}>${e.name}</option>`)}</select>`;
}

export async function correctionView(el) {
  const y = thisYear();
  const [titles, ranks] = await Promise.all([codeTable('titles'), codeTable('ranks')]);
  let table;
  const save = async () => {
    clearRowErrors(el);
    const sent = [...el.querySelectorAll('tr[data-rec]')].filter((tr) => tr.querySelector('input[name=pick]').checked);
    if (!sent.length) { flash('請先勾選要修改的紀錄。'); return; }
    const changes = sent.map((tr) => ({ ...record(tr),
      title: tr.querySelector('select[name=title]').value, rank: tr.querySelector('select[name=rank]').value }));
    try {
      const r = await api('PUT', '/api/corrections', { changes });
      flash(r.changed ? `已修改 ${r.changed} 筆學習紀錄的職稱與官職等。` : '勾選的紀錄沒有變更。', true);
      await table.reload();
    } catch (err) { showRowErrors(sent, 'changes', 'pick', err); }
  };
  const history = async (r, box) => {
    try {
      const q = new URLSearchParams({ personId: r.personId, year: String(r.year), id: r.id });
      const { items } = await api('GET', '/api/corrections/audit?' + q);
      const text = (j) => { try { const v = JSON.parse(j); return `${v.title || '（未填）'}／${v.rank || '（未填）'}`; } catch { return ''; } };
      show(box, items.length ? html`<ul class="small">${items.map((e) => html`<li>${rocDateTime(e.at)} ${e.actor}：${text(e.before)} → ${text(e.after)}</li>`)}</ul>`
        : html`<p class="muted small">沒有修改紀錄。</p>`);
    } catch (err) { fail(err); }
  };
  show(el, html`<h1>學習時數修改（職稱、官職等） <span class="muted">P16</span></h1>
    <p class="card">學習紀錄保存學員學習當時的職稱與官職等。查詢後在列上改選職稱或官職等（該列會自動勾選），再按「儲存勾選的修改」：
      整批檢查，有一筆不正確就全部不儲存；每筆修改都留下修改紀錄。</p>
    <div id="cr-table"></div>
    <p class="actions"><button type="button" id="cr-save" @click=${() => save().catch(fail)}>儲存勾選的修改</button></p>`);
  const tick = (e) => { e.target.closest('tr').querySelector('input[name=pick]').checked = true; };
  table = await searchTable(el.querySelector('#cr-table'), {
    id: 'cr', label: '查詢學習紀錄',
    params: [
      { name: 'year', label: '年度（依結束日期）', type: 'select', value: String(y), options: [y - 2, y - 1, y].map((v) => [String(v), `民國 ${v - 1911} 年`]) },
      { name: 'courseCode', label: '課程代碼' },
      { name: 'session', label: '期別', numeric: true },
      { name: 'courseName', label: '課程名稱' },
      { name: 'nationalId', label: '身分證字號', max: 10 },
      { name: 'name', label: '姓名' },
    ],
    columns: [
      { label: '勾選', cell: (r) => html`<input type="checkbox" name="pick" aria-label=${'勾選 ' + r.name + ' ' + r.courseName}>` },
      { label: '姓名', cell: (r) => r.name, class: 'nowrap' },
      { label: '身分證字號', cell: (r) => r.nationalId, class: 'nowrap' },
      { label: '課程代碼／期別', cell: (r) => r.courseCode ? `${r.courseCode} 第 ${r.session} 期` : '', class: 'nowrap' },
      { label: '課程名稱', cell: (r) => r.courseName },
      { label: '日期', cell: (r) => r.start === r.end ? rocDate(r.start) : `${rocDate(r.start)}～${rocDate(r.end)}`, class: 'nowrap' },
      { label: '時數', cell: (r) => `${r.hours}（${statusNames[r.status] || r.status}）`, class: 'nowrap' },
      { label: '職稱', cell: (r) => html`<span @change=${tick}>${pick('title', titles, r.title, r.name + ' ' + r.courseName + ' 職稱')}</span>` },
      { label: '官職等', cell: (r) => html`<span @change=${tick}>${pick('rank', ranks, r.rank, r.name + ' ' + r.courseName + ' 官職等')}</span>
        <div class="field-error" data-row-err aria-live="polite"></div>` },
      { label: '修改紀錄', cell: (r) => html`<button type="button" class="secondary small" data-history
        @click=${(e) => history(r, e.target.nextElementSibling)}>檢視</button><div></div>` },
    ],
    rowAttr: 'rec', rowKey: key,
    caption: (rows, more) => `符合條件 ${rows.length} 筆${more ? '（尚有更多，按「下一頁」繼續）' : ''}`,
    read: (q) => api('GET', '/api/corrections?' + q),
    empty: '沒有符合條件的學習紀錄。',
  });
}
