// L2 新增/維護課程: search the agency's courses (the most recent on entry),
// create and edit them with every rule of the manual, cancel or delete.
import { api } from './api.js';
import { esc, rocDate, toLocalInput, fromLocalInput } from './format.js';
import { flash, fail, state } from './app.js';
import { codeTable, options, codeName, showError, pager, picker } from './forms.js';
import { thisYear as taipeiYear } from './clock.js';

const units = { hour: '小時', day: '天', credit: '學分' };
const perUnit = { hour: 1, day: 6, credit: 18 };
const natures = { physical: '實體學習', digital: '數位學習', blended: '混成學習' };
const methods = { nominated: '機關薦送', open: '自由報名', offline: '不開放線上報名' };
const visibility = { online: '上線中', scheduled: '尚未上線', offline: '已下線', cancelled: '已停辦' };
const surveys = [['accommodation', '住宿'], ['meals', '飲食']];

export async function coursesView(el, rest = []) {
  const [cats, cities] = await Promise.all([codeTable('categories'), codeTable('cities')]);
  if (rest[0] === 'new') return form(el, null, cats, cities);
  if (rest[0] === 'edit' && rest[1] && rest[2]) {
    const c = await api('GET', `/api/courses/${encodeURIComponent(rest[1])}/${encodeURIComponent(rest[2])}`);
    return form(el, c, cats, cities);
  }
  const thisYear = taipeiYear();
  // After a save the list shows the saved course's year (next year's courses are made in December).
  const shown = Number(sessionStorage.getItem('lifelong.courses.year')) || thisYear;
  sessionStorage.removeItem('lifelong.courses.year');
  el.innerHTML = `<h1>新增/維護課程</h1>
    <form class="card" id="c-search" role="search" aria-label="查詢課程">
      <div class="grid">
        <div><label for="c-year">年度</label><select id="c-year" name="year">${[thisYear - 1, thisYear, thisYear + 1, thisYear + 2]
          .map((y) => `<option value="${y}"${y === shown ? ' selected' : ''}>民國 ${y - 1911} 年</option>`).join('')}</select></div>
        <div><label for="c-name">課程名稱</label><input type="text" id="c-name" name="name" placeholder="輸入部分文字"></div>
        <div><label for="c-code">課程代碼</label><input type="text" id="c-code" name="code"></div>
        <div><label for="c-session">期別</label><input type="text" id="c-session" name="session" inputmode="numeric"></div>
        <div><label for="c-from">課程開始日期（起）</label><input type="date" id="c-from" name="from"></div>
        <div><label for="c-to">課程結束日期（迄）</label><input type="date" id="c-to" name="to"></div>
        <div><label for="c-location">上課地點</label><input type="text" id="c-location" name="location"></div>
        <div><label for="c-category">課程類別</label><select id="c-category" name="category">${options(cats, '', '全部類別')}</select></div>
        <div><label for="c-method">報名方式</label><select id="c-method" name="method"><option value="">全部</option>
          ${Object.entries(methods).map(([k, v]) => `<option value="${k}">${v}</option>`).join('')}</select></div>
        <div><label for="c-fee">學習費用</label><select id="c-fee" name="fee"><option value="">全部</option><option value="free">免費</option><option value="paid">收費</option></select></div>
      </div>
      <p class="actions"><button type="submit">查詢</button><a class="button" href="#/L2/new">新增課程</a></p>
    </form>
    <h2 id="c-title">最近建立的課程</h2><div id="c-list"></div><div id="c-more"></div>`;
  const f = el.querySelector('#c-search');
  let rows = [];
  const load = async (next = '') => {
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(f)) if (v) q.set(k, v);
    if (next) q.set('next', next);
    const page = await api('GET', '/api/courses?' + q);
    rows = next ? rows.concat(page.items) : page.items;
    draw(el, rows, cats);
    pager(el.querySelector('#c-more'), page.next, load);
  };
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    el.querySelector('#c-title').textContent = '查詢結果';
    load().catch(fail);
  });
  el.addEventListener('courses:reload', () => load().catch(fail));
  await load();
}

