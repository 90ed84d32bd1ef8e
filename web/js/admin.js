// Portal administration (SYS): announcements (H7) and the manual (H5).
import { api } from './api.js';
import { esc, rocDateTime, toLocalInput, fromLocalInput } from './format.js';
import { flash, fail } from './app.js';
import { now as clockNow } from './clock.js';

function status(a) {
  const now = clockNow(); // announcements go live on the server's clock
  if (a.expiresAt && new Date(a.expiresAt) <= now) return '<span class="badge off">已下架</span>';
  if (new Date(a.publishAt) > now) return '<span class="badge">排程中</span>';
  return '<span class="badge">上架中</span>';
}

export async function announcementsView(el) {
  const { items } = await api('GET', '/api/announcements');
  el.innerHTML = `<h1>公告管理</h1>
    <p class="actions"><button type="button" id="a-new">新增公告</button></p>
    <div id="a-form"></div>
    <table><thead><tr><th>上架時間</th><th>標題</th><th>位置</th><th>下架時間</th><th>狀態</th><th>動作</th></tr></thead><tbody>
    ${items.map((a) => `<tr data-id="${esc(a.id)}"><td>${rocDateTime(a.publishAt)}</td><td>${esc(a.title)}</td>
      <td>${[a.backOffice && '後台', a.frontStage && '前台'].filter(Boolean).join('、')}</td>
      <td>${rocDateTime(a.expiresAt)}</td><td>${status(a)}</td>
      <td><button type="button" class="secondary" data-edit>編輯</button> <button type="button" class="danger" data-expire>立即下架</button></td></tr>`).join('')}
    </tbody></table>`;
  el.querySelector('#a-new').addEventListener('click', () => form(el, null));
  for (const tr of el.querySelectorAll('tr[data-id]')) {
    const a = items.find((x) => x.id === tr.dataset.id);
    tr.querySelector('[data-edit]').addEventListener('click', () => form(el, a));
    tr.querySelector('[data-expire]').addEventListener('click', async () => {
      try {
        await api('POST', `/api/announcements/${encodeURIComponent(a.id)}/expire`);
        await announcementsView(el);
        flash('公告已下架。', true);
      } catch (err) { fail(err); }
    });
  }
}

function form(el, a) {
  const box = el.querySelector('#a-form');
  a = a || { title: '', body: '', backOffice: true, frontStage: false };
  box.innerHTML = `<form class="card" novalidate><h2>${a.id ? '編輯公告' : '新增公告'}</h2>
    <label for="a-title" class="req">標題</label><input type="text" id="a-title" value="${esc(a.title)}" maxlength="100">
    <label for="a-body" class="req">內容</label><textarea id="a-body">${esc(a.body)}</textarea>
    <fieldset><legend>公告位置</legend>
      <label class="inline"><input type="checkbox" id="a-back"${a.backOffice ? ' checked' : ''}> 後台首頁</label>
      <label class="inline"><input type="checkbox" id="a-front"${a.frontStage ? ' checked' : ''}> 前台</label></fieldset>
    <label for="a-pub">上架時間（空白為立即）</label><input type="datetime-local" id="a-pub" value="${toLocalInput(a.publishAt)}">
    <label for="a-exp">下架時間（空白為不下架）</label><input type="datetime-local" id="a-exp" value="${toLocalInput(a.expiresAt)}">
    <p class="actions"><button type="submit">儲存</button></p></form>`;
  box.querySelector('form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { title: box.querySelector('#a-title').value, body: box.querySelector('#a-body').value,
      backOffice: box.querySelector('#a-back').checked, frontStage: box.querySelector('#a-front').checked,
      publishAt: fromLocalInput(box.querySelector('#a-pub').value), expiresAt: fromLocalInput(box.querySelector('#a-exp').value) };
    try {
      if (a.id) await api('PUT', `/api/announcements/${encodeURIComponent(a.id)}`, body);
      else await api('POST', '/api/announcements', body);
      await announcementsView(el);
      flash('公告已儲存。', true);
    } catch (err) { fail(err); }
  });
}

export async function manualView(el) {
  const home = await api('GET', '/api/home');
  el.innerHTML = `<h1>使用手冊管理</h1>
    <div class="card"><p>目前版本：${home.manual ? `${esc(home.manual.version)}（${esc(home.manual.filename)}，${rocDateTime(home.manual.uploaded)}）` : '尚未上傳'}</p></div>
    <form class="card" id="mu" novalidate><h2>上傳新版</h2>
      <label for="mu-file" class="req">檔案（PDF、ODT 或 DOCX）</label><input type="file" id="mu-file" accept=".pdf,.odt,.docx">
      <label for="mu-ver" class="req">版本</label><input type="text" id="mu-ver" placeholder="例：115.01">
      <p class="actions"><button type="submit">上傳並啟用</button></p><p id="mu-progress" class="muted" aria-live="polite"></p></form>`;
  el.querySelector('#mu').addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = el.querySelector('#mu-file').files[0];
    const version = el.querySelector('#mu-ver').value.trim();
    if (!file) { flash('請選擇檔案。'); return; }
    const progress = el.querySelector('#mu-progress');
    try {
      const up = await api('POST', '/api/home/manual/upload-url', { filename: file.name, version });
      progress.textContent = '上傳中…';
      const put = await fetch(up.url, { method: 'PUT', body: file, headers: { 'Content-Type': up.contentType } });
      if (!put.ok) throw new Error(`上傳失敗（${put.status}），請重試。`);
      await api('PUT', '/api/home/manual', { key: up.key, filename: file.name, version });
      await manualView(el);
      flash(`使用手冊 ${version} 已啟用。`, true);
    } catch (err) { progress.textContent = ''; fail(err); }
  });
}
