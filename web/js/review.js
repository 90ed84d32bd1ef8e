// P15 學習時數(複核及修改): the active agency's hours learned at private
// institutions that learners reported, waiting for review or reviewed.
// Per row: 通過 / 不通過 (with a reason) and 與業務相關 (preset from P14,
// editable); the ticked rows are sent as one batch, which the API checks
// whole before writing any (an error lands beside its row).
import { api } from './api.js';
import { html, nothing, show } from './lit.js';
import { rocDate } from './format.js';
import { thisYear } from './clock.js';
import { flash, fail } from './shell.js';
import { searchTable } from './ui/searchtable.js';
import { record, clearRowErrors, showRowErrors } from './ui/rowerrors.js';

const natures = { physical: '實體', digital: '數位', blended: '混成' };
const statusBadge = (r) => r.status === 'pending_review' ? html`<span class="badge scheduled">待複核</span>`
  : r.status === 'final' ? html`<span class="badge online">通過</span>` : html`<span class="badge off">不通過</span>`;
const key = (r) => `${r.personId}|${r.year}|${r.id}`;

export async function reviewView(el) {
  const y = thisYear();
  let table;
  const rowsOf = () => [...el.querySelectorAll('tr[data-rec]')];
  const setAll = (v) => { for (const s of el.querySelectorAll('select[name=result]')) s.value = v; };
  const submit = async () => {
    clearRowErrors(el);
    const sent = rowsOf().filter((tr) => tr.querySelector('select[name=result]')?.value);
    if (!sent.length) { flash('請先在「複核」欄選擇通過或不通過。'); return; }
    const decisions = sent.map((tr) => ({ ...record(tr), result: tr.querySelector('select[name=result]').value,
      relevant: tr.querySelector('input[name=relevant]').checked, reason: tr.querySelector('input[name=reason]').value.trim() }));
    try {
      const r = await api('POST', '/api/reviews/decisions', { decisions });
      flash(`已送出 ${r.decided} 筆複核。`, true);
      await table.reload();
    } catch (err) { showRowErrors(sent, 'decisions', 'result', err); }
  };
  show(el, html`<h1>學習時數（複核及修改） <span class="muted">P15</span></h1>
    <p class="card">學員自行登錄於民間機構學習的時數，須經服務機關人事人員複核通過後才列入時數與統計。
      「與業務相關」依<a href="#/P14">類別維護（與業務相關）</a>預設，可逐筆修改；不通過須填寫原因，學員可在前台看到。
      選好各列的「複核」後按「送出複核」：整批檢查，有一筆不正確就全部不儲存。</p>
    <div id="rv-table"></div>
    <p class="actions"><button type="button" id="rv-submit" @click=${() => submit().catch(fail)}>送出複核</button></p>`);
  table = await searchTable(el.querySelector('#rv-table'), {
    id: 'rv', label: '查詢學習時數',
    params: [
      { name: 'year', label: '年度（依結束日期）', type: 'select', value: '',
        options: [['', '全部年度']].concat([y - 2, y - 1, y].map((v) => [String(v), `民國 ${v - 1911} 年`])) },
      { name: 'status', label: '狀態', type: 'select', value: 'pending',
        options: [['pending', '待複核'], ['reviewed', '已複核'], ['approved', '通過'], ['rejected', '不通過']] },
      { name: 'nationalId', label: '身分證字號', max: 10 },
      { name: 'name', label: '姓名' },
    ],
    actions: html`<button type="button" class="secondary" id="rv-all" @click=${() => setAll('approve')}>本頁全部通過</button>`,
    columns: [
      { label: '複核', cell: (r) => r.status === 'pending_review' ? html`<select name="result" aria-label=${r.name + ' ' + r.courseName + ' 複核結果'}>
          <option value="">未複核</option><option value="approve">通過</option><option value="reject">不通過</option></select>` : statusBadge(r) },
      { label: '姓名', cell: (r) => r.name, class: 'nowrap' },
      { label: '身分證字號', cell: (r) => r.nationalId, class: 'nowrap' },
      { label: '訓練進修機構', cell: (r) => r.institution },
      { label: '課程名稱', cell: (r) => r.courseName },
      { label: '類別', cell: (r) => `${r.category} ${r.categoryName || ''}` },
      { label: '日期', cell: (r) => r.start === r.end ? rocDate(r.start) : `${rocDate(r.start)}～${rocDate(r.end)}`, class: 'nowrap' },
      { label: '時數', cell: (r) => html`${r.hours}<span class="muted small">${natures[r.nature] ? ' ' + natures[r.nature] : ''}</span>`, class: 'nowrap' },
      { label: '與業務相關', cell: (r) => html`<input type="checkbox" name="relevant" .checked=${r.relevant} ?disabled=${r.status !== 'pending_review'}
          aria-label=${r.name + ' ' + r.courseName + ' 與業務相關'}>${r.relevantPreset ? html`<span class="muted small"> 預設</span>` : nothing}` },
      { label: '不通過原因', cell: (r) => r.status === 'pending_review'
        ? html`<input type="text" name="reason" maxlength="200" aria-label=${r.name + ' ' + r.courseName + ' 不通過原因'}><div class="field-error" data-row-err aria-live="polite"></div>`
        : r.reason || '' },
    ],
    rowAttr: 'rec', rowKey: key,
    caption: (rows, more) => `符合條件 ${rows.length} 筆${more ? '（尚有更多，按「下一頁」繼續）' : ''}`,
    read: (q) => api('GET', '/api/reviews?' + q),
    empty: '沒有符合條件的學習時數。',
  });
}