function draw(el, rows, cats) {
  el.querySelector('#c-list').innerHTML = rows.length ? `<table><thead><tr>
    <th scope="col">課程代碼</th><th scope="col">期別</th><th scope="col">課程名稱</th><th scope="col">類別</th><th scope="col">上課日期</th>
    <th scope="col">認證時數</th><th scope="col">報名方式／期間</th><th scope="col">名額</th><th scope="col">前台</th><th scope="col">動作</th></tr></thead><tbody>
    ${rows.map((c) => `<tr data-class="${esc(c.courseCode)}/${esc(c.session)}">
      <td>${esc(c.courseCode)}</td><td>${esc(c.session)}</td><td>${esc(c.name)}</td><td>${esc(codeName(cats, c.category))}</td>
      <td>${rocDate(c.start)}～${rocDate(c.end)}</td><td>${c.hours} 小時</td>
      <td>${esc(methods[c.method] || c.method)}${c.enrollStart ? `<br><small>${rocDate(c.enrollStart)}～${rocDate(c.enrollEnd)}</small>` : ''}</td>
      <td>${c.enrolled || 0}／${c.capacity}</td>
      <td><span class="badge ${esc(c.visibility)}">${esc(visibility[c.visibility] || c.visibility)}</span></td>
      <td>${c.status === 'cancelled' ? '' : `<a href="#/L2/edit/${encodeURIComponent(c.courseCode)}/${encodeURIComponent(c.session)}">編輯</a>
        <button type="button" class="link" data-cancel>停辦</button>`}
        <button type="button" class="link" data-delete>刪除</button></td></tr>`).join('')}</tbody></table>`
    : '<p class="card muted">沒有符合條件的課程。</p>';
  for (const tr of el.querySelectorAll('tr[data-class]')) {
    const [code, session] = tr.dataset.class.split('/');
    const path = `/api/courses/${encodeURIComponent(code)}/${encodeURIComponent(session)}`;
    const act = async (what, verb, method, url) => {
      if (!confirm(`確定要${verb}課程 ${code} 第 ${session} 期？`)) return;
      try {
        await api(method, url);
        flash(`已${verb}課程 ${code} 第 ${session} 期。`, true);
        el.dispatchEvent(new Event('courses:reload'));
      } catch (err) { fail(err); }
    };
    tr.querySelector('[data-cancel]')?.addEventListener('click', () => act('cancel', '停辦', 'POST', path + '/cancel'));
    tr.querySelector('[data-delete]').addEventListener('click', () => act('delete', '刪除', 'DELETE', path));
  }
}

const dateOnly = (s) => s || '';

