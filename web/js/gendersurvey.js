// P17 性別主流化訓練情形調查: one form per agency and year, pre-filled with
// the numbers the system computed (STATISTICS.md), editable until the year's
// deadline and read-only after; below it, the forms of the agency's
// subordinates (不須填報 / 未填報 / 已填報). The numbers are the agency's own.
import { api } from './api.js';
import { html, nothing, show } from './lit.js';
import { fail, flash } from './shell.js';
import { thisYear } from './clock.js';
import { rocDate, rocDateTime } from './format.js';
import { errorSlot, showError, clearErrors } from './ui/fields.js';

const fields = [
  ['menStaff', '男性人數'], ['womenStaff', '女性人數'],
  ['menTrained', '男性受訓人數（性別主流化課程 ≥ 1 小時）'], ['womenTrained', '女性受訓人數（性別主流化課程 ≥ 1 小時）'],
  ['menHours', '男性受訓時數'], ['womenHours', '女性受訓時數'],
];

export async function genderSurveyView(el) {
  let year = thisYear();
  let agency = '';
  const load = async () => {
    let form, list;
    try {
      [form, list] = await Promise.all([
        api('GET', `/api/gender-survey?year=${year}${agency ? '&agency=' + encodeURIComponent(agency) : ''}`),
        api('GET', `/api/gender-survey/agencies?year=${year}`),
      ]);
    } catch (err) {
      fail(err);
      return;
    }
    draw(form, list);
  };
  const save = async (e, form) => {
    e.preventDefault();
    const f = e.target;
    clearErrors(f);
    const values = {};
    for (const [k] of fields) values[k] = Number(f.elements[k].value);
    try {
      await api('PUT', '/api/gender-survey', { agency: form.agency.code, year, values, note: f.elements.note.value, updated: form.updated || '0001-01-01T00:00:00Z' });
      flash('調查表已儲存。', true);
      await load();
    } catch (err) {
      showError(f, err);
    }
  };
  const draw = (form, list) => {
    const years = [0, 1, 2].map((d) => thisYear() - d);
    const v = form.values || form.computed;
    show(el, html`<h1>性別主流化訓練情形調查 <span class="muted">P17</span></h1>
      <form class="card search" id="gs-pick" @submit=${(e) => { e.preventDefault(); year = Number(e.target.elements.year.value); load(); }}>
        <label for="gs-year">年度</label>
        <select id="gs-year" name="year">${years.map((y) => html`<option value=${y} ?selected=${y === year}>民國 ${y - 1911} 年</option>`)}</select>
        <button type="submit">查詢</button>
      </form>
      <section class="card" aria-labelledby="gs-h">
        <h2 id="gs-h">${form.agency.name} 民國 ${year - 1911} 年調查表</h2>
        ${!form.required ? html`<p id="gs-status">不須填報</p>` : html`
          <p id="gs-status">${form.editable ? html`填報期限：${rocDate(form.deadline)}` : html`已逾填報期限（${rocDate(form.deadline)}），僅供查閱。`}
            ${form.updated ? html`　最後儲存：${rocDateTime(form.updated)}（${form.updatedBy}）` : html`　尚未填報：下列數字為系統依學習紀錄計算的預填值。`}</p>
          <form id="gs-form" novalidate @submit=${(e) => save(e, form)}>
            <table class="data"><caption class="sr-only">調查表數字</caption>
              <thead><tr><th scope="col">項目</th><th scope="col">系統計算</th><th scope="col">填報數字</th></tr></thead>
              <tbody>${fields.map(([k, label]) => html`<tr>
                <th scope="row"><label for=${'gs-' + k}>${label}</label></th>
                <td class="num" data-computed=${k}>${form.computed[k]}</td>
                <td><input id=${'gs-' + k} name=${k} type="number" min="0" step="1" inputmode="numeric" .value=${String(v[k])}
                  ?readonly=${!form.editable} aria-describedby=${'err-' + k}>${errorSlot(k)}</td></tr>`)}</tbody>
            </table>
            <label for="gs-note">說明</label>
            <textarea id="gs-note" name="note" maxlength="500" ?readonly=${!form.editable} .value=${form.note || ''}></textarea>
            ${form.editable ? html`<p class="actions"><button type="submit">儲存調查表</button></p>` : nothing}
          </form>`}
      </section>
      <section class="card" aria-labelledby="gs-list-h">
        <h2 id="gs-list-h">本機關及所屬機關填報情形</h2>
        <table class="data" id="gs-list"><thead><tr><th scope="col">機關</th><th scope="col">狀態</th><th scope="col"></th></tr></thead>
          <tbody>${list.items.map((s) => html`<tr data-agency=${s.agency.code}>
            <th scope="row">${s.agency.name}</th>
            <td>${!s.required ? '不須填報' : s.updated ? `已填報（${rocDateTime(s.updated)}）` : '未填報'}</td>
            <td>${s.required ? html`<button type="button" class="link" @click=${() => { agency = s.agency.code; load(); }}>開啟</button>` : nothing}</td>
          </tr>`)}</tbody></table>
      </section>`);
  };
  await load();
}
