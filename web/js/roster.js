// L5 報名准駁/下載名冊: the agency's classes of a year; for each, approval of
// its enrollees, sign-in sheets and the roster download.
import { api, download } from './api.js';
import { esc, rocDate, rocDateTime } from './format.js';
import { flash, fail } from './app.js';
import { exportsList } from './exports.js';
import { thisYear as taipeiYear } from './clock.js';

export async function rosterView(el, rest = []) {
  if (rest[0] === 'approve' && rest[2]) return approveView(el, rest[1], rest[2]);
  if (rest[0] === 'signin' && rest[2]) return signinView(el, rest[1], rest[2]);
  const thisYear = taipeiYear();
  el.innerHTML = `<h1>報名准駁/下載名冊</h1>
    <div class="card"><label for="r-year">年度</label>
      <select id="r-year">${[thisYear - 1, thisYear, thisYear + 1].map((y) => `<option value="${y}"${y === thisYear ? ' selected' : ''}>民國 ${y - 1911} 年</option>`).join('')}</select>
      <p class="muted">點選班期的「報名准駁」核准或駁回報名；「簽到表」列印或下載簽到表；「下載名冊」取得已核准學員的名冊。</p></div>
    <div id="r-classes"></div><div id="r-form"></div><div id="r-jobs"></div>`;
  const load = async () => {
    const { items } = await api('GET', '/api/classes?year=' + el.querySelector('#r-year').value);
    items.sort((a, b) => a.start.localeCompare(b.start) || a.courseCode.localeCompare(b.courseCode));
    el.querySelector('#r-classes').innerHTML = items.length ? `<table><caption class="muted">本機關開設的班期共 ${items.length} 班</caption>
      <thead><tr><th>課程代碼</th><th>期別</th><th>課程名稱</th><th>上課日期</th><th>地點</th><th>報名／名額</th><th>動作</th></tr></thead><tbody>
      ${items.map((c) => `<tr data-class="${esc(c.courseCode)}#${esc(c.session)}"><td>${esc(c.courseCode)}</td><td>${esc(c.session)}</td><td>${esc(c.name)}</td>
        <td>${rocDate(c.start)}～${rocDate(c.end)}</td><td>${esc(c.location)}</td><td>${c.enrolled || 0}／${c.capacity}</td>
        <td><a href="#/L5/approve/${encodeURIComponent(c.courseCode)}/${encodeURIComponent(c.session)}">報名准駁</a>
          <a href="#/L5/signin/${encodeURIComponent(c.courseCode)}/${encodeURIComponent(c.session)}">簽到表</a>
          <button type="button" class="secondary" data-roster>下載名冊</button></td></tr>`).join('')}</tbody></table>`
      : '<p class="card muted">本年度沒有開設的班期。</p>';
    for (const tr of el.querySelectorAll('tr[data-class]')) {
      const c = items.find((x) => `${x.courseCode}#${x.session}` === tr.dataset.class);
      tr.querySelector('[data-roster]').addEventListener('click', () => form(el, c));
    }
  };
  el.querySelector('#r-year').addEventListener('change', () => load().catch(fail));
  await load();
  await exportsList(el.querySelector('#r-jobs'), 'roster');
}

function form(el, c) {
  const box = el.querySelector('#r-form');
  box.innerHTML = `<form class="card" id="r-request" novalidate>
    <h2>下載名冊：${esc(c.name)}（${esc(c.courseCode)} 第 ${esc(c.session)} 期）</h2>
    <label for="r-sort">排序</label>
    <select id="r-sort"><option value="name">依姓名筆畫</option><option value="agency">依服務機關（層級）再依姓名</option><option value="order">依報名順序</option></select>
    <fieldset><legend>檔案格式</legend>
      <label class="inline"><input type="radio" name="r-format" value="xlsx" checked> Excel（.xlsx）</label>
      <label class="inline"><input type="radio" name="r-format" value="ods"> ODF 試算表（.ods）</label>
      <label class="inline"><input type="radio" name="r-format" value="csv"> CSV（UTF-8）</label></fieldset>
    <p class="actions"><button type="submit">申請下載</button></p></form>`;
  box.querySelector('form').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('POST', '/api/exports/roster', {
        format: box.querySelector('input[name="r-format"]:checked').value,
        params: { courseCode: c.courseCode, session: c.session, sort: box.querySelector('#r-sort').value },
      });
      box.innerHTML = '';
      flash('已受理，檔案產製完成後即可於下方下載。', true);
      el.querySelector('#r-jobs').dispatchEvent(new Event('exports:refresh'));
    } catch (err) { fail(err); }
  });
}