function form(el, c, cats, cities) {
  const edit = !!c;
  c = c || { unit: 'hour', nature: 'physical', method: 'open', capacity: 0, fee: 0, survey: [], subjects: [], lecturers: [] };
  const radios = (name, map, value) => Object.entries(map).map(([k, v]) =>
    `<label class="inline"><input type="radio" name="${name}" value="${k}"${k === value ? ' checked' : ''}> ${v}</label>`).join('');
  el.innerHTML = `<h1>${edit ? `編輯課程：${esc(c.courseCode)} 第 ${esc(c.session)} 期` : '新增課程'}</h1>
    ${edit ? '' : '<p class="muted">※ 您只能新增當年度以後的課程。標示 <span class="req"></span> 者為必填。</p>'}
    <form class="card" id="c-form" novalidate>
      <div class="grid">
        <div><label for="f-code" class="req">課程代碼</label><input type="text" id="f-code" name="courseCode" value="${esc(c.courseCode || '')}" ${edit ? 'readonly' : 'required'}><div class="field-error" data-err="courseCode"></div></div>
        <div><label for="f-session" class="req">期別</label><input type="text" id="f-session" name="session" inputmode="numeric" value="${esc(c.session || '')}" ${edit ? 'readonly' : 'required'}><div class="field-error" data-err="session"></div></div>
        <div><label for="f-name" class="req">課程名稱</label><input type="text" id="f-name" name="name" value="${esc(c.name || '')}" required><div class="field-error" data-err="name"></div></div>
        <div><label for="f-category" class="req">課程類別</label><select id="f-category" name="category" required>${options(cats, c.category)}</select><div class="field-error" data-err="category"></div></div>
        <div><label for="f-start" class="req">課程開始日期</label><input type="date" id="f-start" name="start" value="${dateOnly(c.start)}" required><div class="field-error" data-err="start"></div></div>
        <div><label for="f-end" class="req">課程結束日期</label><input type="date" id="f-end" name="end" value="${dateOnly(c.end)}" required><div class="field-error" data-err="end"></div></div>
      </div>
      <fieldset><legend class="req">時數（學分）</legend>
        <label for="f-amount">數量（整數）</label><input type="number" id="f-amount" name="amount" min="1" step="1" value="${c.amount || ''}" required>
        <div>${radios('unit', units, c.unit)}</div>
        <p>學員認證時數：<output id="f-hours" class="derived" for="f-amount">—</output>（一天 6 小時，一學分 18 小時）</p>
        <div class="field-error" data-err="amount"></div><div class="field-error" data-err="unit"></div></fieldset>
      <fieldset><legend class="req">課程性質</legend>${radios('nature', natures, c.nature)}
        <div id="f-blend" class="grid">
          <div><label for="f-dh">數位時數</label><input type="number" id="f-dh" name="digitalHours" min="1" step="1" value="${c.digitalHours || ''}"><div class="field-error" data-err="digitalHours"></div></div>
          <div><label for="f-ph">實體時數</label><input type="number" id="f-ph" name="physicalHours" min="1" step="1" value="${c.physicalHours || ''}"><div class="field-error" data-err="physicalHours"></div></div>
        </div><div class="field-error" data-err="nature"></div></fieldset>
      <fieldset><legend class="req">報名方式與日期</legend>${radios('method', methods, c.method)}
        <div class="grid">
          <div><label for="f-es">報名開始日期</label><input type="date" id="f-es" name="enrollStart" value="${dateOnly(c.enrollStart)}"><div class="field-error" data-err="enrollStart"></div></div>
          <div><label for="f-ee">報名結束日期</label><input type="date" id="f-ee" name="enrollEnd" value="${dateOnly(c.enrollEnd)}"><div class="field-error" data-err="enrollEnd"></div></div>
          <div><label for="f-golive">上線時間（未填則立即上線）</label><input type="datetime-local" id="f-golive" name="goLive" value="${toLocalInput(c.goLive)}"><div class="field-error" data-err="goLive"></div></div>
        </div><p class="muted small">報名時間結束後課程自動下線，學員在前台即搜尋不到此班別。</p><div class="field-error" data-err="method"></div></fieldset>
      <div class="grid">
        <div><label for="f-cap">招收名額</label><input type="number" id="f-cap" name="capacity" min="0" step="1" value="${c.capacity}">
          <label class="inline"><input type="checkbox" id="f-full" name="stopWhenFull"${c.stopWhenFull ? ' checked' : ''}> 額滿不再接受報名</label><div class="field-error" data-err="capacity"></div></div>
        <div><label for="f-fee">學習費用（元，免費請填 0）</label><input type="number" id="f-fee" name="fee" min="0" step="1" value="${c.fee || 0}"><div class="field-error" data-err="fee"></div></div>
        <div><label for="f-location">上課地點</label><input type="text" id="f-location" name="location" value="${esc(c.location || '')}"><div class="field-error" data-err="location"></div></div>
        <div><label for="f-city">上課縣市</label><select id="f-city" name="city">${options(cities, c.city, '未指定')}</select><div class="field-error" data-err="city"></div></div>
      </div>
      <label for="f-restriction">限某機關同仁報名</label>
      <input type="text" id="f-restriction" name="restriction" value="${esc(c.restriction || '')}" placeholder="例如 323000000A;323*" aria-describedby="f-restriction-hint">
      <p class="muted small" id="f-restriction-hint">填完整機關代碼，或代碼開頭加 *；多個機關以半形分號「;」分隔。323000000A;323* 表示機關代碼為 323000000A 及 323 開頭的機關。空白表示不限。</p>
      <div class="field-error" data-err="restriction"></div>
      <fieldset><legend>特殊調查（勾選後學員報名時必須填寫）</legend>
        ${surveys.map(([k, v]) => `<label class="inline"><input type="checkbox" name="survey" value="${k}"${(c.survey || []).some((q) => q.key === k) ? ' checked' : ''}> ${v}</label>`).join('')}
        <div class="field-error" data-err="survey"></div></fieldset>
      <div id="f-subjects"></div><div class="field-error" data-err="subjects"></div>
      <div id="f-lecturers"></div><div class="field-error" data-err="lecturers"></div>
      <p class="actions"><button type="submit">${edit ? '儲存' : '新增'}</button><a class="button secondary" href="#/L2">返回</a></p>
    </form>`;
  const f = el.querySelector('#c-form');
  const subjects = picker(el.querySelector('#f-subjects'), {
    label: '科目', id: 'f-subject', hint: '輸入部分文字查詢科目資料庫；查無時直接輸入，系統會自動加入資料庫。',
    chosen: (c.subjects || []).map((s) => ({ label: s, name: s })),
    suggest: async (q) => (await api('GET', '/api/subjects?q=' + encodeURIComponent(q))).items.map((s) => ({ label: s.name, name: s.name })),
  });
  const lecturers = picker(el.querySelector('#f-lecturers'), {
    label: '講師', id: 'f-lecturer', hint: '輸入部分姓名查詢本機關講師與講師資料庫；查無時直接輸入姓名，系統會自動建立講師資料（以第一個科目為可授科目）。',
    chosen: (c.lecturers || []).map((l) => ({ label: l.name, name: l.name, id: l.id })),
    suggest: async (q) => {
      const own = (await api('GET', '/api/lecturers?name=' + encodeURIComponent(q))).items;
      let pub = [];
      if (state.me.functions.some((x) => x.id === 'L4')) pub = (await api('GET', '/api/lecturer-db?name=' + encodeURIComponent(q))).items;
      const seen = new Set(own.map((l) => l.id));
      return own.map((l) => ({ label: `${l.name}（本機關）`, name: l.name, id: l.id }))
        .concat(pub.filter((l) => !seen.has(l.id)).map((l) => ({ label: `${l.name}（${l.agencyName}）`, name: l.name, id: l.id })));
    },
  });
  const val = (n) => f.elements[n].value;
  const recompute = () => {
    const amount = Number(val('amount'));
    const unit = f.querySelector('input[name=unit]:checked')?.value;
    const out = el.querySelector('#f-hours');
    out.textContent = Number.isInteger(amount) && amount > 0 && unit ? `${amount * perUnit[unit]} 小時` : '—';
    el.querySelector('#f-blend').hidden = f.querySelector('input[name=nature]:checked')?.value !== 'blended';
  };
  f.addEventListener('input', recompute);
  recompute();
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const num = (n) => (val(n) === '' ? 0 : Number(val(n)));
    const body = {
      courseCode: val('courseCode'), session: val('session'), name: val('name'), category: val('category'),
      start: val('start'), end: val('end'), amount: num('amount'), unit: f.querySelector('input[name=unit]:checked')?.value || '',
      nature: f.querySelector('input[name=nature]:checked')?.value || '', digitalHours: num('digitalHours'), physicalHours: num('physicalHours'),
      method: f.querySelector('input[name=method]:checked')?.value || '', enrollStart: val('enrollStart'), enrollEnd: val('enrollEnd'),
      goLive: fromLocalInput(val('goLive')) || '', capacity: num('capacity'), stopWhenFull: f.elements.stopWhenFull.checked, fee: num('fee'),
      restriction: val('restriction'), survey: [...f.querySelectorAll('input[name=survey]:checked')].map((x) => x.value),
      location: val('location'), city: val('city'),
      subjects: subjects.items.map((s) => s.name), lecturers: lecturers.items.map((l) => ({ id: l.id || '', name: l.name })),
    };
    if (edit) body.updated = c.updated;
    try {
      const saved = edit
        ? await api('PUT', `/api/courses/${encodeURIComponent(c.courseCode)}/${encodeURIComponent(c.session)}`, body)
        : await api('POST', '/api/courses', body);
      sessionStorage.setItem('lifelong.courses.year', String(saved.year));
      sessionStorage.setItem('lifelong.flash', `已${edit ? '儲存' : '新增'}課程 ${saved.courseCode} 第 ${saved.session} 期（認證時數 ${saved.hours} 小時）。`);
      location.hash = '#/L2';
    } catch (err) { showError(f, err); }
  });
}
