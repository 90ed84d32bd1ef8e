// L6b 登錄學習時數(未開班) and L6c 登錄學習時數(進修), online maintenance
// (manual 貳 六 (二)(三)): find the records of the active agency (or one
// below it), revise a record's hours, nature and pass/fail under the upload's
// L6r rules, delete the selected records. The six fields that name a record
// (身分證字號, 機構, 課程名稱, 起始/終迄日期, 類別) are shown in the form but a
// change is refused by the server with the reason (delete and add instead).
import { api } from './api.js';
import { html, show, nothing } from './lit.js';
import { rocDate } from './format.js';
import { thisYear } from './clock.js';
import { flash, fail } from './shell.js';
import { searchTable } from './ui/searchtable.js';
import { errorSlot, showError } from './ui/fields.js';
import { confirmDialog } from './ui/confirm.js';

const natures = [['physical', '實體'], ['digital', '數位'], ['blended', '混成']];
export const studyTypes = [['1', '國內學位進修'], ['2', '國外學位進修'], ['3', '學分進修'], ['4', '其他進修']];

const kinds = {
  L6b: { path: 'external', title: '登錄學習時數（未開班）', inst: '訓練進修機構名稱', cat: '課程類別代碼' },
  L6c: { path: 'study', title: '登錄學習時數（進修）', inst: '進修機構名稱', cat: '進修類別' },
};

// tabs are the two ways to record hours of a kind: the bulk upload and this screen.
export const hoursTabs = (feature, online) => html`<nav class="report-tabs" aria-label="登錄方式">
  <a href=${'#/' + feature} aria-current=${online ? nothing : 'page'}>整批上傳</a>
  <a href=${'#/' + feature + '/online'} id="tab-online" aria-current=${online ? 'page' : nothing}>線上維護</a></nav>`;

const catLabel = (feature, c) => (feature === 'L6c' ? (studyTypes.find(([v]) => v === c) || [c, c])[1] : c);

export async function hoursMaintView(el, feature) {
  const k = kinds[feature];
  const base = '/api/learning-hours/' + k.path;
  const y = thisYear();
  const agencies = (await api('GET', '/api/agencies')).items;
  show(el, html`<h1>${k.title}</h1>${hoursTabs(feature, true)}
    <p class="card">查詢本機關（或所屬機關）同仁的學習紀錄，可修改訓練時數（僅接受整數）、學習性質與認證結果，或勾選後刪除。
      身分證字號、${k.inst}、課程名稱、起始日期、終迄日期、${k.cat}六個欄位決定是哪一筆紀錄，不可修改；如需更正請刪除後重新上傳。</p>
    <div id="hm-table"></div><div id="hm-edit"></div>`);
  const editBox = el.querySelector('#hm-edit');
  let table;
  const selected = () => [...el.querySelectorAll('#hm-table input[name=sel]:checked')].map((x) => x.value);
  const remove = async () => {
    const refs = selected();
    if (!refs.length) { flash('請先勾選要刪除的學習紀錄。'); return; }
    if (!await confirmDialog(`確定刪除勾選的 ${refs.length} 筆學習紀錄？刪除後無法復原。`, { ok: '刪除', danger: true })) return;
    try {
      const r = await api('POST', base + '/delete', { refs });
      flash(`已刪除 ${r.deleted} 筆學習紀錄。`, true);
      show(editBox, nothing);
      await table.reload();
    } catch (err) { fail(err); }
  };
  const edit = (r) => editForm(editBox, feature, k, base, r, async () => { await table.reload(); });
  table = await searchTable(el.querySelector('#hm-table'), {
    id: 'hm', label: '查詢學習紀錄', errors: true,
    params: [
      { name: 'agency', label: '機關', type: 'select', value: agencies[0] ? agencies[0].code : '', options: agencies.map((a) => [a.code, a.name, a.level]) },
      { name: 'year', label: '年度', type: 'select', value: String(y), options: [y - 1, y, y + 1].map((v) => [String(v), `民國 ${v - 1911} 年`]) },
      { name: 'who', label: '身分證字號或姓名' },
      { name: 'institution', label: k.inst },
      { name: 'course', label: '課程名稱' },
      { name: 'from', label: '起始日期（起）', type: 'date' },
      { name: 'to', label: '終迄日期（迄）', type: 'date' },
      feature === 'L6c'
        ? { name: 'category', label: k.cat, type: 'select', value: '', options: [['', '全部']].concat(studyTypes.map(([v, l]) => [v, `${v} ${l}`])) }
        : { name: 'category', label: k.cat, numeric: true },
    ],
    actions: html`<button type="button" class="danger" id="hm-delete" @click=${remove}>刪除勾選的項目</button>`,
    columns: [
      { label: html`<span class="sr-only">勾選</span>`, cell: (r) => html`<input type="checkbox" name="sel" value=${r.ref} aria-label=${`勾選 ${r.name} ${r.courseName}`}>` },
      { label: '姓名', cell: (r) => r.name, class: 'nowrap' },
      { label: '身分證字號', cell: (r) => r.nationalId, class: 'nowrap' },
      { label: '服務機關', cell: (r) => r.agencyName },
      { label: k.inst, cell: (r) => r.institution },
      { label: '課程名稱', cell: (r) => r.courseName },
      { label: '日期', cell: (r) => `${rocDate(r.start)}～${rocDate(r.end)}`, class: 'nowrap' },
      { label: k.cat, cell: (r) => catLabel(feature, r.category) },
      { label: '時數', cell: (r) => `${r.hours}（${(natures.find(([v]) => v === r.nature) || ['', '—'])[1]}）`, class: 'nowrap', key: 'hours' },
      { label: '認證', cell: (r) => (r.passed ? '通過' : '不通過'), key: 'passed' },
      { label: '動作', cell: (r) => html`<button type="button" class="secondary" data-edit @click=${() => edit(r)}>修改</button>` },
    ],
    rowAttr: 'ref', rowKey: (r) => r.ref,
    read: (q) => api('GET', base + '?' + q),
    empty: '沒有符合條件的學習紀錄。',
  });
}

