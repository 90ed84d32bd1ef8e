// L8 會員管理: an agency's top admin lists (paged, by agency and part of the
// name or account), adds, edits, disables and re-enables back-office users of
// the agency and the units below it, grants them functions, sees each user's
// audit trail, and resets statistics accounts' passwords.
import { api } from './api.js';
import { html, show, nothing } from './lit.js';
import { rocDateTime } from './format.js';
import { now } from './clock.js';
import { state, flash, fail } from './shell.js';
import { searchTable } from './ui/searchtable.js';
import { errorSlot, showError } from './ui/fields.js';
import { confirmDialog } from './ui/confirm.js';

let agencies = [];
const name = (code) => (agencies.find((a) => a.code === code) || { name: code }).name;

export async function membersView(el) {
  agencies = (await api('GET', '/api/agencies')).items;
  show(el, html`<h1>會員管理</h1>
    <div id="m-table"></div>
    <div id="m-detail"></div>
    <section class="card" aria-labelledby="s-h"><h2 id="s-h">統計報表帳號</h2><div id="s-list"></div></section>`);
  const detail = el.querySelector('#m-detail');
  let table;
  const toggle = async (m) => {
    const verb = m.disabled ? '啟用' : '停用';
    if (!await confirmDialog(`確定要${verb} ${m.name}（${m.id}）？`, { ok: verb, danger: !m.disabled })) return;
    try {
      await api('POST', `/api/members/${encodeURIComponent(m.id)}/${m.disabled ? 'enable' : 'disable'}`);
      flash(`已${verb} ${m.name}。`, true);
      await table.reload();
    } catch (err) { fail(err); }
  };
  const edit = (m) => drawForm(detail, m, () => table.reload());
  table = await searchTable(el.querySelector('#m-table'), {
    id: 'm', label: '查詢使用者',
    params: [
      { name: 'agency', label: '機關', type: 'select', options: [['', `${state.me.active.name}及所屬機關（全部）`]]
        .concat(agencies.map((a) => [a.code, `${a.name}（${a.code}）`, a.level])) },
      { name: 'q', label: '姓名或帳號', placeholder: '輸入部分文字' },
    ],
    actions: html`<button type="button" id="m-new" @click=${() => edit(null)}>新增使用者</button>`,
    columns: [
      { label: '帳號', cell: (m) => m.id },
      { label: '姓名', cell: (m) => m.name },
      { label: '職稱', cell: (m) => m.title || '' },
      { label: '所屬機關', cell: (m) => m.agencyName },
      { label: '兼辦機關', cell: (m) => (m.serves || []).map((c, i) => html`${i ? html`<br>` : nothing}${name(c)}`) },
      { label: '權限', cell: (m) => `${(m.grants[m.agency] || []).length} 項` },
      { label: '狀態', cell: (m) => (m.disabled ? html`<span class="badge off">已停用</span>` : html`<span class="badge">使用中</span>`) },
      { label: '動作', cell: (m) => html`<button type="button" class="secondary" data-edit @click=${() => edit(m)}>編輯</button>
        <button type="button" class="secondary" data-toggle @click=${() => toggle(m)}>${m.disabled ? '啟用' : '停用'}</button>
        <button type="button" class="secondary" data-audit @click=${() => drawAudit(detail, m).catch(fail)}>異動紀錄</button>` },
    ],
    rowAttr: 'member', rowKey: (m) => m.id,
    caption: (rows, more) => `共 ${rows.length} 位使用者${more ? '（尚有更多）' : ''}`,
    read: (q) => api('GET', '/api/members?' + q),
    empty: '沒有使用者。',
  });
  await drawStats(el.querySelector('#s-list'));
}

function grantBox(code, granted) {
  return html`<fieldset data-grants=${code}><legend>${name(code)} 的權限</legend>
    ${state.me.functions.map((f) => html`<label class="inline"><input type="checkbox" value=${f.id} ?checked=${granted.includes(f.id)}>
      ${f.id} ${f.name}</label>`)}</fieldset>`;
}

