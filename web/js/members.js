// L8 會員管理: an agency's top admin lists, adds, edits, disables and
// re-enables back-office users of the agency and the units below it, grants
// them functions, sees each user's audit trail, and resets statistics
// accounts' passwords.
import { api } from './api.js';
import { esc, rocDateTime } from './format.js';
import { state, flash, fail } from './app.js';

let agencies = [];

export async function membersView(el) {
  agencies = (await api('GET', '/api/agencies')).items;
  el.innerHTML = `<h1>會員管理</h1>
    <div class="card">
      <label for="m-agency">機關</label>
      <select id="m-agency"><option value="">${esc(state.me.active.name)}及所屬機關（全部）</option>
        ${agencies.map((a) => `<option value="${esc(a.code)}">${'　'.repeat(a.level - 1)}${esc(a.name)}（${esc(a.code)}）</option>`).join('')}</select>
      <label for="m-filter">姓名或帳號</label>
      <input type="text" id="m-filter" placeholder="輸入部分文字即時篩選">
      <p class="actions"><button type="button" id="m-new">新增使用者</button></p>
    </div>
    <div id="m-list"></div>
    <div id="m-detail"></div>
    <section class="card" aria-labelledby="s-h"><h2 id="s-h">統計報表帳號</h2><div id="s-list"></div></section>`;
  const load = async () => {
    const q = el.querySelector('#m-agency').value;
    const { items } = await api('GET', '/api/members' + (q ? '?agency=' + encodeURIComponent(q) : ''));
    drawList(el, items);
  };
  el.querySelector('#m-agency').addEventListener('change', () => load().catch(fail));
  el.querySelector('#m-filter').addEventListener('input', () => filter(el));
  el.querySelector('#m-new').addEventListener('click', () => drawForm(el, null, load));
  el.addEventListener('members:reload', () => load().catch(fail));
  await load();
  await drawStats(el);
}

const name = (code) => (agencies.find((a) => a.code === code) || { name: code }).name;

function drawList(el, items) {
  el.querySelector('#m-list').innerHTML = items.length ? `<table>
    <caption class="muted">共 ${items.length} 位使用者</caption>
    <thead><tr><th scope="col">帳號</th><th scope="col">姓名</th><th scope="col">職稱</th><th scope="col">所屬機關</th>
      <th scope="col">兼辦機關</th><th scope="col">權限</th><th scope="col">狀態</th><th scope="col">動作</th></tr></thead>
    <tbody>${items.map((m) => `<tr data-member="${esc(m.id)}" data-text="${esc(m.id + ' ' + m.name)}">
      <td>${esc(m.id)}</td><td>${esc(m.name)}</td><td>${esc(m.title || '')}</td><td>${esc(m.agencyName)}</td>
      <td>${(m.serves || []).map((c) => esc(name(c))).join('<br>')}</td>
      <td>${(m.grants[m.agency] || []).length} 項</td>
      <td>${m.disabled ? '<span class="badge off">已停用</span>' : '<span class="badge">使用中</span>'}</td>
      <td><button type="button" class="secondary" data-edit>編輯</button>
        <button type="button" class="secondary" data-toggle>${m.disabled ? '啟用' : '停用'}</button>
        <button type="button" class="secondary" data-audit>異動紀錄</button></td></tr>`).join('')}</tbody></table>`
    : '<p class="muted">沒有使用者。</p>';
  for (const tr of el.querySelectorAll('tr[data-member]')) {
    const m = items.find((x) => x.id === tr.dataset.member);
    tr.querySelector('[data-edit]').addEventListener('click', () => drawForm(el, m));
    tr.querySelector('[data-toggle]').addEventListener('click', async () => {
      const verb = m.disabled ? '啟用' : '停用';
      if (!confirm(`確定要${verb} ${m.name}（${m.id}）？`)) return;
      try {
        await api('POST', `/api/members/${encodeURIComponent(m.id)}/${m.disabled ? 'enable' : 'disable'}`);
        flash(`已${verb} ${m.name}。`, true);
        el.dispatchEvent(new Event('members:reload'));
      } catch (err) { fail(err); }
    });
    tr.querySelector('[data-audit]').addEventListener('click', () => drawAudit(el, m).catch(fail));
  }
  filter(el);
}

function filter(el) {
  const q = el.querySelector('#m-filter').value.trim().toLowerCase();
  for (const tr of el.querySelectorAll('tr[data-member]')) {
    tr.hidden = q !== '' && !tr.dataset.text.toLowerCase().includes(q);
  }
}

function grantBox(code, granted) {
  const mine = state.me.functions;
  return `<fieldset data-grants="${esc(code)}"><legend>${esc(name(code))} 的權限</legend>
    ${mine.map((f) => `<label class="inline"><input type="checkbox" value="${esc(f.id)}"${granted.includes(f.id) ? ' checked' : ''}>
      ${esc(f.id)} ${esc(f.name)}</label>`).join('')}</fieldset>`;
}