function editForm(box, feature, k, base, r, saved) {
  const submit = async (e) => {
    e.preventDefault();
    const f = e.target;
    const v = (n) => f.elements[n].value.trim();
    const num = (n) => (v(n) === '' ? null : Number(v(n)));
    const body = {
      stamp: r.stamp, hours: Number(v('hours')), nature: v('nature'), digitalHours: num('digitalHours'), physicalHours: num('physicalHours'),
      passed: v('passed') === 'true',
      nationalId: v('nationalId'), institution: v('institution'), courseName: v('courseName'), start: v('start'), end: v('end'), category: v('category'),
    };
    try {
      await api('PUT', base + '/' + encodeURIComponent(r.ref), body);
      flash(`已儲存 ${r.name}「${r.courseName}」的時數與認證結果。`, true);
      show(box, nothing);
      await saved();
    } catch (err) {
      if (err.code === 'conflict') { fail(err); return; }
      showError(f, err);
    }
  };
  const text = (name, label, value, attrs = {}) => html`<div><label for=${'hm-e-' + name}>${label}</label>
    <input type="text" id=${'hm-e-' + name} name=${name} .value=${value ?? ''} autocomplete="off" aria-describedby=${'err-' + name}
      inputmode=${attrs.numeric ? 'numeric' : nothing}>${errorSlot(name)}</div>`;
  show(box, html`<form class="card" id="hm-form" novalidate @submit=${submit} aria-labelledby="hm-form-h">
    <h2 id="hm-form-h">修改學習紀錄：${r.name}「${r.courseName}」</h2>
    <fieldset><legend>決定紀錄的六個欄位（不可修改）</legend><div class="grid">
      ${text('nationalId', '身分證字號', r.nationalId)}
      ${text('institution', k.inst, r.institution)}
      ${text('courseName', '課程名稱', r.courseName)}
      ${text('start', '起始日期', rocDate(r.start))}
      ${text('end', '終迄日期', rocDate(r.end))}
      ${text('category', feature === 'L6c' ? k.cat + '（1～4）' : k.cat, r.category, { numeric: true })}
    </div>${errorSlot('naturalKey')}</fieldset>
    <fieldset><legend>時數與認證</legend><div class="grid">
      ${text('hours', '訓練總數（小時，整數）', String(r.hours), { numeric: true })}
      <div><label for="hm-e-nature">學習性質</label><select id="hm-e-nature" name="nature">
        ${natures.map(([val, l]) => html`<option value=${val} ?selected=${val === r.nature}>${l}</option>`)}</select></div>
      ${text('digitalHours', '數位時數（數位可空白）', r.nature === 'blended' ? String(r.digitalHours) : '', { numeric: true })}
      ${text('physicalHours', '實體時數（實體可空白）', r.nature === 'blended' ? String(r.physicalHours) : '', { numeric: true })}
      <div><label for="hm-e-passed">認證</label><select id="hm-e-passed" name="passed">
        <option value="true" ?selected=${r.passed}>通過</option><option value="false" ?selected=${!r.passed}>不通過</option></select></div>
    </div>${errorSlot('passed')}${errorSlot('stamp')}</fieldset>
    <p class="actions"><button type="submit" id="hm-save">儲存</button>
      <button type="button" class="secondary" @click=${() => show(box, nothing)}>取消</button></p>
  </form>`);
  box.querySelector('#hm-e-hours').focus();
}
