// Home (H6 to-do counts, H7 announcements, paged); statistics accounts have
// a home of their own (they hold no officer function, so /api/home is not
// theirs).
import { api } from './api.js';
import { html, show, nothing } from './lit.js';
import { rocDate } from './format.js';
import { state, fail } from './shell.js';

export async function homeView(el) {
  const h = await api('GET', '/api/home');
  const me = state.me;
  let news = h.announcements;
  let next = h.announcementsNext || '';
  const more = async () => {
    const page = await api('GET', '/api/home?next=' + encodeURIComponent(next));
    news = news.concat(page.announcements);
    next = page.announcementsNext || '';
    draw();
  };
  const todo = (n, label, fid, preset = '', year = nothing) => {
    const inner = html`<span class="n">${n}</span><br>${label}`;
    return h.todoLinks[fid] ? html`<a href=${'#/' + fid + preset} data-todo=${fid} data-year=${year}>${inner}</a>`
      : html`<div data-todo=${fid} data-year=${year}>${inner}</div>`;
  };
  // P1 lists one year's notices at a time: a line per year with notices,
  // each opening P1 with its year and 僅更正通知 (0 when there are none).
  const byYear = h.todo.correctionsByYear || [];
  const corrections = byYear.length
    ? byYear.map((c) => todo(c.count, `筆民國 ${c.year - 1911} 年學習時數更正通知（成績下載）`, 'P1', `/year=${c.year}/notices=1`, String(c.year)))
    : todo(0, '筆學習時數更正通知（成績下載）', 'P1', '/notices=1');
  const draw = () => show(el, html`<h1>首頁</h1>
    <p class="muted">${me.user.name}，您好。目前服務機關：<strong>${me.active.name}</strong>（${me.active.code}）</p>
    <section class="card" aria-labelledby="todo-h"><h2 id="todo-h">待辦事項</h2>
      <div class="todo">
        ${todo(h.todo.pendingReview, '筆學習時數待複核（學習時數複核及修改）', 'P15')}
        ${corrections}
      </div></section>
    <section class="card" aria-labelledby="news-h"><h2 id="news-h">重要訊息</h2>
      ${news.length ? news.map((a) => html`<details class="news" data-id=${a.id}>
        <summary><span class="date">${rocDate(a.publishAt)}</span>${a.title}</summary>
        <div class="body">${a.body}</div></details>`) : html`<p class="muted">目前沒有公告。</p>`}
      ${next ? html`<p class="actions"><button type="button" class="secondary" data-more @click=${() => more().catch(fail)}>更多公告</button></p>` : nothing}
    </section>
    <section class="card"><h2>使用手冊</h2>
      ${h.manual ? html`<p>最新版本 ${h.manual.version}（${rocDate(h.manual.uploaded)} 更新）：請按上方「使用手冊」下載。</p>` : html`<p class="muted">尚未上傳使用手冊。</p>`}
    </section>`);
  draw();
}

// statsHomeView is where a statistics account lands: who it is and the
// reports granted to it (each opens the report screen).
export async function statsHomeView(el) {
  const me = state.me;
  show(el, html`<h1>統計報表</h1>
    <p class="muted">${me.user.name}，您好。${me.active && me.active.name ? html`資料範圍：<strong>${me.active.name}</strong>` : nothing}</p>
    <section class="card" aria-labelledby="reports-h"><h2 id="reports-h">我的報表</h2>
      <ul class="reports">${me.functions.filter((f) => f.id !== 'S1').map((f) => html`<li><a href=${'#/' + f.id}>${f.name}</a>（${f.id}）</li>`)}</ul>
      <p class="muted small">報表的資料範圍為本帳號所屬機關及其所屬機關；如需修改密碼，請按上方「修改密碼」。</p></section>`);
}
