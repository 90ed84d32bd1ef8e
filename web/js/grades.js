// L6a 登錄學習時數(已開班), online (成績回登): find one of the agency's
// classes, set each learner's hours (whole numbers) and pass/fail, or all
// pass / all fail, submit; delete the selected learners' records.
import { api } from './api.js';
import { esc, rocDate } from './format.js';
import { flash, fail } from './app.js';
import { pager, showError } from './forms.js';
import { thisYear as taipeiYear } from './clock.js';

export async function gradesView(el, rest = []) {
  if (rest[0] === 'class' && rest[2]) return sheetView(el, decodeURIComponent(rest[1]), decodeURIComponent(rest[2]));
  const thisYear = taipeiYear();
  el.innerHTML = `<h1>登錄學習時數（已開班）</h1>
    <p class="card">課程結束後隔天，系統會將已核可報名的學員轉入學習紀錄。請查詢班期後點選「登錄時數」，逐一登錄學員的訓練時數與認證結果；
      亦可改用 <a href="#/L6a/upload">整批上傳（已開班）</a>。</p>
    <form class="card" id="g-search" novalidate>
      <div class="grid">
        <div><label for="g-year">年度</label><select id="g-year" name="year">${[thisYear - 1, thisYear, thisYear + 1].map((y) =>
          `<option value="${y}"${y === thisYear ? ' selected' : ''}>民國 ${y - 1911} 年</option>`).join('')}</select></div>
        <div><label for="g-code">課程代碼</label><input id="g-code" name="code" autocomplete="off"></div>
        <div><label for="g-name">課程名稱</label><input id="g-name" name="name" autocomplete="off"></div>
        <div><label for="g-session">期別</label><input id="g-session" name="session" inputmode="numeric" autocomplete="off"></div>
        <div><label for="g-category">課程類別代碼</label><input id="g-category" name="category" autocomplete="off"></div>
      </div>
      <p class="actions"><button type="submit">查詢</button></p>
    </form>
    <div id="g-list" aria-live="polite"></div><div id="g-more"></div>`;
  const f = el.querySelector('#g-search');
  const list = el.querySelector('#g-list');
  let shown = [];
  const load = async (next = '') => {
    const q = new URLSearchParams();
    for (const k of ['year', 'code', 'name', 'session', 'category']) if (f.elements[k].value.trim()) q.set(k, f.elements[k].value.trim());
    if (next) q.set('next', next);
    const page = await api('GET', '/api/class-hours?' + q);
    shown = next ? shown.concat(page.items) : page.items;
    list.innerHTML = shown.length ? `<table><caption class="muted">符合條件的班期 ${shown.length} 班${page.next ? '（尚有更多）' : ''}</caption>
      <thead><tr><th scope="col">課程代碼</th><th scope="col">期別</th><th scope="col">課程名稱</th><th scope="col">類別</th><th scope="col">上課日期</th><th scope="col">認證時數</th><th scope="col">動作</th></tr></thead><tbody>
      ${shown.map((c) => `<tr><td>${esc(c.courseCode)}</td><td>${esc(c.session)}</td><td>${esc(c.name)}</td><td>${esc(c.category)}</td>
        <td>${rocDate(c.start)}～${rocDate(c.end)}</td><td>${c.hours}</td>
        <td><a href="#/L6a/class/${encodeURIComponent(c.courseCode)}/${encodeURIComponent(c.session)}">登錄時數</a></td></tr>`).join('')}</tbody></table>`
      : '<p class="card muted">沒有符合條件的班期。</p>';
    pager(el.querySelector('#g-more'), page.next, load);
  };
  f.addEventListener('submit', (e) => { e.preventDefault(); load().catch(fail); });
  await load();
}

