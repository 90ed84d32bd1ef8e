// P3 薦送報名: pick the 機關薦送 classes the agency may nominate to, upload
// the list of staff (a job with a result per row per class), and see the
// agency's nominations. P4 is the progress query of these uploads.
import { api, download } from './api.js';
import { html, show, nothing } from './lit.js';
import { rocDate, rocDateTime } from './format.js';
import { fail, go } from './shell.js';
import { errorSlot, clearErrors, markError } from './ui/fields.js';
import { uploadFile } from './ui/jobs.js';
import { jobView, progressView } from './imports.js';

const statusText = { pending: '待審核', approved: '已核准', rejected: '已駁回' };

export async function nominationsView(el, rest = []) {
  if (rest[0] === 'job' && rest[1]) return jobView(el, rest[1], 'P3');
  const [{ items: classes }, { items: noms }] = await Promise.all([api('GET', '/api/nominations/classes'), api('GET', '/api/nominations')]);
  const submit = async (e) => {
    e.preventDefault();
    const f = e.target;
    clearErrors(f);
    const chosen = [...f.querySelectorAll('input[name=class]:checked')].map((x) => x.value);
    const file = el.querySelector('#n-file').files[0];
    if (!chosen.length) { markError(f, 'classes', '請至少選擇一個班期。'); return; }
    if (!file) { markError(f, 'fileName', '請選擇同仁名單檔案。'); return; }
    const button = el.querySelector('#n-submit');
    try {
      const up = await api('POST', '/api/imports', { kind: 'nominations', fileName: file.name, size: file.size, params: { classes: chosen.join(';') } });
      button.disabled = true;
      await uploadFile(el.querySelector('#n-progress'), up.url, file);
      go(`#/P3/job/${up.job.id}`, `「${file.name}」已上傳；系統檢查後於夜間批次薦送。`);
    } catch (err) {
      button.disabled = false;
      if (err.field) markError(f, err.field, err.message);
      fail(err);
    }
  };
  show(el, html`<h1>薦送報名</h1>
    <form class="card" id="n-form" novalidate @submit=${submit}>
      <fieldset><legend>1. 選擇要薦送的班期（可複選）</legend>
        ${classes.length ? html`<table><thead><tr><th scope="col">選擇</th><th scope="col">課程</th><th scope="col">上課日期</th><th scope="col">報名截止</th><th scope="col">名額</th></tr></thead><tbody>
          ${classes.map((c) => html`<tr data-class=${`${c.courseCode}#${c.session}`}><td><input type="checkbox" name="class" value=${`${c.courseCode}#${c.session}`} aria-label=${`${c.name} 第 ${c.session} 期`}></td>
            <td>${c.name}（${c.courseCode} 第 ${c.session} 期）</td><td class="nowrap">${rocDate(c.start)}～${rocDate(c.end)}</td>
            <td class="nowrap">${rocDate(c.enrollEnd)}</td><td>${c.enrolled || 0}／${c.capacity}</td></tr>`)}</tbody></table>`
          : html`<p class="muted">目前沒有本機關可薦送的班期（機關薦送、報名期間內、未限制其他機關）。</p>`}
        ${errorSlot('classes')}</fieldset>
      <fieldset><legend>2. 上傳同仁名單</legend>
        <p><button type="button" class="secondary" id="n-template" @click=${() => download('/api/imports/kinds/nominations/template', '薦送報名.csv').catch(fail)}>下載 CSV 格式</button>
          <span class="muted small">欄位：身分證字號*、姓名*、備註；第一列請保留。</span></p>
        <label for="n-file">選擇檔案</label><input type="file" id="n-file" name="file" accept=".csv,text/csv" aria-describedby="err-fileName">
        ${errorSlot('fileName')}</fieldset>
      <p class="actions"><button type="submit" id="n-submit">上傳並薦送</button></p>
      <div id="n-progress" aria-live="polite"></div>
    </form>
    <section aria-labelledby="n-h"><h2 id="n-h">本機關的薦送紀錄</h2>
      ${noms.length ? html`<table><thead><tr><th scope="col">薦送時間</th><th scope="col">班期</th><th scope="col">同仁</th><th scope="col">狀態</th></tr></thead><tbody>
        ${noms.map((n) => html`<tr><td class="nowrap">${rocDateTime(n.at)}</td><td>${n.className}（${n.courseCode} 第 ${n.session} 期）</td>
          <td class="nowrap">${n.personName}</td><td>${statusText[n.status] || n.status}${n.reason ? `：${n.reason}` : ''}</td></tr>`)}</tbody></table>`
        : html`<p class="muted">尚無薦送紀錄。</p>`}</section>`);
}

export function nominationJobsView(el, rest = []) {
  return progressView(el, rest, { base: 'P4', endpoint: '/api/imports/nomination-jobs', title: '薦送報名上傳進度查詢', only: 'nominations' });
}
