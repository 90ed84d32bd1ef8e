// Portal administration (SYS): announcements (H7, paged, searchable by
// title), the manual (H5) and the e-learning platforms' clients (自動時數上傳).
import { api } from './api.js';
import { html, show, nothing } from './lit.js';
import { rocDateTime, isoDate, taipeiTime, instant } from './format.js';
import { now } from './clock.js';
import { flash, fail } from './shell.js';
import { searchTable } from './ui/searchtable.js';
import { rocDateField, checkDates } from './ui/rocdate.js';
import { errorSlot, showError } from './ui/fields.js';
import { confirmDialog } from './ui/confirm.js';
import { uploadFile } from './ui/jobs.js';

// phase is where an announcement stands now (the server's clock).
function phase(a) {
  const t = now();
  if (a.expiresAt && new Date(a.expiresAt) <= t) return 'expired';
  if (new Date(a.publishAt) > t) return 'scheduled';
  return 'live';
}
const phaseBadge = { expired: html`<span class="badge off">已下架</span>`, scheduled: html`<span class="badge">排程中</span>`, live: html`<span class="badge">上架中</span>` };

export async function announcementsView(el) {
  show(el, html`<h1>公告管理</h1>
    <p class="actions"><button type="button" id="a-new" @click=${() => form(null)}>新增公告</button></p>
    <div id="a-form"></div><div id="a-table"></div>`);
  const box = el.querySelector('#a-form');
  let table;
  const expire = async (a) => {
    if (!await confirmDialog(`確定要立即下架「${a.title}」？`, { ok: '立即下架', danger: true })) return;
    try {
      await api('POST', `/api/announcements/${encodeURIComponent(a.id)}/expire`);
      await table.reload();
      flash('公告已下架。', true);
    } catch (err) { fail(err); }
  };
  const form = (a) => {
    a = a || { title: '', body: '', backOffice: true, frontStage: false };
    const submit = async (e) => {
      e.preventDefault();
      const f = e.target;
      if (!checkDates(f)) return;
      const body = { title: f.elements.title.value, body: f.elements.body.value,
        backOffice: f.elements.backOffice.checked, frontStage: f.elements.frontStage.checked,
        publishAt: instant(f.elements.publishAt.value, f.elements.publishTime.value) || undefined,
        expiresAt: instant(f.elements.expiresAt.value, f.elements.expiresTime.value || '23:59') || undefined };
      try {
        if (a.id) await api('PUT', `/api/announcements/${encodeURIComponent(a.id)}`, body);
        else await api('POST', '/api/announcements', body);
        show(box, nothing);
        await table.reload();
        flash('公告已儲存。', true);
      } catch (err) { showError(f, err); }
    };
    show(box, nothing); // a fresh form each time (another announcement's values must not linger)
    show(box, html`<form class="card" novalidate @submit=${submit}><h2>${a.id ? '編輯公告' : '新增公告'}</h2>
      <label for="a-title" class="req">標題</label><input type="text" id="a-title" name="title" .value=${a.title} maxlength="100" aria-describedby="err-title">${errorSlot('title')}
      <label for="a-body" class="req">內容</label><textarea id="a-body" name="body" .value=${a.body} aria-describedby="err-body"></textarea>${errorSlot('body')}
      <fieldset><legend>公告位置</legend>
        <label class="inline"><input type="checkbox" id="a-back" name="backOffice" ?checked=${a.backOffice}> 後台首頁</label>
        <label class="inline"><input type="checkbox" id="a-front" name="frontStage" ?checked=${a.frontStage}> 前台</label></fieldset>
      <div class="grid">
        ${rocDateField({ id: 'a-pub', name: 'publishAt', label: '上架日期（空白為立即）', value: isoDate(a.publishAt) })}
        <div><label for="a-pub-time">上架時間（時:分）</label><input type="time" id="a-pub-time" name="publishTime" .value=${taipeiTime(a.publishAt)}></div>
        ${rocDateField({ id: 'a-exp', name: 'expiresAt', label: '下架日期（空白為不下架）', value: isoDate(a.expiresAt) })}
        <div><label for="a-exp-time">下架時間（時:分）</label><input type="time" id="a-exp-time" name="expiresTime" .value=${taipeiTime(a.expiresAt)}></div>
      </div>
      <p class="actions"><button type="submit">儲存</button><button type="button" class="secondary" @click=${() => show(box, nothing)}>取消</button></p></form>`);
    box.querySelector('#a-title').focus();
  };
  table = await searchTable(el.querySelector('#a-table'), {
    id: 'an', label: '查詢公告',
    params: [{ name: 'q', label: '標題（部分文字）' }],
    columns: [
      { label: '上架時間', cell: (a) => rocDateTime(a.publishAt) },
      { label: '標題', cell: (a) => a.title },
      { label: '位置', cell: (a) => [a.backOffice && '後台', a.frontStage && '前台'].filter(Boolean).join('、') },
      { label: '下架時間', cell: (a) => rocDateTime(a.expiresAt) },
      { label: '狀態', cell: (a) => phaseBadge[phase(a)] },
      { label: '動作', cell: (a) => html`<button type="button" class="secondary" data-edit @click=${() => form(a)}>編輯</button>
        ${phase(a) !== 'expired' ? html`<button type="button" class="danger" data-expire @click=${() => expire(a)}>立即下架</button>` : nothing}` },
    ],
    rowAttr: 'id', rowKey: (a) => a.id,
    read: (q) => api('GET', '/api/announcements?' + q),
    empty: '沒有公告。',
  });
}

