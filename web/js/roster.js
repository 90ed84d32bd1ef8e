// L5 報名准駁/下載名冊: the agency's classes, found with the manual's
// conditions (filtered and paged by the server); for each, approval of its
// enrollees (with their special-survey answers), sign-in sheets and the
// roster download.
import { api, download } from './api.js';
import { html, show, nothing, repeat } from './lit.js';
import { rocDate, rocDateTime } from './format.js';
import { thisYear } from './clock.js';
import { flash, fail } from './shell.js';
import { codeTable } from './forms.js';
import { searchTable } from './ui/searchtable.js';
import { exportJobs } from './ui/jobs.js';
import { confirmDialog, askReason } from './ui/confirm.js';
import { clearErrors, markError } from './ui/fields.js';

export const methods = { nominated: '機關薦送', open: '自由報名', offline: '不開放線上報名' };

// classParams are the manual's search conditions for an agency's classes
// (L2 and L5 share them; the API filters on the server).
export function classParams(cats) {
  const y = thisYear();
  return [
    { name: 'year', label: '年度', type: 'select', value: String(y),
      options: [y - 1, y, y + 1, y + 2].map((v) => [String(v), `民國 ${v - 1911} 年`]) },
    { name: 'code', label: '課程代碼' },
    { name: 'name', label: '課程名稱', placeholder: '輸入部分文字' },
    { name: 'session', label: '期別', numeric: true },
    { name: 'from', label: '課程開始日期（起）', type: 'date' },
    { name: 'to', label: '課程結束日期（迄）', type: 'date' },
    { name: 'location', label: '上課地點' },
    { name: 'category', label: '課程類別', type: 'select', options: [['', '全部類別']].concat(cats.map((e) => [e.code, `${e.code} ${e.name}`, e.level])) },
    { name: 'method', label: '報名方式', type: 'select', options: [['', '全部']].concat(Object.entries(methods)) },
    { name: 'fee', label: '學習費用', type: 'select', options: [['', '全部'], ['free', '免費'], ['paid', '收費']] },
  ];
}

const classPath = (c) => `${encodeURIComponent(c.courseCode)}/${encodeURIComponent(c.session)}`;

export async function rosterView(el, rest = []) {
  if (rest[0] === 'approve' && rest[2]) return approveView(el, rest[1], rest[2]);
  if (rest[0] === 'signin' && rest[2]) return signinView(el, rest[1], rest[2]);
  const cats = await codeTable('categories');
  show(el, html`<h1>報名准駁/下載名冊</h1>
    <p class="muted">點選班期的「報名准駁」核准或駁回報名；「簽到表」列印或下載簽到表；「下載名冊」取得已核准學員的名冊。</p>
    <div id="r-table"></div><div id="r-form"></div><div id="r-jobs"></div>`);
  const jobs = el.querySelector('#r-jobs');
  await searchTable(el.querySelector('#r-table'), {
    id: 'r', label: '查詢班期', params: classParams(cats),
    columns: [
      { label: '課程代碼', cell: (c) => c.courseCode, class: 'nowrap' },
      { label: '期別', cell: (c) => c.session, class: 'nowrap' },
      { label: '課程名稱', cell: (c) => c.name },
      { label: '上課日期', cell: (c) => `${rocDate(c.start)}～${rocDate(c.end)}`, class: 'nowrap' },
      { label: '地點', cell: (c) => c.location },
      { label: '報名／名額', cell: (c) => `${c.enrolled || 0}／${c.capacity}`, class: 'nowrap' },
      { label: '動作', class: 'nowrap', cell: (c) => html`<a href=${'#/L5/approve/' + classPath(c)}>報名准駁</a>
        <a href=${'#/L5/signin/' + classPath(c)}>簽到表</a>
        <button type="button" class="secondary" data-roster @click=${() => rosterForm(el.querySelector('#r-form'), jobs, c)}>下載名冊</button>` },
    ],
    rowAttr: 'class', rowKey: (c) => `${c.courseCode}#${c.session}`,
    caption: (rows, more) => `本機關符合條件的班期 ${rows.length} 班${more ? '（尚有更多，按「下一頁」繼續）' : ''}`,
    read: (q) => api('GET', '/api/classes?' + q),
    empty: '沒有符合條件的班期。',
  });
  await exportJobs(jobs, 'roster');
}

