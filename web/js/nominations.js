// P3 薦送報名: pick the 機關薦送 classes the agency may nominate to, upload
// the list of staff (a job with a result per row per class), and see the
// agency's nominations. P4 is the progress query of these uploads.
import { api, download } from './api.js';
import { esc, rocDate, rocDateTime } from './format.js';
import { fail } from './app.js';
import { put, jobView, progressView } from './imports.js';

const statusText = { pending: '待審核', approved: '已核准', rejected: '已駁回' };

export async function nominationsView(el, rest = []) {
  if (rest[0] === 'job' && rest[1]) return jobView(el, rest[1], 'P3');
  const [{ items: classes }, { items: noms }] = await Promise.all([api('GET', '/api/nominations/classes'), api('GET', '/api/nominations')]);
  el.innerHTML = `<h1>薦送報名</h1>
    <form class="card" id="n-form" novalidate>
      <fieldset><legend>1. 選擇要薦送的班期（可複選）</legend>
        ${classes.length ? `<table><thead><tr><th scope="col">選擇</th><th scope="col">課程</th><th scope="col">上課日期</th><th scope="col">報名截止</th><th scope="col">名額</th></tr></thead><tbody>
          ${classes.map((c) => `<tr data-class="${esc(c.courseCode)}#${esc(c.session)}"><td><input type="checkbox" name="class" value="${esc(c.courseCode)}#${esc(c.session)}" aria-label="${esc(c.name)} 第 ${esc(c.session)} 期"></td>
            <td>${esc(c.name)}（${esc(c.courseCode)} 第 ${esc(c.session)} 期）</td><td>${rocDate(c.start)}～${rocDate(c.end)}</td>
            <td>${rocDate(c.enrollEnd)}</td><td>${c.enrolled || 0}／${c.capacity}</td></tr>`).join('')}</tbody></table>`
          : '<p class="muted">目前沒有本機關可薦送的班期（機關薦送、報名期間內、未限制其他機關）。</p>'}
        <div class="field-error" data-err="classes"></div></fieldset>
      <fieldset><legend>2. 上傳同仁名單</legend>
        <p><button type="button" class="secondary" id="n-template">下載 CSV 格式</button>
          <span class="muted small">欄位：身分證字號*、姓名*、備註；第一列請保留。</span></p>
        <label for="n-file">選擇檔案</label><input type="file" id="n-file" accept=".csv,text/csv">
        <div class="field-error" data-err="fileName"></div></fieldset>
      <p class="actions"><button type="submit" id="n-submit">上傳並薦送</button></p>
      <div id="n-progress" hidden><label for="n-bar">上傳進度</label><progress id="n-bar" max="100" value="0"></progress></div>
    </form>
    <section aria-labelledby="n-h"><h2 id="n-h">本機關的薦送紀錄</h2>
      ${noms.length ? `<table><thead><tr><th scope="col">薦送時間</th><th scope="col">班期</th><th scope="col">同仁</th><th scope="col">狀態</th></tr></thead><tbody>
        ${noms.map((n) => `<tr><td>${rocDateTime(n.at)}</td><td>${esc(n.className)}（${esc(n.courseCode)} 第 ${esc(n.session)} 期）</td>
          <td>${esc(n.personName)}</td><td>${esc(statusText[n.status] || n.status)}${n.reason ? `：${esc(n.reason)}` : ''}</td></tr>`).join('')}</tbody></table>`
        : '<p class="muted">尚無薦送紀錄。</p>'}</section>`;
  el.querySelector('#n-template').addEventListener('click', () => download('/api/imports/kinds/nominations/template', '薦送報名.csv').catch(fail));
  const f = el.querySelector('#n-form');
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const slot of f.querySelectorAll('[data-err]')) slot.textContent = '';
    const chosen = [...f.querySelectorAll('input[name=class]:checked')].map((x) => x.value);
    const file = el.querySelector('#n-file').files[0];
    if (!chosen.length) { f.querySelector('[data-err="classes"]').textContent = '請至少選擇一個班期。'; return; }
    if (!file) { f.querySelector('[data-err="fileName"]').textContent = '請選擇同仁名單檔案。'; return; }
    try {
      const up = await api('POST', '/api/imports', { kind: 'nominations', fileName: file.name, size: file.size, params: { classes: chosen.join(';') } });
      el.querySelector('#n-submit').disabled = true;
      el.querySelector('#n-progress').hidden = false;
      await put(up.url, file, (pct) => { el.querySelector('#n-bar').value = pct; });
      sessionStorage.setItem('lifelong.flash', `「${file.name}」已上傳；系統檢查後於夜間批次薦送。`);
      location.hash = `#/P3/job/${up.job.id}`;
    } catch (err) {
      el.querySelector('#n-submit').disabled = false;
      const slot = err.field && f.querySelector(`[data-err="${err.field}"]`);
      if (slot) slot.textContent = err.message;
      fail(err);
    }
  });
}

export function nominationJobsView(el, rest = []) {
  return progressView(el, rest, { base: 'P4', endpoint: '/api/imports/nomination-jobs', title: '薦送報名上傳進度查詢', only: 'nominations' });
}