async function sheetView(el, code, session) {
  const url = `/api/class-hours/${encodeURIComponent(code)}/${encodeURIComponent(session)}`;
  const { class: c, items } = await api('GET', url);
  el.innerHTML = `<h1>登錄時數：${esc(c.name)}</h1>
    <p class="card">課程代碼 ${esc(c.courseCode)}　第 ${esc(c.session)} 期　${rocDate(c.start)}～${rocDate(c.end)}　認證時數 ${c.hours} 小時
      <br><a href="#/L6a">回班期查詢</a></p>
    ${items.length ? `<form class="card" id="g-sheet" novalidate>
      <p class="actions"><button type="button" class="secondary" data-all="pass">全部通過</button>
        <button type="button" class="secondary" data-all="fail">全部不通過</button></p>
      <table><caption class="muted">學員 ${items.length} 人；訓練時數僅接受整數（0～${c.hours}）</caption>
      <thead><tr><th scope="col"><span class="sr-only">勾選刪除</span></th><th scope="col">姓名</th><th scope="col">身分證字號</th><th scope="col">服務機關</th>
        <th scope="col">訓練時數</th><th scope="col">認證</th><th scope="col">狀態</th></tr></thead><tbody>
      ${items.map((l, i) => `<tr data-person="${esc(l.personId)}">
        <td><input type="checkbox" name="del" value="${esc(l.personId)}" aria-label="勾選 ${esc(l.name)}"></td>
        <td>${esc(l.name)}</td><td>${esc(l.nationalId)}</td><td>${esc(l.agencyName)}${l.unit ? ' ' + esc(l.unit) : ''}</td>
        <td><input type="number" name="grades[${i}].hours" min="0" max="${c.hours}" step="1" value="${l.status === 'awaiting_hours' ? c.hours : l.hours}" aria-label="${esc(l.name)} 訓練時數" required>
          <div class="field-error" data-err="grades[${i}].hours"></div><div class="field-error" data-err="grades[${i}]"></div></td>
        <td><select name="passed" aria-label="${esc(l.name)} 認證">
          <option value="true"${l.passed !== false ? ' selected' : ''}>通過</option><option value="false"${l.passed === false ? ' selected' : ''}>不通過</option></select></td>
        <td>${l.status === 'awaiting_hours' ? '<span class="badge scheduled">待登錄</span>' : '<span class="badge online">已登錄</span>'}</td></tr>`).join('')}
      </tbody></table>
      <div class="field-error" data-err="grades"></div>
      <p class="actions"><button type="submit">送出</button> <button type="button" class="danger" id="g-delete">刪除勾選的項目</button></p>
    </form>` : '<p class="card muted">這個班期沒有學員的學習紀錄（課程結束隔天才會轉入已核可報名的學員）。</p>'}`;
  const f = el.querySelector('#g-sheet');
  if (!f) return;
  const rows = () => [...f.querySelectorAll('tr[data-person]')];
  for (const b of f.querySelectorAll('[data-all]')) {
    b.addEventListener('click', () => { for (const s of f.querySelectorAll('select[name=passed]')) s.value = b.dataset.all === 'pass' ? 'true' : 'false'; });
  }
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const grades = rows().map((tr) => ({ personId: tr.dataset.person, hours: Number(tr.querySelector('input[type=number]').value),
      passed: tr.querySelector('[name=passed]').value === 'true' }));
    try {
      const r = await api('PUT', url, { grades });
      flash(`已登錄 ${r.saved} 位學員的時數與認證結果。`, true);
      await sheetView(el, code, session);
    } catch (err) { showError(f, err); }
  });
  el.querySelector('#g-delete').addEventListener('click', async () => {
    const ids = [...f.querySelectorAll('input[name=del]:checked')].map((x) => x.value);
    if (!ids.length) { flash('請先勾選要刪除的學員。'); return; }
    if (!confirm(`確定刪除勾選的 ${ids.length} 位學員在此班的學習資料？刪除後無法復原。`)) return;
    try {
      const r = await api('POST', url + '/delete', { personIds: ids });
      flash(`已刪除 ${r.deleted} 位學員在此班的學習資料。`, true);
      await sheetView(el, code, session);
    } catch (err) { fail(err); }
  });
}
