// L6a 登錄學習時數(已開班), online (成績回登): find one of the agency's
// classes, set each learner's hours (whole numbers) and pass/fail, or all
// pass / all fail, submit; delete the selected learners' records.
import { api } from './api.js';
import { html, show, nothing, repeat } from './lit.js';
import { rocDate } from './format.js';
import { thisYear } from './clock.js';
import { flash, fail } from './shell.js';
import { searchTable } from './ui/searchtable.js';
import { showError } from './ui/fields.js';
import { confirmDialog } from './ui/confirm.js';

export async function gradesView(el, rest = []) {
  if (rest[0] === 'class' && rest[2]) return sheetView(el, decodeURIComponent(rest[1]), decodeURIComponent(rest[2]));
  const y = thisYear();
  show(el, html`<h1>登錄學習時數（已開班）</h1>
    <p class="card">課程結束後隔天，系統會將已核可報名的學員轉入學習紀錄。請查詢班期後點選「登錄時數」，逐一登錄學員的訓練時數與認證結果；
      亦可改用 <a href="#/L6a/upload">整批上傳（已開班）</a>。</p><div id="g-table"></div>`);
  await searchTable(el.querySelector('#g-table'), {
    id: 'g', label: '查詢班期',
    params: [
      { name: 'year', label: '年度', type: 'select', value: String(y), options: [y - 1, y, y + 1].map((v) => [String(v), `民國 ${v - 1911} 年`]) },
      { name: 'code', label: '課程代碼' },
      { name: 'name', label: '課程名稱' },
      { name: 'session', label: '期別', numeric: true },
      { name: 'category', label: '課程類別代碼' },
    ],
    columns: [
      { label: '課程代碼', cell: (c) => c.courseCode, class: 'nowrap' },
      { label: '期別', cell: (c) => c.session, class: 'nowrap' },
      { label: '課程名稱', cell: (c) => c.name },
      { label: '類別', cell: (c) => c.category },
      { label: '上課日期', cell: (c) => `${rocDate(c.start)}～${rocDate(c.end)}`, class: 'nowrap' },
      { label: '認證時數', cell: (c) => c.hours },
      { label: '動作', cell: (c) => html`<a href=${`#/L6a/class/${encodeURIComponent(c.courseCode)}/${encodeURIComponent(c.session)}`}>登錄時數</a>` },
    ],
    caption: (rows, more) => `符合條件的班期 ${rows.length} 班${more ? '（尚有更多）' : ''}`,
    read: (q) => api('GET', '/api/class-hours?' + q),
    empty: '沒有符合條件的班期。',
  });
}

async function sheetView(el, code, session) {
  const url = `/api/class-hours/${encodeURIComponent(code)}/${encodeURIComponent(session)}`;
  const { class: c, items, version } = await api('GET', url);
  const form = () => el.querySelector('#g-sheet');
  const setAll = (passed) => { for (const s of form().querySelectorAll('select[name=passed]')) s.value = passed; };
  const submit = async (e) => {
    e.preventDefault();
    const f = form();
    const grades = [...f.querySelectorAll('tr[data-person]')].map((tr) => ({ personId: tr.dataset.person,
      hours: Number(tr.querySelector('input[type=number]').value), passed: tr.querySelector('[name=passed]').value === 'true' }));
    try {
      const r = await api('PUT', url, { version, grades });
      flash(`已登錄 ${r.saved} 位學員的時數與認證結果。`, true);
      await sheetView(el, code, session);
    } catch (err) {
      // 409: someone saved this class since it was read; nothing of this
      // submission was saved, and the message asks the officer to reload.
      if (err.status === 409) fail(err); else showError(f, err);
    }
  };
  const remove = async () => {
    const ids = [...form().querySelectorAll('input[name=del]:checked')].map((x) => x.value);
    if (!ids.length) { flash('請先勾選要刪除的學員。'); return; }
    if (!await confirmDialog(`確定刪除勾選的 ${ids.length} 位學員在此班的學習資料？刪除後無法復原。`, { ok: '刪除', danger: true })) return;
    try {
      const r = await api('POST', url + '/delete', { personIds: ids });
      flash(`已刪除 ${r.deleted} 位學員在此班的學習資料。`, true);
      await sheetView(el, code, session);
    } catch (err) { fail(err); }
  };
  show(el, html`<h1>登錄時數：${c.name}</h1>
    <p class="card">課程代碼 ${c.courseCode}　第 ${c.session} 期　${rocDate(c.start)}～${rocDate(c.end)}　認證時數 ${c.hours} 小時
      <br><a href="#/L6a">回班期查詢</a></p>
    ${items.length ? html`<form class="card" id="g-sheet" novalidate @submit=${submit}>
      <p class="actions"><button type="button" class="secondary" data-all="pass" @click=${() => setAll('true')}>全部通過</button>
        <button type="button" class="secondary" data-all="fail" @click=${() => setAll('false')}>全部不通過</button></p>
      <table><caption class="muted">學員 ${items.length} 人；訓練時數僅接受整數（0～${c.hours}）</caption>
      <thead><tr><th scope="col"><span class="sr-only">勾選刪除</span></th><th scope="col">姓名</th><th scope="col">身分證字號</th><th scope="col">服務機關</th>
        <th scope="col">訓練時數</th><th scope="col">認證</th><th scope="col">狀態</th></tr></thead><tbody>
      ${repeat(items, (l) => l.personId, (l, i) => html`<tr data-person=${l.personId}>
        <td><input type="checkbox" name="del" value=${l.personId} aria-label=${'勾選 ' + l.name}></td>
        <td class="nowrap">${l.name}</td><td class="nowrap">${l.nationalId}</td><td>${l.agencyName}${l.unit ? ' ' + l.unit : ''}</td>
        <td><input type="number" name=${`grades[${i}].hours`} min="0" max=${c.hours} step="1" .value=${String(l.status === 'awaiting_hours' ? c.hours : l.hours)} aria-label=${l.name + ' 訓練時數'} required>
          <div class="field-error" data-err=${`grades[${i}].hours`}></div><div class="field-error" data-err=${`grades[${i}]`}></div></td>
        <td><select name="passed" aria-label=${l.name + ' 認證'}>
          <option value="true" ?selected=${l.passed !== false}>通過</option><option value="false" ?selected=${l.passed === false}>不通過</option></select></td>
        <td>${l.status === 'awaiting_hours' ? html`<span class="badge scheduled">待登錄</span>` : html`<span class="badge online">已登錄</span>`}</td></tr>`)}
      </tbody></table>
      <div class="field-error" data-err="grades"></div>
      <p class="actions"><button type="submit">送出</button> <button type="button" class="danger" id="g-delete" @click=${remove}>刪除勾選的項目</button></p>
    </form>` : html`<p class="card muted">這個班期沒有學員的學習紀錄（課程結束隔天才會轉入已核可報名的學員）。</p>`}`);
}