const statusText = { pending: '待審核', approved: '已核准', rejected: '已駁回' };

// approveView: the enrollees of a class, sorted as the officer chooses; a
// decision per pending enrollee (a rejection needs a reason), or all at once.
async function approveView(el, code, session) {
  const base = `/api/enrollments/${encodeURIComponent(code)}/${encodeURIComponent(session)}`;
  el.innerHTML = `<h1>報名准駁</h1><div id="a-class" class="card"></div>
    <div class="card"><label for="a-sort">排序</label>
      <select id="a-sort"><option value="name">依姓名筆畫</option><option value="agency">依服務機關（層級）再依姓名</option><option value="order">依報名順序</option></select>
      <p class="muted small">核准即為最終決定，核准後不能再駁回或取消；駁回須填寫原因。</p></div>
    <form id="a-form" novalidate><div id="a-list"></div>
      <p class="actions"><button type="submit" id="a-submit">送出</button>
        <button type="button" class="secondary" id="a-all">全部核准</button><a class="button secondary" href="#/L5">返回</a></p></form>`;
  const load = async () => {
    const { class: c, items } = await api('GET', `${base}?sort=${el.querySelector('#a-sort').value}`);
    el.querySelector('#a-class').innerHTML = `<strong>${esc(c.name)}</strong>（${esc(c.courseCode)} 第 ${esc(c.session)} 期）
      ${rocDate(c.start)}～${rocDate(c.end)}，名額 ${c.capacity}，已報名 ${c.enrolled || 0} 人
      （待審核 ${items.filter((i) => i.status === 'pending').length}、已核准 ${items.filter((i) => i.status === 'approved').length}、已駁回 ${items.filter((i) => i.status === 'rejected').length}）`;
    el.querySelector('#a-list').innerHTML = items.length ? `<table><thead><tr><th scope="col">姓名</th><th scope="col">身分證字號</th>
      <th scope="col">服務機關</th><th scope="col">單位</th><th scope="col">職稱</th><th scope="col">報名時間</th><th scope="col">狀態</th><th scope="col">決定</th></tr></thead><tbody>
      ${items.map((e) => `<tr data-person="${esc(e.personId)}" data-status="${esc(e.status)}"><td>${esc(e.name)}</td><td>${esc(e.nationalId)}</td>
        <td>${esc(e.agencyName)}</td><td>${esc(e.unit)}</td><td>${esc(e.title)}</td><td>${rocDateTime(e.at)}${e.nominatedBy ? '<br><small>機關薦送</small>' : ''}</td>
        <td>${esc(statusText[e.status] || e.status)}${e.reason ? `<br><small>${esc(e.reason)}</small>` : ''}<div class="field-error" data-outcome></div></td>
        <td>${e.status === 'pending' ? `<fieldset class="decision"><legend class="skip-legend">${esc(e.name)} 的決定</legend>
          <label class="inline"><input type="radio" name="d-${esc(e.personId)}" value="approve"> 核准</label>
          <label class="inline"><input type="radio" name="d-${esc(e.personId)}" value="reject"> 駁回</label>
          <label class="inline">原因 <input type="text" name="r-${esc(e.personId)}" aria-label="${esc(e.name)} 的駁回原因"></label></fieldset>` : ''}</td></tr>`).join('')}
      </tbody></table>` : '<p class="card muted">此班期尚無報名。</p>';
  };
  el.querySelector('#a-sort').addEventListener('change', () => load().catch(fail));
  el.querySelector('#a-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const decisions = [];
    for (const tr of el.querySelectorAll('tr[data-status="pending"]')) {
      const id = tr.dataset.person;
      const d = tr.querySelector(`input[name="d-${CSS.escape(id)}"]:checked`);
      if (d) decisions.push({ personId: id, decision: d.value, reason: tr.querySelector(`input[name="r-${CSS.escape(id)}"]`).value });
    }
    if (!decisions.length) { flash('請先為學員選擇核准或駁回。'); return; }
    try {
      const { items } = await api('POST', `${base}/decisions`, { decisions });
      const bad = items.filter((o) => !o.ok);
      await load();
      for (const o of bad) {
        const slot = el.querySelector(`tr[data-person="${CSS.escape(o.personId)}"] [data-outcome]`);
        if (slot) slot.textContent = o.message;
      }
      flash(bad.length ? `已處理 ${items.length - bad.length} 筆，${bad.length} 筆未完成（原因見各列）。` : `已送出 ${items.length} 筆決定。`, !bad.length);
    } catch (err) { fail(err); }
  });
  el.querySelector('#a-all').addEventListener('click', async () => {
    if (!confirm('確定要核准所有待審核的報名？核准後不能再駁回。')) return;
    try {
      const { approved } = await api('POST', `${base}/approve-all`);
      await load();
      flash(`已核准 ${approved} 筆報名。`, true);
    } catch (err) { fail(err); }
  });
  await load();
}