function rosterForm(box, jobs, c) {
  const submit = async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      await api('POST', '/api/exports/roster', {
        format: f.elements['r-format'].value,
        params: { courseCode: c.courseCode, session: c.session, sort: f.elements.sort.value },
      });
      show(box, nothing);
      flash('已受理，檔案產製完成後即可於下方下載。', true);
      jobs.dispatchEvent(new Event('exports:refresh'));
    } catch (err) { fail(err); }
  };
  show(box, nothing);
  show(box, html`<form class="card" id="r-request" novalidate @submit=${submit}>
    <h2>下載名冊：${c.name}（${c.courseCode} 第 ${c.session} 期）</h2>
    <label for="r-sort">排序</label>
    <select id="r-sort" name="sort"><option value="name">依姓名筆畫</option><option value="agency">依服務機關（層級）再依姓名</option><option value="order">依報名順序</option></select>
    <fieldset><legend>檔案格式</legend>
      <label class="inline"><input type="radio" name="r-format" value="xlsx" checked> Excel（.xlsx）</label>
      <label class="inline"><input type="radio" name="r-format" value="ods"> ODF 試算表（.ods）</label>
      <label class="inline"><input type="radio" name="r-format" value="csv"> CSV（UTF-8）</label></fieldset>
    <p class="muted small">名冊包含學員的特殊調查回答（住宿、飲食）。</p>
    <p class="actions"><button type="submit">申請下載</button></p></form>`);
  box.querySelector('#r-sort').focus();
}

const statusText = { pending: '待審核', approved: '已核准', rejected: '已駁回' };

