// Bulk uploads (X2): per job type an upload page (template, format page, file
// picker, upload progress, then the job); the progress query (L1, whose
// job-type filter lists every type the server knows); a job's counts, its
// rows (all, or the failed ones; paged) and its two files.
import { api, download } from './api.js';
import { html, show, nothing } from './lit.js';
import { rocDateTime } from './format.js';
import { today, addDays } from './clock.js';
import { fail, go } from './shell.js';
import { searchTable } from './ui/searchtable.js';
import { errorSlot, clearErrors, markError } from './ui/fields.js';
import { uploadFile, importCounts, importStatusText } from './ui/jobs.js';

// What an applied row did to the learning records (learner-hour types and 自動時數上傳).
const changeText = { added: '（新增）', updated: '（更新）' };

let kindsCache;
async function kinds() {
  if (!kindsCache) kindsCache = api('GET', '/api/imports/kinds');
  return kindsCache;
}

// uploadView draws the upload page of one or more job types; base is the
// menu entry (#/L2b), whose #/…/job/<id> shows a job.
export async function uploadView(el, ids, base, rest = [], intro = nothing) {
  if (rest[0] === 'job' && rest[1]) return jobView(el, rest[1], base);
  const all = (await kinds()).items;
  const mine = ids.map((id) => all.find((k) => k.id === id));
  const title = mine.length === 1 ? mine[0].name : mine.map((k) => k.name).join('／');
  let kind = mine[0];
  const submit = async (e) => {
    e.preventDefault();
    const f = e.target;
    const file = f.elements.file.files[0];
    clearErrors(f);
    if (!file) { markError(f, 'fileName', '請選擇要上傳的檔案。'); return; }
    const button = f.querySelector('#u-submit');
    try {
      const up = await api('POST', '/api/imports', { kind: kind.id, fileName: file.name, size: file.size });
      button.disabled = true;
      await uploadFile(f.querySelector('#u-progress'), up.url, file);
      go(`#/${base}/job/${up.job.id}`, `「${file.name}」已上傳，系統正在檢查檔案內容。`);
    } catch (err) {
      button.disabled = false;
      if (err.field) markError(f, err.field, err.message);
      fail(err);
    }
  };
  const draw = () => {
    const t = kind.layouts[0];
    show(el, html`<h1>${title}</h1>${intro}
    <form class="card" id="u-form" novalidate @submit=${submit}>
      ${mine.length > 1 ? html`<fieldset><legend>上傳種類</legend>${mine.map((k) =>
        html`<label class="inline"><input type="radio" name="kind" value=${k.id} ?checked=${k === kind} @change=${() => { kind = k; draw(); }}> ${k.name}</label>`)}</fieldset>` : nothing}
      <ol class="steps">
        <li><button type="button" class="secondary" id="u-template" @click=${() => download(`/api/imports/kinds/${kind.id}/template`, kind.name + '.csv').catch(fail)}>下載 CSV 格式</button>
          <span class="muted small">第一列為欄位中文說明，請保留；「*」為必填欄位。</span></li>
        <li>依下方「上傳格式說明」填寫後存成 CSV 檔（Excel 存成的 Big5 或 UTF-8 皆可）。</li>
        <li><label for="u-file">選擇檔案</label><input type="file" id="u-file" name="file" accept=".csv,text/csv" aria-describedby="err-fileName err-size">
          ${errorSlot('fileName')}${errorSlot('size')}</li>
      </ol>
      <p class="actions"><button type="submit" id="u-submit">上傳</button></p>
      <div id="u-progress" aria-live="polite"></div>
    </form>
    <p class="muted">批次上傳作業會於每日晚間進行；上傳後可在本頁下方或「學習資訊上傳進度查詢」查看進度與每一列的處理結果。</p>
    <section class="card" aria-labelledby="u-fmt-h"><h2 id="u-fmt-h">上傳格式說明</h2><div id="u-format"><p>${kind.note}</p>
      <table><caption class="muted">${t.name}（共 ${t.columns.length} 欄，依序排列）</caption>
      <thead><tr><th scope="col">順序</th><th scope="col">欄位</th><th scope="col">必填</th><th scope="col">說明</th><th scope="col">範例</th></tr></thead><tbody>
      ${t.columns.map((c, i) => html`<tr><td>${i + 1}</td><td>${c.header}</td><td>${c.required ? html`<span class="req">必填</span>` : nothing}</td>
        <td>${c.help}</td><td>${c.example}</td></tr>`)}</tbody></table>
      ${kind.layouts.length > 1 ? html`<p class="muted small">另接受：${kind.layouts.slice(1).map((l) => l.name).join('、')}（依標題列自動辨識）。</p>` : nothing}</div></section>`);
  };
  draw();
}

