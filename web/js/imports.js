// Bulk uploads (X2): per job type an upload page (template, format page, file
// picker, upload progress, then the job); the progress query (L1); a job's
// counts, its rows (all, or the failed ones) and its two files.
import { api, download } from './api.js';
import { esc, rocDateTime } from './format.js';
import { fail } from './app.js';
import { pager } from './forms.js';
import { today, addDays } from './clock.js';

const statusText = {
  uploading: '尚未上傳完成', staging: '檢查中', staged: '已檢查，待夜間批次處理', applying: '寫入中',
  done: '已完成', failed: '檔案未被接受',
};
let kindsCache;
async function kinds() {
  if (!kindsCache) kindsCache = api('GET', '/api/imports/kinds');
  return kindsCache;
}

// uploadView draws the upload page of one or more job types; base is the
// menu entry (#/L2b), whose #/…/job/<id> shows a job.
export async function uploadView(el, ids, base, rest = [], intro = '') {
  if (rest[0] === 'job' && rest[1]) return jobView(el, rest[1], base);
  const all = (await kinds()).items;
  const mine = ids.map((id) => all.find((k) => k.id === id));
  const title = mine.length === 1 ? mine[0].name : mine.map((k) => k.name).join('／');
  el.innerHTML = `<h1>${esc(title)}</h1>${intro}
    <form class="card" id="u-form" novalidate>
      ${mine.length > 1 ? `<fieldset><legend>上傳種類</legend>${mine.map((k, i) =>
        `<label class="inline"><input type="radio" name="kind" value="${esc(k.id)}"${i === 0 ? ' checked' : ''}> ${esc(k.name)}</label>`).join('')}</fieldset>`
        : `<input type="hidden" name="kind" value="${esc(mine[0].id)}">`}
      <ol class="steps">
        <li><button type="button" class="secondary" id="u-template">下載 CSV 格式</button>
          <span class="muted small">第一列為欄位中文說明，請保留；「*」為必填欄位。</span></li>
        <li>依下方「上傳格式說明」填寫後存成 CSV 檔（Excel 存成的 Big5 或 UTF-8 皆可）。</li>
        <li><label for="u-file">選擇檔案</label><input type="file" id="u-file" name="file" accept=".csv,text/csv">
          <div class="field-error" data-err="fileName"></div><div class="field-error" data-err="size"></div></li>
      </ol>
      <p class="actions"><button type="submit" id="u-submit">上傳</button></p>
      <div id="u-progress" hidden><label for="u-bar">上傳進度</label><progress id="u-bar" max="100" value="0"></progress> <span id="u-pct">0%</span></div>
    </form>
    <p class="muted">批次上傳作業會於每日晚間進行；上傳後可在本頁下方或「學習資訊上傳進度查詢」查看進度與每一列的處理結果。</p>
    <section class="card" aria-labelledby="u-fmt-h"><h2 id="u-fmt-h">上傳格式說明</h2><div id="u-format"></div></section>`;
  const f = el.querySelector('#u-form');
  const kind = () => mine.find((k) => k.id === f.elements.kind.value) || mine[0];
  const drawFormat = () => {
    const k = kind();
    const t = k.layouts[0];
    el.querySelector('#u-format').innerHTML = `<p>${esc(k.note)}</p>
      <table><caption class="muted">${esc(t.name)}（共 ${t.columns.length} 欄，依序排列）</caption>
      <thead><tr><th scope="col">順序</th><th scope="col">欄位</th><th scope="col">必填</th><th scope="col">說明</th><th scope="col">範例</th></tr></thead><tbody>
      ${t.columns.map((c, i) => `<tr><td>${i + 1}</td><td>${esc(c.header)}</td><td>${c.required ? '<span class="req">必填</span>' : ''}</td>
        <td>${esc(c.help)}</td><td>${esc(c.example)}</td></tr>`).join('')}</tbody></table>
      ${k.layouts.length > 1 ? `<p class="muted small">另接受：${k.layouts.slice(1).map((l) => esc(l.name)).join('、')}（依標題列自動辨識）。</p>` : ''}`;
  };
  for (const r of f.querySelectorAll('input[name=kind]')) r.addEventListener('change', drawFormat);
  drawFormat();
  el.querySelector('#u-template').addEventListener('click', () => download(`/api/imports/kinds/${kind().id}/template`, kind().name + '.csv').catch(fail));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = f.elements.file.files[0];
    for (const slot of f.querySelectorAll('[data-err]')) slot.textContent = '';
    if (!file) { f.querySelector('[data-err="fileName"]').textContent = '請選擇要上傳的檔案。'; return; }
    try {
      const up = await api('POST', '/api/imports', { kind: kind().id, fileName: file.name, size: file.size });
      el.querySelector('#u-submit').disabled = true;
      el.querySelector('#u-progress').hidden = false;
      await put(up.url, file, (pct) => {
        el.querySelector('#u-bar').value = pct;
        el.querySelector('#u-pct').textContent = pct + '%';
      });
      sessionStorage.setItem('lifelong.flash', `「${file.name}」已上傳，系統正在檢查檔案內容。`);
      location.hash = `#/${base}/job/${up.job.id}`;
    } catch (err) {
      el.querySelector('#u-submit').disabled = false;
      const slot = err.field && f.querySelector(`[data-err="${err.field}"]`);
      if (slot) slot.textContent = err.message;
      fail(err);
    }
  });
}