function drawForm(box, m, reload) {
  const editing = !!m;
  m = m || { id: '', name: '', email: '', title: '', agency: state.me.active.code, serves: [], grants: {} };
  const submit = async (e) => {
    e.preventDefault();
    const f = e.target;
    const agency = f.elements.agency.value;
    const body = {
      id: f.elements.id.value.trim(), name: f.elements.name.value.trim(),
      email: f.elements.email.value.trim(), title: f.elements.title.value.trim(), agency,
      serves: [...f.elements.serves.selectedOptions].map((o) => o.value).filter((c) => c !== agency),
      grants: collectGrants(box),
    };
    try {
      if (editing) await api('PUT', '/api/members/' + encodeURIComponent(m.id), body);
      else await api('POST', '/api/members', body);
      show(box, nothing);
      flash(`已儲存 ${body.name} 的資料與權限。`, true);
      await reload();
    } catch (err) { showError(f, err); }
  };
  const grants = () => {
    const f = box.querySelector('#m-form');
    const codes = [f.elements.agency.value, ...[...f.elements.serves.selectedOptions].map((o) => o.value)];
    const current = collectGrants(box);
    show(box.querySelector('#f-grants'), html`${[...new Set(codes)].map((c) => grantBox(c, current[c] || m.grants[c] || []))}`);
  };
  show(box, nothing);
  show(box, html`<form class="card" id="m-form" novalidate @submit=${submit}>
    <h2>${editing ? '編輯使用者' : '新增使用者'}</h2>
    <label for="f-id" class="req">帳號（人事服務網單一登入識別碼）</label>
    <input type="text" id="f-id" name="id" .value=${m.id} ?readonly=${editing} aria-describedby="err-id">${errorSlot('id')}
    <label for="f-name" class="req">姓名</label><input type="text" id="f-name" name="name" .value=${m.name} aria-describedby="err-name">${errorSlot('name')}
    <label for="f-email">電子郵件</label><input type="email" id="f-email" name="email" .value=${m.email || ''} aria-describedby="err-email">${errorSlot('email')}
    <label for="f-title">職稱</label><input type="text" id="f-title" name="title" .value=${m.title || ''}>${errorSlot('title')}
    <label for="f-agency" class="req">所屬機關</label>
    <select id="f-agency" name="agency" @change=${grants}>${agencies.map((a) => html`<option value=${a.code} ?selected=${a.code === m.agency}>${a.name}</option>`)}</select>${errorSlot('agency')}
    <label for="f-serves">兼辦機關（可複選）</label>
    <select id="f-serves" name="serves" multiple size="6" @change=${grants}>${agencies.map((a) => html`<option value=${a.code} ?selected=${(m.serves || []).includes(a.code)}>${a.name}</option>`)}</select>
    <div class="grants" id="f-grants"></div>${errorSlot('grants')}
    <p class="muted">只能授予您本身在「${state.me.active.name}」擁有的功能。</p>
    <p class="actions"><button type="submit">儲存</button><button type="button" class="secondary" id="f-cancel" @click=${() => show(box, nothing)}>取消</button></p>
  </form>`);
  grants();
  box.querySelector('#f-id').focus();
}

function collectGrants(box) {
  const out = {};
  for (const fs of box.querySelectorAll('[data-grants]')) {
    out[fs.dataset.grants] = [...fs.querySelectorAll('input:checked')].map((i) => i.value);
  }
  return out;
}

const actions = { create_member: '新增', update_member: '修改', disable_member: '停用', enable_member: '啟用', reset_password: '重設密碼', change_password: '變更密碼' };

async function drawAudit(box, m) {
  const { items } = await api('GET', `/api/members/${encodeURIComponent(m.id)}/audit`);
  show(box, html`<section class="card"><h2>${m.name} 的異動紀錄</h2>
    ${items.length ? html`<table><thead><tr><th scope="col">時間</th><th scope="col">動作</th><th scope="col">執行者</th><th scope="col">異動前</th><th scope="col">異動後</th></tr></thead><tbody>
    ${items.map((a) => html`<tr><td>${rocDateTime(a.at)}</td><td>${actions[a.action] || a.action}</td><td>${a.actor}</td>
      <td><small>${summary(a.before)}</small></td><td><small>${summary(a.after)}</small></td></tr>`)}</tbody></table>`
    : html`<p class="muted">沒有紀錄。</p>`}</section>`);
}

function summary(json) {
  if (!json) return '';
  try {
    const u = JSON.parse(json);
    const grants = Object.entries(u.grants || {}).map(([c, fs]) => `${name(c)}：${fs.join('、') || '無'}`).join('；');
    return `${u.name}／${name(u.agency)}${u.disabled ? '／已停用' : ''}／${grants}`;
  } catch { return json; }
}

async function drawStats(box) {
  const { items } = await api('GET', '/api/stats-accounts');
  let secret = null;
  const reset = async (s) => {
    if (!await confirmDialog(`確定要重設 ${s.username} 的密碼？原密碼將立即失效。`, { ok: '重設密碼', danger: true })) return;
    try {
      const { temporaryPassword } = await api('POST', `/api/stats-accounts/${encodeURIComponent(s.username)}/reset-password`);
      secret = { username: s.username, password: temporaryPassword };
      draw();
    } catch (err) { fail(err); }
  };
  const draw = () => show(box, items.length ? html`<table><thead><tr><th scope="col">帳號</th><th scope="col">名稱</th><th scope="col">機關</th><th scope="col">狀態</th><th scope="col">動作</th></tr></thead><tbody>
    ${items.map((s) => html`<tr data-stats=${s.username}><td>${s.username}</td><td>${s.name}</td><td>${name(s.agency)}</td>
      <td>${s.lockedUntil && new Date(s.lockedUntil) > now() ? html`<span class="badge off">鎖定中</span>` : html`<span class="badge">正常</span>`}</td>
      <td><button type="button" class="secondary" data-reset @click=${() => reset(s)}>重設密碼</button></td></tr>`)}</tbody></table>
    <div id="s-secret">${secret ? html`<p role="status">${secret.username} 的臨時密碼（只顯示這一次，首次登入須變更）：
      <span class="secret">${secret.password}</span></p>` : nothing}</div>`
    : html`<p class="muted">本機關沒有統計報表帳號。</p>`);
  draw();
}