// approveView: the enrollees of a class (with their survey answers), sorted
// as the officer chooses; a decision per pending enrollee (a rejection needs
// a reason, shown on its row when missing), or all at once either way.
async function approveView(el, code, session) {
  const base = `/api/enrollments/${encodeURIComponent(code)}/${encodeURIComponent(session)}`;
  let data = { class: null, items: [] };
  let outcomes = {}; // personId → message of a decision that did not go through
  let sort = 'name';
  const load = async () => {
    data = await api('GET', `${base}?sort=${sort}`);
    draw();
  };
  const form = () => el.querySelector('#a-form');
  const submit = async (e) => {
    e.preventDefault();
    const f = form();
    clearErrors(f);
    outcomes = {};
    const decisions = [];
    const rows = [];
    for (const tr of f.querySelectorAll('tr[data-status="pending"]')) {
      const id = tr.dataset.person;
      const d = tr.querySelector(`input[name="d-${CSS.escape(id)}"]:checked`);
      if (d) { decisions.push({ personId: id, decision: d.value, reason: tr.querySelector(`input[name="r-${CSS.escape(id)}"]`).value.trim() }); rows.push(id); }
    }
    if (!decisions.length) { flash('請先為學員選擇核准或駁回。'); return; }
    // A rejection without a reason is marked on its own row before anything is sent.
    const missing = decisions.filter((d) => d.decision === 'reject' && !d.reason);
    if (missing.length) {
      let first = null;
      for (const d of missing) first = first || markError(f, `r-${d.personId}`, '駁回須填寫原因。');
      first?.focus();
      flash(`有 ${missing.length} 筆駁回未填寫原因（見各列），尚未送出任何決定。`);
      return;
    }
    try {
      const { items } = await api('POST', `${base}/decisions`, { decisions });
      const bad = items.filter((o) => !o.ok);
      for (const o of bad) outcomes[o.personId] = o.message;
      await load();
      flash(bad.length ? `已處理 ${items.length - bad.length} 筆，${bad.length} 筆未完成（原因見各列）。` : `已送出 ${items.length} 筆決定。`, !bad.length);
    } catch (err) {
      // decisions[i].reason: the server names the rows at fault.
      for (const fe of err.fields?.length ? err.fields : err.field ? [{ field: err.field, message: err.message }] : []) {
        const m = /^decisions\[(\d+)\]\.reason$/.exec(fe.field);
        if (m && rows[m[1]]) markError(f, `r-${rows[m[1]]}`, fe.message);
      }
      fail(err);
    }
  };
  const approveAll = async () => {
    if (!await confirmDialog('確定要核准所有待審核的報名？核准後不能再駁回。', { ok: '全部核准' })) return;
    try {
      const { approved } = await api('POST', `${base}/approve-all`);
      outcomes = {};
      await load();
      flash(`已核准 ${approved} 筆報名。`, true);
    } catch (err) { fail(err); }
  };
  const rejectAll = async () => {
    const reason = await askReason('確定要駁回所有待審核的報名？請填寫駁回原因（每位學員都會看到）。', { ok: '全部駁回', label: '駁回原因', required: '全部駁回須填寫原因。' });
    if (!reason) return;
    try {
      const { rejected } = await api('POST', `${base}/reject-all`, { reason });
      outcomes = {};
      await load();
      flash(`已駁回 ${rejected} 筆報名。`, true);
    } catch (err) { fail(err); }
  };
  const draw = () => {
    const c = data.class;
    const items = data.items;
    const survey = c.survey || [];
    const count = (s) => items.filter((i) => i.status === s).length;
    show(el, html`<h1>報名准駁</h1>
      <div id="a-class" class="card"><strong>${c.name}</strong>（${c.courseCode} 第 ${c.session} 期）
        ${rocDate(c.start)}～${rocDate(c.end)}，名額 ${c.capacity}，已報名 ${c.enrolled || 0} 人
        （待審核 ${count('pending')}、已核准 ${count('approved')}、已駁回 ${count('rejected')}）</div>
      <div class="card"><label for="a-sort">排序</label>
        <select id="a-sort" @change=${(e) => { sort = e.target.value; load().catch(fail); }}>
          <option value="name">依姓名筆畫</option><option value="agency">依服務機關（層級）再依姓名</option><option value="order">依報名順序</option></select>
        <p class="muted small">核准即為最終決定，核准後不能再駁回或取消；駁回須填寫原因。</p></div>
      <form id="a-form" novalidate @submit=${submit}><div id="a-list" class="table-wrap">${items.length ? html`<table class="approve"><thead><tr>
        <th scope="col">姓名</th><th scope="col">身分證字號</th><th scope="col">服務機關</th><th scope="col">單位</th><th scope="col">職稱</th>
        ${survey.map((q) => html`<th scope="col" data-survey=${q.key}>${q.label}</th>`)}
        <th scope="col">報名時間</th><th scope="col">狀態</th><th scope="col">決定</th></tr></thead><tbody>
        ${repeat(items, (e) => e.personId, (e) => html`<tr data-person=${e.personId} data-status=${e.status}>
          <td class="nowrap">${e.name}</td><td class="nowrap">${e.nationalId}</td><td>${e.agencyName}</td><td>${e.unit}</td><td>${e.title}</td>
          ${survey.map((q) => html`<td data-answer=${q.key}>${(e.answers || {})[q.key] || ''}</td>`)}
          <td class="nowrap">${rocDateTime(e.at)}${e.nominatedBy ? html`<br><small>機關薦送</small>` : nothing}</td>
          <td class="nowrap">${statusText[e.status] || e.status}${e.reason ? html`<br><small class="reason">${e.reason}</small>` : nothing}
            <div class="field-error" data-outcome>${outcomes[e.personId] || ''}</div></td>
          <td>${e.status === 'pending' ? html`<fieldset class="decision"><legend class="skip-legend">${e.name} 的決定</legend>
            <label class="inline"><input type="radio" name=${'d-' + e.personId} value="approve"> 核准</label>
            <label class="inline"><input type="radio" name=${'d-' + e.personId} value="reject"> 駁回</label>
            <label class="inline">原因 <input type="text" class="reason-input" name=${'r-' + e.personId} aria-label=${e.name + ' 的駁回原因'}
              aria-describedby=${'err-r-' + e.personId}></label>
            <div class="field-error" data-err=${'r-' + e.personId} id=${'err-r-' + e.personId}></div></fieldset>` : nothing}</td></tr>`)}
        </tbody></table>` : html`<p class="card muted">此班期尚無報名。</p>`}</div>
        <p class="actions"><button type="submit" id="a-submit">送出</button>
          <button type="button" class="secondary" id="a-all" @click=${approveAll}>全部核准</button>
          <button type="button" class="danger" id="a-reject-all" @click=${rejectAll}>全部駁回</button>
          <a class="button secondary" href="#/L5">返回</a></p></form>`);
  };
  await load();
}

