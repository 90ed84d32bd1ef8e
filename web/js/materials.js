// L7 數位教材資訊通報: every agency's digital materials to search and view;
// only the reporting agency edits its own.
import { api } from './api.js';
import { html, show, nothing } from './lit.js';
import { rocDate } from './format.js';
import { state, go } from './shell.js';
import { codeTable, options, codeName } from './forms.js';
import { searchTable } from './ui/searchtable.js';
import { rocDateField, checkDates } from './ui/rocdate.js';
import { errorSlot, showError } from './ui/fields.js';
import { uploadView } from './imports.js';

export async function materialsView(el, rest = []) {
  const cats = await codeTable('categories');
  if (rest[0] === 'new') return materialForm(el, null, cats);
  if (rest[0] === 'upload' || rest[0] === 'job') return uploadView(el, ['materials'], 'L7/upload', rest[0] === 'job' ? rest : rest.slice(1));
  if ((rest[0] === 'edit' || rest[0] === 'view') && rest[1]) {
    const m = await api('GET', '/api/materials/' + encodeURIComponent(rest[1]));
    return rest[0] === 'edit' ? materialForm(el, m, cats) : materialDetail(el, m, cats);
  }
  show(el, html`<h1>數位教材資訊通報</h1><div id="m-table"></div>`);
  let elearn = '#';
  const mine = (m) => m.agency === state.me.active.code;
  await searchTable(el.querySelector('#m-table'), {
    id: 'm', label: '查詢數位教材',
    params: [
      { name: 'name', label: '教材名稱', placeholder: '輸入部分文字' },
      { name: 'category', label: '課程類別', type: 'select', options: [['', '全部類別']].concat(cats.map((e) => [e.code, `${e.code} ${e.name}`, e.level])) },
      { name: 'own', label: '只列本機關通報的教材', type: 'checkbox' },
    ],
    actions: html`<a class="button" href="#/L7/new">新增數位教材</a><a class="button secondary" href="#/L7/upload">整批新增數位教材資訊</a>
      <a class="button secondary" id="m-elearn" href="#" target="_blank" rel="noopener">E等公務園+學習平臺</a>`,
    onPage: (page) => { if (page.elearnUrl) { elearn = page.elearnUrl; const a = el.querySelector('#m-elearn'); if (a) a.href = elearn; } },
    columns: [
      { label: '教材名稱', cell: (m) => m.name },
      { label: '課程類別', cell: (m) => codeName(cats, m.category) },
      { label: '時數', cell: (m) => m.hours, class: 'nowrap' },
      { label: '通報機關', cell: (m) => m.agencyName },
      { label: '上架日期', cell: (m) => rocDate(m.published), class: 'nowrap' },
      { label: '動作', class: 'nowrap', cell: (m) => html`<a href=${'#/L7/view/' + encodeURIComponent(m.id)}>檢視</a>${mine(m) ? html` <a href=${'#/L7/edit/' + encodeURIComponent(m.id)}>編輯</a>` : nothing}` },
    ],
    rowAttr: 'material', rowKey: (m) => m.id,
    read: (q) => api('GET', '/api/materials?' + q),
    empty: '沒有符合條件的教材。',
  });
  const a = el.querySelector('#m-elearn');
  if (a) a.href = elearn;
}

function materialDetail(el, m, cats) {
  show(el, html`<h1>數位教材：${m.name}</h1><div class="card"><dl class="detail">
    <dt>課程類別</dt><dd>${m.category} ${codeName(cats, m.category)}</dd><dt>時數</dt><dd>${m.hours} 小時</dd>
    <dt>教材網址</dt><dd>${/^https?:\/\//i.test(m.url) ? html`<a href=${m.url} target="_blank" rel="noopener">${m.url}</a>` : m.url}</dd>
    <dt>上架日期</dt><dd>${rocDate(m.published)}</dd><dt>適用對象</dt><dd>${m.audience}</dd>
    <dt>簡介</dt><dd>${m.summary}</dd><dt>聯絡資訊</dt><dd>${m.contact}</dd><dt>通報機關</dt><dd>${m.agencyName}</dd></dl>
    <p class="actions">${m.agency === state.me.active.code ? html`<a class="button" href=${'#/L7/edit/' + encodeURIComponent(m.id)}>編輯</a>` : nothing}
      <a class="button secondary" href="#/L7">返回</a></p></div>`);
}

function materialForm(el, m, cats) {
  const edit = !!m;
  m = m || {};
  const field = (id, name, label, value, { req = false, type = 'text', extra = '' } = {}) => html`<div><label for=${id} class=${req ? 'req' : nothing}>${label}</label>
    <input type=${type} id=${id} name=${name} .value=${value ?? ''} placeholder=${extra || nothing} min=${type === 'number' ? '1' : nothing} step=${type === 'number' ? '1' : nothing}
      aria-describedby=${'err-' + name}>${errorSlot(name)}</div>`;
  const submit = async (e) => {
    e.preventDefault();
    const f = e.target;
    if (!checkDates(f)) return;
    const v = (n) => f.elements[n].value;
    const body = { name: v('name'), category: v('category'), hours: v('hours') === '' ? 0 : Number(v('hours')), url: v('url'),
      published: v('published'), audience: v('audience'), contact: v('contact'), summary: v('summary') };
    if (edit) body.updated = m.updated;
    try {
      const saved = edit ? await api('PUT', '/api/materials/' + encodeURIComponent(m.id), body) : await api('POST', '/api/materials', body);
      go('#/L7', `已${edit ? '儲存' : '新增'}數位教材「${saved.name}」。`);
    } catch (err) { showError(f, err); }
  };
  show(el, html`<h1>${edit ? `編輯數位教材：${m.name}` : '新增數位教材'}</h1>
    <p class="muted">「<span class="req"></span>」表示該欄位為必填。</p>
    <form class="card" id="m-form" novalidate @submit=${submit}><div class="grid">
      ${field('mf-name', 'name', '教材名稱', m.name, { req: true })}
      <div><label for="mf-cat" class="req">課程類別</label><select id="mf-cat" name="category" aria-describedby="err-category">${options(cats, m.category)}</select>${errorSlot('category')}</div>
      ${field('mf-hours', 'hours', '時數（整數）', m.hours ? String(m.hours) : '', { req: true, type: 'number' })}
      ${field('mf-url', 'url', '教材網址', m.url, { req: true, type: 'url', extra: 'https://' })}
      ${rocDateField({ id: 'mf-pub', name: 'published', label: '上架日期', value: m.published || '', required: true })}
      ${field('mf-aud', 'audience', '適用對象', m.audience)}
      ${field('mf-contact', 'contact', '聯絡資訊', m.contact)}
    </div>
    <label for="mf-summary">簡介</label><textarea id="mf-summary" name="summary" .value=${m.summary || ''} aria-describedby="err-summary"></textarea>${errorSlot('summary')}
    <p class="actions"><button type="submit">${edit ? '儲存' : '新增'}</button><a class="button secondary" href="#/L7">返回</a></p></form>`);
}
