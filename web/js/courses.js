// L2 新增/維護課程: search the agency's courses (the most recent on entry),
// create and edit them with every rule of the manual (every field's error
// shown at once, beside its field), cancel or delete.
import { api } from './api.js';
import { html, show, nothing } from './lit.js';
import { rocDate, isoDate, taipeiTime, instant } from './format.js';
import { flash, fail, go, granted } from './shell.js';
import { codeTable, options, codeName, picker } from './forms.js';
import { searchTable } from './ui/searchtable.js';
import { rocDateField, checkDates } from './ui/rocdate.js';
import { errorSlot, showError } from './ui/fields.js';
import { confirmDialog } from './ui/confirm.js';
import { classParams, methods } from './roster.js';

const natures = { physical: '實體學習', digital: '數位學習', blended: '混成學習' };
const visibility = { online: '上線中', scheduled: '尚未上線', offline: '已下線', cancelled: '已停辦' };
const surveys = [['accommodation', '住宿'], ['meals', '飲食']];

export async function coursesView(el, rest = []) {
  // units: the hour units and their certified hours, from the API (catalog.Units): the one rule
  const [cats, cities, units] = await Promise.all([codeTable('categories'), codeTable('cities'), codeTable('units')]);
  if (rest[0] === 'new') return form(el, null, cats, cities, units);
  if (rest[0] === 'edit' && rest[1] && rest[2]) {
    const c = await api('GET', `/api/courses/${encodeURIComponent(rest[1])}/${encodeURIComponent(rest[2])}`);
    return form(el, c, cats, cities, units);
  }
  show(el, html`<h1>新增/維護課程</h1><div id="c-table"></div>`);
  let table;
  const act = async (c, verb, method, suffix) => {
    if (!await confirmDialog(`確定要${verb}課程 ${c.courseCode} 第 ${c.session} 期？`, { ok: verb, danger: true })) return;
    try {
      await api(method, `/api/courses/${encodeURIComponent(c.courseCode)}/${encodeURIComponent(c.session)}${suffix}`);
      flash(`已${verb}課程 ${c.courseCode} 第 ${c.session} 期。`, true);
      await table.reload();
    } catch (err) { fail(err); }
  };
  // After a save the list shows the saved course's year: next year's courses are made in December.
  const params = classParams(cats);
  const saved = sessionStorage.getItem('lifelong.courses.year');
  sessionStorage.removeItem('lifelong.courses.year');
  if (saved && params[0].options.some(([v]) => v === saved)) params[0].value = saved;
  table = await searchTable(el.querySelector('#c-table'), {
    id: 'c', label: '查詢課程', params,
    actions: html`<a class="button" href="#/L2/new">新增課程</a>`,
    columns: [
      { label: '課程代碼', cell: (c) => c.courseCode, class: 'nowrap' },
      { label: '期別', cell: (c) => c.session, class: 'nowrap' },
      { label: '課程名稱', cell: (c) => c.name },
      { label: '類別', cell: (c) => codeName(cats, c.category) },
      { label: '上課日期', cell: (c) => `${rocDate(c.start)}～${rocDate(c.end)}`, class: 'nowrap' },
      { label: '認證時數', cell: (c) => `${c.hours} 小時`, class: 'nowrap' },
      { label: '報名方式／期間', cell: (c) => html`${methods[c.method] || c.method}${c.enrollStart ? html`<br><small>${rocDate(c.enrollStart)}～${rocDate(c.enrollEnd)}</small>` : nothing}` },
      { label: '名額', cell: (c) => `${c.enrolled || 0}／${c.capacity}`, class: 'nowrap' },
      { label: '前台', cell: (c) => html`<span class=${'badge ' + c.visibility}>${visibility[c.visibility] || c.visibility}</span>` },
      { label: '動作', class: 'nowrap', cell: (c) => html`${c.status === 'cancelled' ? nothing : html`<a href=${`#/L2/edit/${encodeURIComponent(c.courseCode)}/${encodeURIComponent(c.session)}`}>編輯</a>
        <button type="button" class="link" data-cancel @click=${() => act(c, '停辦', 'POST', '/cancel')}>停辦</button>`}
        <button type="button" class="link" data-delete @click=${() => act(c, '刪除', 'DELETE', '')}>刪除</button>` },
    ],
    rowAttr: 'class', rowKey: (c) => `${c.courseCode}/${c.session}`,
    caption: (rows, more) => `最近建立的課程在前，共 ${rows.length} 筆${more ? '（尚有更多）' : ''}`,
    read: (q) => api('GET', '/api/courses?' + q),
    export: { kind: 'courses' }, // 匯出: the list of these conditions as a spreadsheet (X1)
    empty: '沒有符合條件的課程。',
  });
}