function drawForm(el, m) {
  const editing = !!m;
  m = m || { id: '', name: '', email: '', title: '', agency: state.me.active.code, serves: [], grants: {} };
  const box = el.querySelector('#m-detail');
  box.innerHTML = `<form class="card" id="m-form" novalidate>
    <h2>${editing ? '編輯使用者' : '新增使用者'}</h2>
    <label for="f-id" class="req">帳號（人事服務網單一登入識別碼）</label>
    <input type="text" id="f-id" value="${esc(m.id)}"${editing ? ' readonly' : ''}>
    <label for="f-name" class="req">姓名</label><input type="text" id="f-name" value="${esc(m.name)}">
    <label for="f-email">電子郵件</label><input type="email" id="f-email" value="${esc(m.email || '')}">
    <label for="f-title">職稱</label><input type="text" id="f-title" value="${esc(m.title || '')}">
    <label for="f-agency" class="req">所屬機關</label>
    <select id="f-agency">${agencies.map((a) => `<option value="${esc(a.code)}"${a.code === m.agency ? ' selected' : ''}>${esc(a.name)}</option>`).join('')}</select>
    <label for="f-serves">兼辦機關（可複選）</label>
    <select id="f-serves" multiple size="6">${agencies.map((a) => `<option value="${esc(a.code)}"${(m.serves || []).includes(a.code) ? ' selected' : ''}>${esc(a.name)}</option>`).join('')}</select>
    <div class="grants" id="f-grants"></div>
    <p class="muted">只能授予您本身在「${esc(state.me.active.name)}」擁有的功能。</p>
    <p class="actions"><button type="submit">儲存</button><button type="button" class="secondary" id="f-cancel">取消</button></p>
  </form>`;
  const drawGrants = () => {
    const codes = [box.querySelector('#f-agency').value, ...[...box.querySelector('#f-serves').selectedOptions].map((o) => o.value)];
    const current = collectGrants(box);
    box.querySelector('#f-grants').innerHTML = [...new Set(codes)].map((c) => grantBox(c, current[c] || m.grants[c] || [])).join('');
  };
  box.querySelector('#f-agency').addEventListener('change', drawGrants);
  box.querySelector('#f-serves').addEventListener('change', drawGrants);
  box.querySelector('#f-cancel').addEventListener('click', () => { box.innerHTML = ''; });
  drawGrants();
  box.querySelector('#f-id').focus();
  box.querySelector('#m-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const agency = box.querySelector('#f-agency').value;
    const body = {
      id: box.querySelector('#f-id').value.trim(), name: box.querySelector('#f-name').value.trim(),
      email: box.querySelector('#f-email').value.trim(), title: box.querySelector('#f-title').value.trim(), agency,
      serves: [...box.querySelector('#f-serves').selectedOptions].map((o) => o.value).filter((c) => c !== agency),
      grants: collectGrants(box),
    };
    try {
      if (editing) await api('PUT', '/api/members/' + encodeURIComponent(m.id), body);
      else await api('POST', '/api/members', body);
      box.innerHTML = '';
      flash(`已儲存 ${body.name} 的資料與權限。`, true);
      el.dispatchEvent(new Event('members:reload'));
    } catch (err) { fail(err); }
  });
}

function collectGrants(box) {
  const out = {};
  for (const fs of box.querySelectorAll('[data-grants]')) {
    out[fs.dataset.grants] = [...fs.querySelectorAll('input:checked')].map((i) => i.value);
  }
  return out;
}

const actions = { create_member: '新增', update_member: '修改', disable_member: '停用', enable_member: '啟用', reset_password: '重設密碼', change_password: '變更密碼' };

async function drawAudit(el, m) {
  const { items } = await api('GET', `/api/members/${encodeURIComponent(m.id)}/audit`);
  el.querySelector('#m-detail').innerHTML = `<section class="card"><h2>${esc(m.name)} 的異動紀錄</h2>
    ${items.length ? `<table><thead><tr><th>時間</th><th>動作</th><th>執行者</th><th>異動前</th><th>異動後</th></tr></thead><tbody>
    ${items.map((a) => `<tr><td>${rocDateTime(a.at)}</td><td>${esc(actions[a.action] || a.action)}</td><td>${esc(a.actor)}</td>
      <td><small>${esc(summary(a.before))}</small></td><td><small>${esc(summary(a.after))}</small></td></tr>`).join('')}</tbody></table>`
    : '<p class="muted">沒有紀錄。</p>'}</section>`;
}

function summary(json) {
  if (!json) return '';
  try {
    const u = JSON.parse(json);
    const grants = Object.entries(u.grants || {}).map(([c, fs]) => `${name(c)}：${fs.join('、') || '無'}`).join('；');
    return `${u.name}／${name(u.agency)}${u.disabled ? '／已停用' : ''}／${grants}`;
  } catch { return json; }
}

async function drawStats(el) {
  const { items } = await api('GET', '/api/stats-accounts');
  const box = el.querySelector('#s-list');
  box.innerHTML = items.length ? `<table><thead><tr><th>帳號</th><th>名稱</th><th>機關</th><th>狀態</th><th>動作</th></tr></thead><tbody>
    ${items.map((s) => `<tr data-stats="${esc(s.username)}"><td>${esc(s.username)}</td><td>${esc(s.name)}</td><td>${esc(name(s.agency))}</td>
      <td>${s.lockedUntil && new Date(s.lockedUntil) > new Date() ? '<span class="badge off">鎖定中</span>' : '<span class="badge">正常</span>'}</td>
      <td><button type="button" class="secondary" data-reset>重設密碼</button></td></tr>`).join('')}</tbody></table><div id="s-secret"></div>`
    : '<p class="muted">本機關沒有統計報表帳號。</p>';
  for (const tr of box.querySelectorAll('tr[data-stats]')) {
    tr.querySelector('[data-reset]').addEventListener('click', async () => {
      if (!confirm(`確定要重設 ${tr.dataset.stats} 的密碼？原密碼將立即失效。`)) return;
      try {
        const { temporaryPassword } = await api('POST', `/api/stats-accounts/${encodeURIComponent(tr.dataset.stats)}/reset-password`);
        box.querySelector('#s-secret').innerHTML = `<p role="status">${esc(tr.dataset.stats)} 的臨時密碼（只顯示這一次，首次登入須變更）：
          <span class="secret">${esc(temporaryPassword)}</span></p>`;
      } catch (err) { fail(err); }
    });
  }
}
