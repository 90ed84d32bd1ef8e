// L5 報名准駁/下載名冊: the agency's classes of a year and the roster
// download (approval itself comes with the enrollment issue).
import { api } from './api.js';
import { esc, rocDate } from './format.js';
import { flash, fail } from './app.js';
import { exportsList } from './exports.js';

export async function rosterView(el) {
  const thisYear = new Date().getFullYear();
  el.innerHTML = `<h1>報名准駁/下載名冊</h1>
    <div class="card"><label for="r-year">年度</label>
      <select id="r-year">${[thisYear - 1, thisYear, thisYear + 1].map((y) => `<option value="${y}"${y === thisYear ? ' selected' : ''}>民國 ${y - 1911} 年</option>`).join('')}</select>
      <p class="muted">報名准駁功能建置中；本頁提供已核准學員的課程名冊下載。</p></div>
    <div id="r-classes"></div><div id="r-form"></div><div id="r-jobs"></div>`;
  const load = async () => {
    const { items } = await api('GET', '/api/classes?year=' + el.querySelector('#r-year').value);
    items.sort((a, b) => a.start.localeCompare(b.start) || a.courseCode.localeCompare(b.courseCode));
    el.querySelector('#r-classes').innerHTML = items.length ? `<table><caption class="muted">本機關開設的班期共 ${items.length} 班</caption>
      <thead><tr><th>課程代碼</th><th>期別</th><th>課程名稱</th><th>上課日期</th><th>地點</th><th>名額</th><th>名冊</th></tr></thead><tbody>
      ${items.map((c) => `<tr data-class="${esc(c.courseCode)}#${esc(c.session)}"><td>${esc(c.courseCode)}</td><td>${esc(c.session)}</td><td>${esc(c.name)}</td>
        <td>${rocDate(c.start)}～${rocDate(c.end)}</td><td>${esc(c.location)}</td><td>${c.capacity}</td>
        <td><button type="button" class="secondary" data-roster>下載名冊</button></td></tr>`).join('')}</tbody></table>`
      : '<p class="card muted">本年度沒有開設的班期。</p>';
    for (const tr of el.querySelectorAll('tr[data-class]')) {
      const c = items.find((x) => `${x.courseCode}#${x.session}` === tr.dataset.class);
      tr.querySelector('[data-roster]').addEventListener('click', () => form(el, c));
    }
  };
  el.querySelector('#r-year').addEventListener('change', () => load().catch(fail));
  await load();
  await exportsList(el.querySelector('#r-jobs'), 'roster');
}

function form(el, c) {
  const box = el.querySelector('#r-form');
  box.innerHTML = `<form class="card" id="r-request" novalidate>
    <h2>下載名冊：${esc(c.name)}（${esc(c.courseCode)} 第 ${esc(c.session)} 期）</h2>
    <label for="r-sort">排序</label>
    <select id="r-sort"><option value="name">依姓名筆畫</option><option value="agency">依服務機關（層級）再依姓名</option><option value="order">依報名順序</option></select>
    <fieldset><legend>檔案格式</legend>
      <label class="inline"><input type="radio" name="r-format" value="xlsx" checked> Excel（.xlsx）</label>
      <label class="inline"><input type="radio" name="r-format" value="ods"> ODF 試算表（.ods）</label>
      <label class="inline"><input type="radio" name="r-format" value="csv"> CSV（UTF-8）</label></fieldset>
    <p class="actions"><button type="submit">申請下載</button></p></form>`;
  box.querySelector('form').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('POST', '/api/exports/roster', {
        format: box.querySelector('input[name="r-format"]:checked').value,
        params: { courseCode: c.courseCode, session: c.session, sort: box.querySelector('#r-sort').value },
      });
      box.innerHTML = '';
      flash('已受理，檔案產製完成後即可於下方下載。', true);
      el.querySelector('#r-jobs').dispatchEvent(new Event('exports:refresh'));
    } catch (err) { fail(err); }
  });
}