export async function manualView(el) {
  const home = await api('GET', '/api/home');
  const submit = async (e) => {
    e.preventDefault();
    const file = el.querySelector('#mu-file').files[0];
    const version = el.querySelector('#mu-ver').value.trim();
    if (!file) { flash('請選擇檔案。'); return; }
    const progress = el.querySelector('#mu-progress');
    try {
      const up = await api('POST', '/api/home/manual/upload-url', { filename: file.name, version });
      await uploadFile(progress, up.url, file, up.contentType);
      await api('PUT', '/api/home/manual', { key: up.key, filename: file.name, version });
      await manualView(el);
      flash(`使用手冊 ${version} 已啟用。`, true);
    } catch (err) { show(progress, nothing); fail(err); }
  };
  show(el, html`<h1>使用手冊管理</h1>
    <div class="card"><p>目前版本：${home.manual ? `${home.manual.version}（${home.manual.filename}，${rocDateTime(home.manual.uploaded)}）` : '尚未上傳'}</p></div>
    <form class="card" id="mu" novalidate @submit=${submit}><h2>上傳新版</h2>
      <label for="mu-file" class="req">檔案（PDF、ODT 或 DOCX）</label><input type="file" id="mu-file" accept=".pdf,.odt,.docx">
      <label for="mu-ver" class="req">版本</label><input type="text" id="mu-ver" placeholder="例：115.01">
      <p class="actions"><button type="submit">上傳並啟用</button></p><div id="mu-progress" aria-live="polite"></div></form>`);
}

const clientState = { active: html`<span class="badge online">使用中</span>`, revoked: html`<span class="badge off">已停用</span>` };

// platformClientsView registers the e-learning platforms that push learners'
// hours (自動時數上傳): the secret is shown once, right after registering,
// and never again (the server keeps only its hash); 停用 ends the client's
// tokens at once.
export async function platformClientsView(el) {
  let secret = null; // { id, name, secret } of the client just registered
  const revoke = async (c) => {
    if (!await confirmDialog(`確定要停用「${c.name}」？停用後該平臺的存取權杖立即失效，且無法再取得新權杖。`, { ok: '停用', danger: true })) return;
    try {
      await api('POST', `/api/platform-clients/${encodeURIComponent(c.id)}/revoke`);
      secret = null;
      await draw();
      flash(`「${c.name}」已停用。`, true);
    } catch (err) { fail(err); }
  };
  const submit = async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      const out = await api('POST', '/api/platform-clients', { name: f.elements.name.value, agency: f.elements.agency.value, national: f.elements.national.checked });
      secret = { id: out.client.id, name: out.client.name, secret: out.secret };
      await draw();
      el.querySelector('#pc-secret').focus();
    } catch (err) { showError(f, err); }
  };
  const draw = async () => {
    const list = (await api('GET', '/api/platform-clients')).items;
    show(el, html`<h1>數位學習平臺用戶端</h1>
      <p class="muted">數位學習平臺（例如 E等公務園+）以用戶端代碼與密鑰取得存取權杖，自動上傳學員的認證時數；上傳的批次列在所屬機關的「學習資訊上傳進度查詢」（自動時數上傳）。</p>
      ${secret ? html`<div class="card" id="pc-secret" tabindex="-1" role="status"><h2>「${secret.name}」已註冊</h2>
        <dl class="detail"><dt>用戶端代碼</dt><dd><code id="pc-new-id">${secret.id}</code></dd>
        <dt>用戶端密鑰</dt><dd><code id="pc-new-secret">${secret.secret}</code></dd></dl>
        <p><strong>密鑰只顯示這一次</strong>，系統只保存其雜湊值，無法再查詢；請立即複製並以安全管道交給平臺。遺失時請停用後重新註冊。</p>
        <p class="actions"><button type="button" class="secondary" id="pc-done" @click=${() => { secret = null; draw().catch(fail); }}>我已妥善保存</button></p></div>` : nothing}
      <form class="card" id="pc-form" novalidate @submit=${submit}><h2>註冊平臺</h2>
        <div class="grid">
          <div><label for="pc-name" class="req">平臺名稱</label><input type="text" id="pc-name" name="name" maxlength="50" aria-describedby="err-name">${errorSlot('name')}</div>
          <div><label for="pc-agency" class="req">所屬機關代碼</label><input type="text" id="pc-agency" name="agency" maxlength="10" placeholder="例：A09010000E" aria-describedby="err-agency">${errorSlot('agency')}</div>
        </div>
        <p><label><input type="checkbox" id="pc-national" name="national"> 全國性平臺：可上傳所有機關同仁的時數（例如 E等公務園+）；未勾選者只能上傳所屬機關及其所屬機關同仁的時數</label></p>
        <p class="actions"><button type="submit">註冊並產生密鑰</button></p></form>
      ${list.length ? html`<table class="data" id="pc-list"><caption class="muted">共 ${list.length} 個平臺</caption>
        <thead><tr><th scope="col">平臺名稱</th><th scope="col">用戶端代碼</th><th scope="col">所屬機關</th><th scope="col">服務範圍</th><th scope="col">註冊時間</th><th scope="col">狀態</th><th scope="col">動作</th></tr></thead>
        <tbody>${list.map((c) => html`<tr data-client=${c.id} data-state=${c.state}><td>${c.name}</td><td><code>${c.id}</code></td>
          <td>${c.agencyName}（${c.agency}）</td><td data-scope>${c.national ? '全國（所有機關）' : '所屬機關及其所屬機關'}</td><td>${rocDateTime(c.created)}</td><td>${clientState[c.state] || c.state}</td>
          <td>${c.state === 'active' ? html`<button type="button" class="danger" data-revoke @click=${() => revoke(c)}>停用</button>` : rocDateTime(c.revokedAt)}</td></tr>`)}</tbody></table>`
        : html`<p class="muted">尚未註冊任何平臺。</p>`}`);
  };
  await draw();
}