// put sends the file to the presigned URL, reporting progress (fetch cannot).
export function put(url, file, progress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.setRequestHeader('Content-Type', 'text/csv');
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) progress(Math.round((100 * e.loaded) / e.total)); };
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? (progress(100), resolve()) : reject(new Error(`上傳失敗（${xhr.status}），請重新上傳。`)));
    xhr.onerror = () => reject(new Error('上傳時網路中斷，請重新上傳。'));
    xhr.send(file);
  });
}

function counts(j) {
  if (j.status === 'failed') return `<span class="field-error">${esc(j.fileError)}</span>`;
  if (j.status === 'uploading' || j.status === 'staging') return '—';
  return `共 ${j.rows} 列：成功 ${j.applied}、失敗 ${j.failed}、待處理 ${j.waiting}`;
}

export async function jobView(el, id, base) {
  const j = await api('GET', '/api/imports/jobs/' + encodeURIComponent(id));
  const all = (await kinds()).items;
  const k = all.find((x) => x.id === j.kind) || { name: j.kind };
  el.innerHTML = `<h1>上傳作業：${esc(j.fileName)}</h1>
    <div class="card" id="j-summary"><dl class="detail">
      <dt>作業種類</dt><dd>${esc(k.name)}</dd><dt>上傳時間</dt><dd>${rocDateTime(j.created)}（${esc(j.userName)}）</dd>
      <dt>狀態</dt><dd><span class="badge" data-status="${esc(j.status)}">${esc(statusText[j.status] || j.status)}</span></dd>
      <dt>筆數</dt><dd id="j-counts">${counts(j)}</dd>
      ${j.encoding ? `<dt>檔案編碼</dt><dd>${esc(j.encoding)}；${esc(j.layout || '')}</dd>` : ''}
      ${(j.extra || []).length ? `<dt>略過的欄位</dt><dd>${j.extra.map(esc).join('、')}${j.extraCount > j.extra.length ? `等 ${j.extraCount} 欄` : ''}（不認得的欄位，未處理）</dd>` : ''}
      ${j.finished ? `<dt>完成時間</dt><dd>${rocDateTime(j.finished)}</dd>` : ''}</dl>
      <p class="actions">
        <button type="button" class="secondary" id="j-original"${j.status === 'uploading' ? ' disabled' : ''}>下載原始檔案</button>
        <button type="button" class="secondary" id="j-result"${['uploading', 'staging', 'failed'].includes(j.status) ? ' disabled' : ''}>下載處理結果</button>
        <button type="button" class="secondary" id="j-failed"${j.failed ? '' : ' disabled'}>下載失敗資料（修正後可重新上傳）</button>
        <a class="button secondary" href="#/${esc(base)}">返回</a></p></div>
    <section aria-labelledby="j-rows-h"><h2 id="j-rows-h">逐列處理結果</h2>
      <label class="inline"><input type="checkbox" id="j-only-failed"${j.failed ? ' checked' : ''}> 只顯示失敗的列</label>
      <div id="j-rows"></div><div id="j-more"></div></section>`;
  // The API answers with a short-lived link; following it downloads the file.
  const link = async (path) => {
    try {
      const a = document.createElement('a');
      a.href = (await api('GET', path)).url;
      a.rel = 'noopener';
      document.body.append(a);
      a.click();
      a.remove();
    } catch (err) { fail(err); }
  };
  el.querySelector('#j-original').addEventListener('click', () => link(`/api/imports/jobs/${id}/original`));
  el.querySelector('#j-result').addEventListener('click', () => link(`/api/imports/jobs/${id}/result`));
  el.querySelector('#j-failed').addEventListener('click', () => link(`/api/imports/jobs/${id}/result?failed=1`));
  let rows = [];
  const load = async (next = '') => {
    const only = el.querySelector('#j-only-failed').checked;
    const page = await api('GET', `/api/imports/jobs/${id}/rows?failed=${only ? 1 : 0}${next ? '&next=' + next : ''}`);
    rows = next ? rows.concat(page.items) : page.items;
    el.querySelector('#j-rows').innerHTML = rows.length ? `<table><thead><tr><th scope="col">行號</th><th scope="col">結果</th><th scope="col">說明</th></tr></thead><tbody>
      ${rows.map((r) => `<tr data-line="${r.line}" data-status="${esc(r.status)}"><td>${r.line}</td>
        <td>${r.status === 'failed' ? '<span class="badge off">失敗</span>' : r.status === 'applied' ? '<span class="badge online">已寫入</span>' : '<span class="badge scheduled">待處理</span>'}</td>
        <td>${esc(r.message || '')}</td></tr>`).join('')}</tbody></table>`
      : `<p class="muted">${j.status === 'failed' ? '整個檔案未被接受，沒有逐列結果。' : only ? '沒有失敗的列。' : '尚無結果。'}</p>`;
    pager(el.querySelector('#j-more'), page.next, load);
  };
  el.querySelector('#j-only-failed').addEventListener('change', () => load().catch(fail));
  await load();
  if (j.status === 'uploading' || j.status === 'staging') {
    // The check runs when the file arrives; look again shortly.
    setTimeout(() => { if (el.isConnected && location.hash.endsWith('/job/' + id)) jobView(el, id, base).catch(fail); }, 1500);
  }
}