function form(el, c, cats, cities, units) {
  const edit = !!c;
  c = c || { unit: 'hour', nature: 'physical', method: 'open', capacity: 0, fee: 0, survey: [], subjects: [], lecturers: [] };
  const radios = (name, map, value) => Object.entries(map).map(([k, v]) =>
    html`<label class="inline"><input type="radio" name=${name} value=${k} ?checked=${k === value}> ${v}</label>`);
  const text = (id, name, label, value, { req = false, readonly = false, numeric = false, type = 'text', extra = {} } = {}) =>
    html`<div><label for=${id} class=${req ? 'req' : nothing}>${label}</label>
      <input type=${type} id=${id} name=${name} .value=${value ?? ''} ?readonly=${readonly} inputmode=${numeric ? 'numeric' : nothing}
        min=${extra.min ?? nothing} step=${extra.step ?? nothing} aria-describedby=${'err-' + name}>${errorSlot(name)}</div>`;
  let nature = c.nature;
  const draw = () => show(el, html`<h1>${edit ? `編輯課程：${c.courseCode} 第 ${c.session} 期` : '新增課程'}</h1>
    ${edit ? nothing : html`<p class="muted">※ 您只能新增當年度以後的課程。標示 <span class="req"></span> 者為必填。</p>`}
    <form class="card" id="c-form" novalidate @submit=${submit} @input=${recompute} @change=${recompute}>
      <div class="grid">
        ${text('f-code', 'courseCode', '課程代碼', c.courseCode, { req: true, readonly: edit })}
        ${text('f-session', 'session', '期別', c.session, { req: true, readonly: edit, numeric: true })}
        ${text('f-name', 'name', '課程名稱', c.name, { req: true })}
        <div><label for="f-category" class="req">課程類別</label><select id="f-category" name="category" aria-describedby="err-category">${options(cats, c.category)}</select>${errorSlot('category')}</div>
        ${rocDateField({ id: 'f-start', name: 'start', label: '課程開始日期', value: c.start, required: true })}
        ${rocDateField({ id: 'f-end', name: 'end', label: '課程結束日期', value: c.end, required: true })}
      </div>
      <fieldset><legend class="req">時數（學分）</legend>
        <label for="f-amount">數量（整數）</label><input type="number" id="f-amount" name="amount" min="1" step="1" .value=${c.amount ? String(c.amount) : ''} aria-describedby="err-amount">
        <div>${radios('unit', Object.fromEntries(units.map((u) => [u.code, u.name])), c.unit)}</div>
        <p>學員認證時數：<output id="f-hours" class="derived" for="f-amount">—</output>（${units.filter((u) => u.hours > 1).map((u) => `一${u.name} ${u.hours} 小時`).join('，')}）</p>
        ${errorSlot('amount')}${errorSlot('unit')}</fieldset>
      <fieldset><legend class="req">課程性質</legend>${radios('nature', natures, c.nature)}
        <div id="f-blend" class="grid" ?hidden=${nature !== 'blended'}>
          ${text('f-dh', 'digitalHours', '數位時數', c.digitalHours || '', { type: 'number', extra: { min: 1, step: 1 } })}
          ${text('f-ph', 'physicalHours', '實體時數', c.physicalHours || '', { type: 'number', extra: { min: 1, step: 1 } })}
        </div>${errorSlot('nature')}</fieldset>
      <fieldset><legend class="req">報名方式與日期</legend>${radios('method', methods, c.method)}
        <div class="grid">
          ${rocDateField({ id: 'f-es', name: 'enrollStart', label: '報名開始日期', value: c.enrollStart })}
          ${rocDateField({ id: 'f-ee', name: 'enrollEnd', label: '報名結束日期', value: c.enrollEnd })}
          ${rocDateField({ id: 'f-golive', name: 'goLive', label: '上線日期（未填則立即上線）', value: isoDate(c.goLive) })}
          <div><label for="f-golive-time">上線時間（時:分）</label><input type="time" id="f-golive-time" name="goLiveTime" .value=${taipeiTime(c.goLive)}></div>
        </div><p class="muted small">報名時間結束後課程自動下線，學員在前台即搜尋不到此班別。</p>${errorSlot('method')}</fieldset>
      <div class="grid">
        <div><label for="f-cap">招收名額</label><input type="number" id="f-cap" name="capacity" min="0" step="1" .value=${String(c.capacity ?? 0)} aria-describedby="err-capacity">
          <label class="inline"><input type="checkbox" id="f-full" name="stopWhenFull" ?checked=${c.stopWhenFull}> 額滿不再接受報名</label>${errorSlot('capacity')}</div>
        ${text('f-fee', 'fee', '學習費用（元，免費請填 0）', String(c.fee || 0), { type: 'number', extra: { min: 0, step: 1 } })}
        ${text('f-location', 'location', '上課地點', c.location, { req: nature !== 'digital' })}
        <div><label for="f-city">上課縣市</label><select id="f-city" name="city" aria-describedby="err-city">${options(cities, c.city, '未指定')}</select>${errorSlot('city')}</div>
      </div>
      <label for="f-restriction">限某機關同仁報名</label>
      <input type="text" id="f-restriction" name="restriction" .value=${c.restriction || ''} placeholder="例如 323000000A;323*" aria-describedby="f-restriction-hint err-restriction">
      <p class="muted small" id="f-restriction-hint">填完整機關代碼，或代碼開頭加 *；多個機關以半形分號「;」分隔。323000000A;323* 表示機關代碼為 323000000A 及 323 開頭的機關。空白表示不限。</p>
      ${errorSlot('restriction')}
      <fieldset><legend>特殊調查（勾選後學員報名時必須填寫）</legend>
        ${surveys.map(([k, v]) => html`<label class="inline"><input type="checkbox" name="survey" value=${k} ?checked=${(c.survey || []).some((q) => q.key === k)}> ${v}</label>`)}
        ${errorSlot('survey')}</fieldset>
      <div id="f-subjects"></div>${errorSlot('subjects')}
      <div id="f-lecturers"></div>${errorSlot('lecturers')}
      <p class="actions"><button type="submit">${edit ? '儲存' : '新增'}</button><a class="button secondary" href="#/L2">返回</a></p>
    </form>`);
  const recompute = () => {
    const f = el.querySelector('#c-form');
    const amount = Number(f.elements.amount.value);
    const unit = units.find((u) => u.code === f.querySelector('input[name=unit]:checked')?.value);
    el.querySelector('#f-hours').textContent = Number.isInteger(amount) && amount > 0 && unit ? `${amount * unit.hours} 小時` : '—';
    const n = f.querySelector('input[name=nature]:checked')?.value;
    if (n !== nature) { nature = n; draw(); } // blended shows its two hour fields; 上課地點 is required unless digital
  };
  const submit = async (e) => {
    e.preventDefault();
    const f = e.target;
    if (!checkDates(f)) return;
    const val = (n) => f.elements[n].value;
    const num = (n) => (val(n) === '' ? 0 : Number(val(n)));
    const body = {
      courseCode: val('courseCode'), session: val('session'), name: val('name'), category: val('category'),
      start: val('start'), end: val('end'), amount: num('amount'), unit: f.querySelector('input[name=unit]:checked')?.value || '',
      nature: f.querySelector('input[name=nature]:checked')?.value || '', digitalHours: num('digitalHours'), physicalHours: num('physicalHours'),
      method: f.querySelector('input[name=method]:checked')?.value || '', enrollStart: val('enrollStart'), enrollEnd: val('enrollEnd'),
      goLive: instant(val('goLive'), val('goLiveTime')), capacity: num('capacity'), stopWhenFull: f.elements.stopWhenFull.checked, fee: num('fee'),
      restriction: val('restriction'), survey: [...f.querySelectorAll('input[name=survey]:checked')].map((x) => x.value),
      location: val('location'), city: val('city'),
      subjects: subjects.items.map((s) => s.name), lecturers: lecturers.items.map((l) => ({ id: l.id || '', name: l.name })),
    };
    if (edit) body.updated = c.updated;
    try {
      const saved = edit
        ? await api('PUT', `/api/courses/${encodeURIComponent(c.courseCode)}/${encodeURIComponent(c.session)}`, body)
        : await api('POST', '/api/courses', body);
      sessionStorage.setItem('lifelong.courses.year', String(saved.year)); // the list shows the saved course's year
      go('#/L2', `已${edit ? '儲存' : '新增'}課程 ${saved.courseCode} 第 ${saved.session} 期（認證時數 ${saved.hours} 小時）。`);
    } catch (err) { showError(f, err); }
  };
  draw();
  const subjects = picker(el.querySelector('#f-subjects'), {
    label: '科目', id: 'f-subject', hint: '輸入部分文字查詢科目資料庫；查無時直接輸入，系統會自動加入資料庫。',
    chosen: (c.subjects || []).map((s) => ({ label: s, name: s })),
    suggest: async (q) => (await api('GET', '/api/subjects?q=' + encodeURIComponent(q))).items.map((s) => ({ label: s.name, name: s.name })),
  });
  const lecturers = picker(el.querySelector('#f-lecturers'), {
    label: '講師', id: 'f-lecturer', hint: '輸入部分姓名查詢本機關講師與講師資料庫，從建議中選擇即連結該講師；查無時直接輸入姓名，系統會自動建立講師資料（以第一個科目為可授科目）。',
    chosen: (c.lecturers || []).map((l) => ({ label: l.name, name: l.name, id: l.id })),
    suggest: async (q) => {
      const own = (await api('GET', '/api/lecturers?name=' + encodeURIComponent(q))).items;
      let pub = [];
      if (granted('L4')) pub = (await api('GET', '/api/lecturer-db?name=' + encodeURIComponent(q))).items;
      const seen = new Set(own.map((l) => l.id));
      return own.map((l) => ({ label: `${l.name}（本機關）`, name: l.name, id: l.id }))
        .concat(pub.filter((l) => !seen.has(l.id)).map((l) => ({ label: `${l.name}（${l.agencyName}）`, name: l.name, id: l.id })));
    },
  });
  recompute();
}