// follow polls a task the import worker runs until it is done, and answers
// it; a failed task throws its reason; null when the officer left the page.
async function follow(path, el) {
  for (;;) {
    const t = await api('GET', path);
    if (t.status === 'done') return t;
    if (t.status === 'failed') throw new Error(t.error || '處理失敗，請重新操作。');
    await new Promise((r) => setTimeout(r, 1000));
    if (!el.isConnected) return null;
  }
}

// openLink follows a short-lived link; the file downloads.
function openLink(url) {
  const a = document.createElement('a');
  a.href = url;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
}

export async function jobView(el, id, base) {
  const j = await api('GET', '/api/imports/jobs/' + encodeURIComponent(id));
  const all = (await kinds()).items;
  const k = all.find((x) => x.id === j.kind) || { name: j.kind };
  // The API answers with a short-lived link; following it downloads the file.
  const link = async (path) => {
    try {
      openLink((await api('GET', path)).url);
    } catch (err) { fail(err); }
  };
  // A result file is written by the import worker (unless the file of the
  // job as it is now was written before): the button says 產生中… meanwhile.
  const result = async (e, failed) => {
    const button = e.currentTarget;
    const label = button.textContent;
    button.disabled = true;
    button.textContent = '產生中…';
    try {
      let t = await api('POST', `/api/imports/jobs/${encodeURIComponent(id)}/result`, { failed });
      if (!t.url) t = await follow('/api/imports/results/' + encodeURIComponent(t.id), button);
      if (t) openLink(t.url);
    } catch (err) { fail(err); } finally {
      button.disabled = false;
      button.textContent = label;
    }
  };
  let rows = [];
  let next = '';
  let onlyFailed = j.failed > 0;
  const load = async (cursor = '') => {
    const page = await api('GET', `/api/imports/jobs/${encodeURIComponent(id)}/rows?failed=${onlyFailed ? 1 : 0}${cursor ? '&next=' + encodeURIComponent(cursor) : ''}`);
    rows = cursor ? rows.concat(page.items) : page.items;
    next = page.next || '';
    draw();
  };
  const badge = (r) => (r.status === 'failed' ? html`<span class="badge off">失敗</span>`
    : r.status === 'applied' ? html`<span class="badge online" data-change=${r.change || ''}>已寫入${changeText[r.change] || ''}</span>`
      : html`<span class="badge scheduled">待處理</span>`);
  const draw = () => show(el, html`<h1>上傳作業：${j.fileName}</h1>
    <div class="card" id="j-summary"><dl class="detail">
      <dt>作業種類</dt><dd>${k.name}</dd><dt>上傳時間</dt><dd>${rocDateTime(j.created)}（${j.userName}）</dd>
      <dt>狀態</dt><dd><span class="badge" data-status=${j.status}>${importStatusText(j.status)}</span></dd>
      <dt>筆數</dt><dd id="j-counts">${importCounts(j)}</dd>
      ${j.encoding ? html`<dt>檔案編碼</dt><dd>${j.encoding}；${j.layout || ''}</dd>` : nothing}
      ${(j.extra || []).length ? html`<dt>略過的欄位</dt><dd>${j.extra.join('、')}（不認得的欄位，未處理）</dd>` : nothing}
      ${j.finished ? html`<dt>完成時間</dt><dd>${rocDateTime(j.finished)}</dd>` : nothing}</dl>
      <p class="actions">
        <button type="button" class="secondary" id="j-original" ?disabled=${j.status === 'uploading'} @click=${() => link(`/api/imports/jobs/${id}/original`)}>下載原始檔案</button>
        <button type="button" class="secondary" id="j-result" ?disabled=${['uploading', 'staging', 'failed'].includes(j.status)} @click=${(e) => result(e, false)}>下載處理結果</button>
        <button type="button" class="secondary" id="j-failed" ?disabled=${!j.failed} @click=${(e) => result(e, true)}>下載失敗資料（修正後可重新上傳）</button>
        <a class="button secondary" href=${'#/' + base}>返回</a></p></div>
    <section aria-labelledby="j-rows-h"><h2 id="j-rows-h">逐列處理結果</h2>
      <label class="inline"><input type="checkbox" id="j-only-failed" .checked=${onlyFailed} @change=${(e) => { onlyFailed = e.target.checked; load().catch(fail); }}> 只顯示失敗的列</label>
      <div id="j-rows">${rows.length ? html`<table><caption class="muted">已列出 ${rows.length} 列${next ? '（尚有更多）' : ''}</caption>
        <thead><tr><th scope="col">行號</th><th scope="col">結果</th><th scope="col">說明</th></tr></thead><tbody>
        ${rows.map((r) => html`<tr data-line=${r.line} data-status=${r.status}><td>${r.line}</td><td>${badge(r)}</td><td>${r.message || ''}</td></tr>`)}</tbody></table>`
        : html`<p class="muted">${j.status === 'failed' ? '整個檔案未被接受，沒有逐列結果。' : onlyFailed ? '沒有失敗的列。' : '尚無結果。'}</p>`}</div>
      <div id="j-more">${next ? html`<p class="actions"><button type="button" class="secondary" data-more @click=${() => load(next).catch(fail)}>下一頁</button></p>` : nothing}</div></section>`);
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
  const name = (id) => (all.find((k) => k.id === id) || {}).name || id;
  let truncated = false;
  show(el, html`<h1>${title}</h1><p id="p-status" class="muted" role="status" aria-live="polite"></p><div id="p-table"></div>`);
  const status = el.querySelector('#p-status');
  // A text in the files is searched by the import worker: the list follows
  // the search (搜尋中…) and shows the jobs it found.
  const search = async (q) => {
    const body = { q: q.get('q') };
    for (const k of ['from', 'to', 'kind']) if (q.get(k)) body[k] = q.get(k);
    if (only) body.kind = only;
    status.textContent = '搜尋中…（檔案內容搜尋需要一些時間，請稍候）';
    try {
      const t = await api('POST', '/api/imports/searches', body);
      const done = await follow('/api/imports/searches/' + encodeURIComponent(t.id), status);
      status.textContent = '';
      return { items: (done && done.items) || [], truncated: !!(done && done.truncated) };
    } catch (err) {
      status.textContent = '';
      throw err;
    }
  };
  await searchTable(el.querySelector('#p-table'), {
    id: 'p', label: '查詢上傳作業',
    params: [
      { name: 'from', label: '上傳日期（起）', type: 'date', value: addDays(today(), -30) },
      { name: 'to', label: '上傳日期（迄）', type: 'date', value: today() },
      ...(only ? [] : [{ name: 'kind', label: '作業種類', type: 'select', options: [['', '全部']].concat(all.map((k) => [k.id, k.name])) }]),
      { name: 'q', label: '檔案內容（關鍵字）', placeholder: '例如身分證字號、課程名稱', max: 100 },
    ],
    columns: [
      { label: '上傳時間', cell: (j) => rocDateTime(j.created), class: 'nowrap' },
      { label: '作業種類', cell: (j) => name(j.kind) },
      { label: '檔案', cell: (j) => html`<a href=${`#/${base}/job/${encodeURIComponent(j.id)}`}>${j.fileName}</a>` },
      { label: '上傳者', cell: (j) => j.userName },
      { label: '狀態', cell: (j) => importStatusText(j.status) },
      { label: '筆數', cell: importCounts },
    ],
    rowAttr: 'job', rowKey: (j) => j.id,
    caption: (rows) => `共 ${rows.length} 件${truncated ? '（只列最近 200 件，請縮小日期範圍）' : ''}`,
    read: async (q) => {
      const page = q.get('q') ? await search(q) : await api('GET', endpoint + '?' + q);
      truncated = !!page.truncated;
      return { items: page.items, next: '' };
    },
    empty: '沒有符合條件的上傳作業。',
  });
}
