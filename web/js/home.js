// Home (H6 to-do counts, H7 announcements).
import { api } from './api.js';
import { esc, rocDate } from './format.js';
import { state } from './app.js';

export async function homeView(el) {
  const h = await api('GET', '/api/home');
  const me = state.me;
  const todo = (n, label, fid) => {
    const inner = `<span class="n">${n}</span><br>${esc(label)}`;
    return h.todoLinks[fid] ? `<a href="#/${fid}" data-todo="${fid}">${inner}</a>` : `<div data-todo="${fid}">${inner}</div>`;
  };
  el.innerHTML = `<h1>首頁</h1>
    <p class="muted">${esc(me.user.name)}，您好。目前服務機關：<strong>${esc(me.active.name)}</strong>（${esc(me.active.code)}）</p>
    <section class="card" aria-labelledby="todo-h"><h2 id="todo-h">待辦事項</h2>
      <div class="todo">
        ${todo(h.todo.pendingReview, '筆學習時數待複核（學習時數複核及修改）', 'P15')}
        ${todo(h.todo.corrections, '筆學習時數更正通知（成績下載）', 'P1')}
      </div></section>
    <section class="card" aria-labelledby="news-h"><h2 id="news-h">重要訊息</h2>
      ${h.announcements.length ? h.announcements.map((a) => `<details class="news" data-id="${esc(a.id)}">
        <summary><span class="date">${rocDate(a.publishAt)}</span>${esc(a.title)}</summary>
        <div class="body">${esc(a.body)}</div></details>`).join('') : '<p class="muted">目前沒有公告。</p>'}
    </section>
    <section class="card"><h2>使用手冊</h2>
      ${h.manual ? `<p>最新版本 ${esc(h.manual.version)}（${rocDate(h.manual.uploaded)} 更新）：請按上方「使用手冊」下載。</p>` : '<p class="muted">尚未上傳使用手冊。</p>'}
    </section>`;
}
