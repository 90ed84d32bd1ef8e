// Job-status panels: the export jobs of a kind (X1: status, conditions,
// password, download; polled while a job runs) and an upload's progress
// (X2: the file goes straight to S3 through a presigned PUT).
import { html, show, nothing } from '../lit.js';
import { api } from '../api.js';
import { rocDateTime } from '../format.js';
import { flash, fail } from '../shell.js';

let panels = 0; // each panel's heading has an id of its own (a report and its drill-downs each have one)

const exportStatus = { queued: '排隊中', running: '產製中', done: '已完成', failed: '失敗', too_large: '資料量過大' };

// exportJobs lists one's export jobs of a kind (or of several kinds, newest
// first: a report and its 匯出明細) in el and keeps the list current while a
// job runs; an 'exports:refresh' event on el reloads it.
export async function exportJobs(el, kind) {
  const kinds = [].concat(kind);
  let timer = null;
  const hid = `x-h-${++panels}`;
  const copy = async (password) => {
    try {
      await navigator.clipboard.writeText(password);
      flash('密碼已複製。', true);
    } catch { flash('無法自動複製，請手動選取密碼。'); }
  };
  const fetchFile = async (id) => {
    try {
      const { url } = await api('GET', `/api/exports/jobs/${encodeURIComponent(id)}/download`);
      location.assign(url);
    } catch (err) { fail(err); }
  };
  const draw = async () => {
    if (!el.isConnected) return; // the officer left the page
    const lists = await Promise.all(kinds.map((k) => api('GET', `/api/exports/${encodeURIComponent(k)}`)));
    const items = lists.flatMap((l) => l.items).sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
    const keepHours = lists[0].keepHours;
    show(el, html`<section class="card" aria-labelledby=${hid}><h2 id=${hid}>我的下載申請</h2>
      <p class="muted">檔案以 AES-256 加密壓縮（ZIP），請用 <strong>7-Zip</strong> 開啟並輸入該筆的密碼；
        Windows 檔案總管無法開啟此類加密檔。檔案保存 ${Math.round(keepHours / 24)} 天，下載連結 5 分鐘內有效。</p>
      ${items.length ? html`<table><thead><tr><th scope="col">申請時間</th><th scope="col">內容</th><th scope="col">條件</th><th scope="col">狀態</th><th scope="col">解壓縮密碼</th><th scope="col">下載</th></tr></thead><tbody>
      ${items.map((j) => html`<tr data-job=${j.id} data-status=${j.status}>
        <td>${rocDateTime(j.created)}</td><td>${j.title}</td>
        <td><small>${j.conditions.map((c, i) => html`${i ? html`<br>` : nothing}${c.label}：${c.value}`)}</small></td>
        <td>${exportStatus[j.status] || j.status}${j.status === 'done' ? `（${j.rows} 筆）` : ''}${j.error ? html`<br><small class="field-error">${j.error}</small>` : nothing}</td>
        <td>${j.status === 'done' ? html`<code class="secret" data-password>${j.password}</code> <button type="button" class="secondary" data-copy @click=${() => copy(j.password)}>複製密碼</button>` : nothing}</td>
        <td>${j.status === 'done' ? html`<button type="button" data-download @click=${() => fetchFile(j.id)}>下載 ${j.filename}</button>` : nothing}</td></tr>`)}
      </tbody></table>` : html`<p class="muted">尚無下載申請。</p>`}</section>`);
    clearTimeout(timer);
    if (items.some((j) => j.status === 'queued' || j.status === 'running')) timer = setTimeout(() => draw().catch(fail), 1500);
  };
  el.addEventListener('exports:refresh', () => draw().catch(fail));
  await draw();
}

// uploadFile sends a file to a presigned URL and shows its progress in el
// (fetch cannot report upload progress; XMLHttpRequest can).
export function uploadFile(el, url, file, contentType = 'text/csv') {
  const bar = (pct) => show(el, html`<div class="upload-progress"><label for="u-bar">上傳進度</label>
    <progress id="u-bar" max="100" .value=${pct}></progress> <span id="u-pct">${pct}%</span></div>`);
  bar(0);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.setRequestHeader('Content-Type', contentType);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar(Math.round((100 * e.loaded) / e.total)); };
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? (bar(100), resolve()) : reject(new Error(`上傳失敗（${xhr.status}），請重新上傳。`)));
    xhr.onerror = () => reject(new Error('上傳時網路中斷，請重新上傳。'));
    xhr.send(file);
  });
}

const importStatus = {
  uploading: '尚未上傳完成', staging: '檢查中', staged: '已檢查，待夜間批次處理', applying: '寫入中',
  done: '已完成', failed: '檔案未被接受',
};
export const importStatusText = (s) => importStatus[s] || s;

// importCounts is an upload job's counts as one line (or its file error).
export function importCounts(j) {
  if (j.status === 'failed') return html`<span class="field-error">${j.fileError}</span>`;
  if (j.status === 'uploading' || j.status === 'staging') return '—';
  return `共 ${j.rows} 列：成功 ${j.applied}、失敗 ${j.failed}、待處理 ${j.waiting}`;
}