const sheetColumns = [['agency', '服務機關'], ['unit', '單位'], ['title', '職稱'], ['name', '姓名'], ['nationalId', '身分證字號（遮蔽）']];
const sortOptions = [['agency', '服務機關（層級）'], ['name', '姓名筆畫'], ['unit', '單位'], ['title', '職稱'], ['order', '報名順序']];

// signinView: a sign-in sheet for online enrollees (chosen columns, the
// class's survey answers among them, primary and secondary sort) plus blank
// numbered rows for walk-ins; an A4 print view and a CSV.
async function signinView(el, code, session) {
  const base = `/api/enrollments/${encodeURIComponent(code)}/${encodeURIComponent(session)}/signin`;
  let sheet = await api('GET', `${base}?columns=agency,title,name&sort=agency,name&blank=5`);
  const survey = sheet.class.survey || [];
  const columns = sheetColumns.concat(survey.map((q) => ['survey.' + q.key, q.label]));
  const opts = (sel) => sortOptions.map(([k, v]) => html`<option value=${k} ?selected=${k === sel}>${v}</option>`);
  const query = () => {
    const f = el.querySelector('#s-form');
    const q = new URLSearchParams();
    q.set('columns', [...f.querySelectorAll('input[name=col]:checked')].map((x) => x.value).join(','));
    q.set('sort', [f.elements.sort1.value, f.elements.sort2.value].filter(Boolean).join(','));
    q.set('blank', f.elements.blank.value || '0');
    return q;
  };
  let sorted = 'agency,name'; // the sort the shown sheet was made with (data-sort: tests wait for it)
  const load = async () => { const q = query(); sheet = await api('GET', `${base}?${q}`); sorted = q.get('sort'); draw(); };
  const sheetTpl = (s) => {
    let n = 0;
    const row = (cells) => html`<tr><td class="no">${++n}</td>${cells.map((c) => html`<td>${c}</td>`)}<td class="sign"></td></tr>`;
    return html`<h2>${s.class.name}（${s.class.courseCode} 第 ${s.class.session} 期）簽到表</h2>
      <p>上課日期：${rocDate(s.class.start)}～${rocDate(s.class.end)}　地點：${s.class.location}</p>
      <table class="signin" data-sort=${sorted}><thead><tr><th scope="col">序號</th>${s.columns.map((c) => html`<th scope="col">${c}</th>`)}<th scope="col">簽名</th></tr></thead>
      <tbody>${(s.rows || []).map(row)}${Array.from({ length: s.blank }, () => row(s.columns.map(() => '')))}</tbody></table>`;
  };
  const draw = () => show(el, html`<h1 class="no-print">簽到表</h1>
    <form class="card no-print" id="s-form" novalidate @submit=${(e) => { e.preventDefault(); load().catch(fail); }}>
      <fieldset><legend>欄位</legend>${columns.map(([k, v]) => html`<label class="inline"><input type="checkbox" name="col" value=${k} ?checked=${['agency', 'title', 'name'].includes(k)}> ${v}</label>`)}</fieldset>
      <div class="grid"><div><label for="s-sort1">主要排序</label><select id="s-sort1" name="sort1">${opts('agency')}</select></div>
        <div><label for="s-sort2">次要排序</label><select id="s-sort2" name="sort2"><option value="">（無）</option>${opts('name')}</select></div>
        <div><label for="s-blank">現場報名空白列數</label><input type="number" id="s-blank" name="blank" min="0" max="500" step="1" value="5"></div></div>
      <p class="actions"><button type="submit">預覽</button>
        <button type="button" class="secondary" id="s-print" @click=${async () => { try { await load(); window.print(); } catch (err) { fail(err); } }}>列印</button>
        <button type="button" class="secondary" id="s-csv" @click=${() => download(`${base}?${query()}&format=csv`, `${code}-${session}_簽到表.csv`).catch(fail)}>下載 CSV</button>
        <a class="button secondary" href="#/L5">返回</a></p></form>
    <div id="s-sheet" class="sheet">${sheetTpl(sheet)}</div>`);
  draw();
}
