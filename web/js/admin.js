// Portal administration (SYS): announcements (H7, paged, searchable by
// title) and the manual (H5).
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
