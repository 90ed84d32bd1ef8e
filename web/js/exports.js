// The list of one's export jobs of one kind (X1): status, conditions, the
// password with a copy button, and the download. The L5 roster uses it; P2
// (score downloads) and the other exports reuse it with their kind.
import { api } from './api.js';
import { esc, rocDateTime } from './format.js';
import { flash, fail } from './app.js';

const statusText = { queued: '排隊中', running: '產製中', done: '已完成', failed: '失敗', too_large: '資料量過大' };

export async function exportsList(el, kind) {
  let timer = null;
  const draw = async () => {
    if (!el.isConnected) return; // the officer left the page
    const { items, keepHours } = await api('GET', `/api/exports/${kind}`);
    el.innerHTML = `<section class="card" aria-labelledby="x-h"><h2 id="x-h">我的下載申請</h2>
      <p class="muted">檔案以 AES-256 加密壓縮（ZIP），請用 <strong>7-Zip</strong> 開啟並輸入該筆的密碼；
        Windows 檔案總管無法開啟此類加密檔。檔案保存 ${Math.round(keepHours / 24)} 天，下載連結 5 分鐘內有效。</p>
      ${items.length ? `<table><thead><tr><th>申請時間</th><th>內容</th><th>條件</th><th>狀態</th><th>解壓縮密碼</th><th>下載</th></tr></thead><tbody>
      ${items.map((j) => `<tr data-job="${esc(j.id)}" data-status="${esc(j.status)}">
        <td>${rocDateTime(j.created)}</td><td>${esc(j.title)}</td>
        <td><small>${j.conditions.map((c) => `${esc(c.label)}：${esc(c.value)}`).join('<br>')}</small></td>
        <td>${esc(statusText[j.status] || j.status)}${j.status === 'done' ? `（${j.rows} 筆）` : ''}${j.error ? `<br><small class="field-error">${esc(j.error)}</small>` : ''}</td>
        <td>${j.status === 'done' ? `<code class="secret" data-password>${esc(j.password)}</code> <button type="button" class="secondary" data-copy>複製密碼</button>` : ''}</td>
        <td>${j.status === 'done' ? `<button type="button" data-download>下載 ${esc(j.filename)}</button>` : ''}</td></tr>`).join('')}
      </tbody></table>` : '<p class="muted">尚無下載申請。</p>'}</section>`;
    for (const tr of el.querySelectorAll('tr[data-job]')) {
      const id = tr.dataset.job;
      tr.querySelector('[data-copy]')?.addEventListener('click', async () => {
        try {
          await navigator.clipboard.writeText(tr.querySelector('[data-password]').textContent);
          flash('密碼已複製。', true);
        } catch { flash('無法自動複製，請手動選取密碼。'); }
      });
      tr.querySelector('[data-download]')?.addEventListener('click', async () => {
        try {
          const { url } = await api('GET', `/api/exports/jobs/${encodeURIComponent(id)}/download`);
          location.assign(url);
        } catch (err) { fail(err); }
      });
    }
    clearTimeout(timer);
    if (items.some((j) => j.status === 'queued' || j.status === 'running')) timer = setTimeout(() => draw().catch(fail), 1500);
  };
  el.addEventListener('exports:refresh', () => draw().catch(fail));
  await draw();
}