// progressView is L1 學習資訊上傳進度查詢 (and, for nominations only, P4).
export async function progressView(el, rest = [], { base = 'L1', endpoint = '/api/imports/jobs', title = '學習資訊上傳進度查詢', only = '' } = {}) {
  if (rest[0] === 'job' && rest[1]) return jobView(el, rest[1], base);
  const all = (await kinds()).items.filter((k) => !only || k.id === only);
  el.innerHTML = `<h1>${esc(title)}</h1>
    <form class="card" id="p-search" role="search" aria-label="查詢上傳作業"><div class="grid">
      <div><label for="p-from">上傳日期（起）</label><input type="date" id="p-from" name="from" value="${addDays(today(), -30)}"></div>
      <div><label for="p-to">上傳日期（迄）</label><input type="date" id="p-to" name="to" value="${today()}"></div>
      ${only ? '' : `<div><label for="p-kind">作業種類</label><select id="p-kind" name="kind"><option value="">全部</option>
        ${all.map((k) => `<option value="${esc(k.id)}">${esc(k.name)}</option>`).join('')}</select></div>`}
      <div><label for="p-q">檔案內容（關鍵字）</label><input type="text" id="p-q" name="q" placeholder="例如身分證字號、課程名稱"></div>
    </div><p class="actions"><button type="submit">查詢</button></p></form><div id="p-list"></div>`;
  const f = el.querySelector('#p-search');
  const load = async () => {
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(f)) if (v) q.set(k, v);
    const { items, truncated } = await api('GET', endpoint + '?' + q);
    el.querySelector('#p-list').innerHTML = items.length ? `<table><caption class="muted">共 ${items.length} 件${truncated ? '（只列最近 200 件，請縮小日期範圍）' : ''}</caption>
      <thead><tr><th scope="col">上傳時間</th><th scope="col">作業種類</th><th scope="col">檔案</th><th scope="col">上傳者</th><th scope="col">狀態</th><th scope="col">筆數</th></tr></thead><tbody>
      ${items.map((j) => `<tr data-job="${esc(j.id)}"><td>${rocDateTime(j.created)}</td><td>${esc((all.find((k) => k.id === j.kind) || {}).name || j.kind)}</td>
        <td><a href="#/${base}/job/${encodeURIComponent(j.id)}">${esc(j.fileName)}</a></td><td>${esc(j.userName)}</td>
        <td>${esc(statusText[j.status] || j.status)}</td><td>${counts(j)}</td></tr>`).join('')}</tbody></table>`
      : '<p class="card muted">沒有符合條件的上傳作業。</p>';
  };
  f.addEventListener('submit', (e) => { e.preventDefault(); load().catch(fail); });
  await load();
}

