// L7 數位教材資訊通報: every agency's digital materials to search and view;
// only the reporting agency edits its own.
import { api } from './api.js';
import { esc, rocDate } from './format.js';
import { state, fail } from './app.js';
import { codeTable, options, codeName, showError, pager } from './forms.js';
import { uploadView } from './imports.js';

export async function materialsView(el, rest = []) {
  const cats = await codeTable('categories');
  if (rest[0] === 'new') return materialForm(el, null, cats);
  if (rest[0] === 'upload' || rest[0] === 'job') return uploadView(el, ['materials'], 'L7/upload', rest[0] === 'job' ? rest : rest.slice(1));
  if ((rest[0] === 'edit' || rest[0] === 'view') && rest[1]) {
    const m = await api('GET', '/api/materials/' + encodeURIComponent(rest[1]));
    return rest[0] === 'edit' ? materialForm(el, m, cats) : materialDetail(el, m, cats);
  }
  el.innerHTML = `<h1>數位教材資訊通報</h1>
    <form class="card" id="m-search" role="search" aria-label="查詢數位教材">
      <div class="grid">
        <div><label for="m-name">教材名稱</label><input type="text" id="m-name" name="name" placeholder="輸入部分文字"></div>
        <div><label for="m-category">課程類別</label><select id="m-category" name="category">${options(cats, '', '全部類別')}</select></div>
        <div class="checkbox-cell"><label class="inline"><input type="checkbox" name="own" value="1"> 只列本機關通報的教材</label></div>
      </div>
      <p class="actions"><button type="submit">查詢</button><a class="button" href="#/L7/new">新增數位教材</a><a class="button secondary" href="#/L7/upload">整批新增數位教材資訊</a>
        <a class="button secondary" id="m-elearn" href="#" target="_blank" rel="noopener">E等公務園+學習平臺</a></p>
    </form><div id="m-list"></div><div id="m-more"></div>`;
  const f = el.querySelector('#m-search');
  let rows = [];
  const load = async (next = '') => {
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(f)) if (v) q.set(k, v);
    if (next) q.set('next', next);
    const page = await api('GET', '/api/materials?' + q);
    if (page.elearnUrl) el.querySelector('#m-elearn').href = page.elearnUrl;
    rows = next ? rows.concat(page.items) : page.items;
    el.querySelector('#m-list').innerHTML = rows.length ? `<table><thead><tr><th scope="col">教材名稱</th><th scope="col">課程類別</th>
      <th scope="col">時數</th><th scope="col">通報機關</th><th scope="col">上架日期</th><th scope="col">動作</th></tr></thead><tbody>
      ${rows.map((m) => `<tr data-material="${esc(m.id)}"><td>${esc(m.name)}</td><td>${esc(codeName(cats, m.category))}</td><td>${m.hours}</td>
        <td>${esc(m.agencyName)}</td><td>${rocDate(m.published)}</td>
        <td><a href="#/L7/view/${encodeURIComponent(m.id)}">檢視</a>${m.agency === state.me.active.code ? ` <a href="#/L7/edit/${encodeURIComponent(m.id)}">編輯</a>` : ''}</td></tr>`).join('')}
      </tbody></table>` : '<p class="card muted">沒有符合條件的教材。</p>';
    pager(el.querySelector('#m-more'), page.next, load);
  };
  f.addEventListener('submit', (e) => { e.preventDefault(); load().catch(fail); });
  await load();
}

function materialDetail(el, m, cats) {
  el.innerHTML = `<h1>數位教材：${esc(m.name)}</h1><div class="card"><dl class="detail">
    <dt>課程類別</dt><dd>${esc(m.category)} ${esc(codeName(cats, m.category))}</dd><dt>時數</dt><dd>${m.hours} 小時</dd>
    <dt>教材網址</dt><dd><a href="${esc(m.url)}" target="_blank" rel="noopener">${esc(m.url)}</a></dd>
    <dt>上架日期</dt><dd>${rocDate(m.published)}</dd><dt>適用對象</dt><dd>${esc(m.audience)}</dd>
    <dt>簡介</dt><dd>${esc(m.summary)}</dd><dt>聯絡資訊</dt><dd>${esc(m.contact)}</dd><dt>通報機關</dt><dd>${esc(m.agencyName)}</dd></dl>
    <p class="actions">${m.agency === state.me.active.code ? `<a class="button" href="#/L7/edit/${encodeURIComponent(m.id)}">編輯</a>` : ''}
      <a class="button secondary" href="#/L7">返回</a></p></div>`;
}

function materialForm(el, m, cats) {
  const edit = !!m;
  m = m || {};
  el.innerHTML = `<h1>${edit ? `編輯數位教材：${esc(m.name)}` : '新增數位教材'}</h1>
    <p class="muted">「<span class="req"></span>」表示該欄位為必填。</p>
    <form class="card" id="m-form" novalidate><div class="grid">
      <div><label for="mf-name" class="req">教材名稱</label><input type="text" id="mf-name" name="name" value="${esc(m.name || '')}" required><div class="field-error" data-err="name"></div></div>
      <div><label for="mf-cat" class="req">課程類別</label><select id="mf-cat" name="category" required>${options(cats, m.category)}</select><div class="field-error" data-err="category"></div></div>
      <div><label for="mf-hours" class="req">時數（整數）</label><input type="number" id="mf-hours" name="hours" min="1" step="1" value="${m.hours || ''}" required><div class="field-error" data-err="hours"></div></div>
      <div><label for="mf-url" class="req">教材網址</label><input type="url" id="mf-url" name="url" value="${esc(m.url || '')}" required placeholder="https://"><div class="field-error" data-err="url"></div></div>
      <div><label for="mf-pub" class="req">上架日期</label><input type="date" id="mf-pub" name="published" value="${esc(m.published || '')}" required><div class="field-error" data-err="published"></div></div>
      <div><label for="mf-aud">適用對象</label><input type="text" id="mf-aud" name="audience" value="${esc(m.audience || '')}"><div class="field-error" data-err="audience"></div></div>
      <div><label for="mf-contact">聯絡資訊</label><input type="text" id="mf-contact" name="contact" value="${esc(m.contact || '')}"><div class="field-error" data-err="contact"></div></div>
    </div>
    <label for="mf-summary">簡介</label><textarea id="mf-summary" name="summary">${esc(m.summary || '')}</textarea><div class="field-error" data-err="summary"></div>
    <p class="actions"><button type="submit">${edit ? '儲存' : '新增'}</button><a class="button secondary" href="#/L7">返回</a></p></form>`;
  const f = el.querySelector('#m-form');
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (n) => f.elements[n].value;
    const body = { name: v('name'), category: v('category'), hours: v('hours') === '' ? 0 : Number(v('hours')), url: v('url'),
      published: v('published'), audience: v('audience'), contact: v('contact'), summary: v('summary') };
    if (edit) body.updated = m.updated;
    try {
      const saved = edit ? await api('PUT', '/api/materials/' + encodeURIComponent(m.id), body) : await api('POST', '/api/materials', body);
      sessionStorage.setItem('lifelong.flash', `已${edit ? '儲存' : '新增'}數位教材「${saved.name}」。`);
      location.hash = '#/L7';
    } catch (err) { showError(f, err); }
  });
}