const sheetColumns = [['agency', '服務機關'], ['unit', '單位'], ['title', '職稱'], ['name', '姓名'], ['nationalId', '身分證字號（遮蔽）']];
const sortOptions = [['agency', '服務機關（層級）'], ['name', '姓名筆畫'], ['unit', '單位'], ['title', '職稱'], ['order', '報名順序']];

// signinView: a sign-in sheet for online enrollees (chosen columns, primary
// and secondary sort) plus blank numbered rows for walk-ins; an A4 print view
// and a CSV.
async function signinView(el, code, session) {
  const base = `/api/enrollments/${encodeURIComponent(code)}/${encodeURIComponent(session)}/signin`;
  const opts = (sel) => sortOptions.map(([k, v]) => `<option value="${k}"${k === sel ? ' selected' : ''}>${v}</option>`).join('');
  el.innerHTML = `<h1 class="no-print">簽到表</h1>
    <form class="card no-print" id="s-form" novalidate>
      <fieldset><legend>欄位</legend>${sheetColumns.map(([k, v]) => `<label class="inline"><input type="checkbox" name="col" value="${k}"${k !== 'nationalId' ? ' checked' : ''}> ${v}</label>`).join('')}</fieldset>
      <div class="grid"><div><label for="s-sort1">主要排序</label><select id="s-sort1">${opts('agency')}</select></div>
        <div><label for="s-sort2">次要排序</label><select id="s-sort2"><option value="">（無）</option>${opts('name')}</select></div>
        <div><label for="s-blank">現場報名空白列數</label><input type="number" id="s-blank" min="0" max="500" step="1" value="5"></div></div>
      <p class="actions"><button type="submit">預覽</button><button type="button" class="secondary" id="s-print">列印</button>
        <button type="button" class="secondary" id="s-csv">下載 CSV</button><a class="button secondary" href="#/L5">返回</a></p></form>
    <div id="s-sheet" class="sheet"></div>`;
  const f = el.querySelector('#s-form');
  const query = () => {
    const q = new URLSearchParams();
    q.set('columns', [...f.querySelectorAll('input[name=col]:checked')].map((x) => x.value).join(','));
    q.set('sort', [el.querySelector('#s-sort1').value, el.querySelector('#s-sort2').value].filter(Boolean).join(','));
    q.set('blank', el.querySelector('#s-blank').value || '0');
    return q;
  };
  const draw = async () => {
    const s = await api('GET', `${base}?${query()}`);
    let n = 0;
    const row = (cells) => `<tr><td class="no">${++n}</td>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}<td class="sign"></td></tr>`;
    el.querySelector('#s-sheet').innerHTML = `<h2>${esc(s.class.name)}（${esc(s.class.courseCode)} 第 ${esc(s.class.session)} 期）簽到表</h2>
      <p>上課日期：${rocDate(s.class.start)}～${rocDate(s.class.end)}　地點：${esc(s.class.location)}</p>
      <table class="signin"><thead><tr><th scope="col">序號</th>${s.columns.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}<th scope="col">簽名</th></tr></thead>
      <tbody>${(s.rows || []).map(row).join('')}${Array.from({ length: s.blank }, () => row(s.columns.map(() => ''))).join('')}</tbody></table>`;
  };
  f.addEventListener('submit', (e) => { e.preventDefault(); draw().catch(fail); });
  el.querySelector('#s-print').addEventListener('click', async () => { try { await draw(); window.print(); } catch (err) { fail(err); } });
  el.querySelector('#s-csv').addEventListener('click', () => download(`${base}?${query()}&format=csv`, `${code}-${session}_簽到表.csv`).catch(fail));
  await draw();
}
