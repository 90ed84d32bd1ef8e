// L3 維護講師 (the agency's own lecturers, with their private data) and
// L4 查詢講師資料庫 (every agency's public lecturers, never their private data).
import { api } from './api.js';
import { esc } from './format.js';
import { flash, fail } from './app.js';
import { codeTable, codeName, showError, pager } from './forms.js';
import { uploadView } from './imports.js';

function searchForm(prefix, extra = '') {
  return `<form class="card" id="${prefix}-search" role="search" aria-label="查詢講師">
    <div class="grid">
      <div><label for="${prefix}-name">講師姓名</label><input type="text" id="${prefix}-name" name="name" placeholder="輸入部分文字"></div>
      <div><label for="${prefix}-subject">可授科目</label><input type="text" id="${prefix}-subject" name="subject" placeholder="輸入部分文字"></div>
    </div><p class="actions"><button type="submit">查詢</button>${extra}</p></form>`;
}

async function searchList(el, prefix, url, drawRows) {
  const f = el.querySelector(`#${prefix}-search`);
  let rows = [];
  const load = async (next = '') => {
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(f)) if (v) q.set(k, v);
    if (next) q.set('next', next);
    const page = await api('GET', url + '?' + q);
    rows = next ? rows.concat(page.items) : page.items;
    el.querySelector(`#${prefix}-list`).innerHTML = rows.length ? drawRows(rows) : '<p class="card muted">沒有符合條件的講師。</p>';
    el.querySelector(`#${prefix}-list`).dispatchEvent(new Event('rows:drawn'));
    pager(el.querySelector(`#${prefix}-more`), page.next, load);
  };
  f.addEventListener('submit', (e) => { e.preventDefault(); load().catch(fail); });
  await load();
  return load;
}

export async function lecturersView(el, rest = []) {
  const expertise = await codeTable('expertise');
  if (rest[0] === 'new') return lecturerForm(el, null, expertise);
  if (rest[0] === 'upload' || rest[0] === 'job') return uploadView(el, ['lecturers'], 'L3/upload', rest[0] === 'job' ? rest : rest.slice(1));
  if (rest[0] === 'edit' && rest[1]) return lecturerForm(el, await api('GET', '/api/lecturers/' + encodeURIComponent(rest[1])), expertise);
  el.innerHTML = `<h1>維護講師</h1>${searchForm('l', '<a class="button" href="#/L3/new">新增講師資料</a><a class="button secondary" href="#/L3/upload">整批新增講師資料</a>')}
    <div id="l-list"></div><div id="l-more"></div>`;
  const list = el.querySelector('#l-list');
  let load;
  list.addEventListener('rows:drawn', () => {
    for (const b of list.querySelectorAll('[data-delete]')) {
      b.addEventListener('click', async () => {
        if (!confirm(`確定要刪除講師 ${b.dataset.name}？`)) return;
        try {
          await api('DELETE', '/api/lecturers/' + encodeURIComponent(b.dataset.delete));
          await load();
          flash(`已刪除講師 ${b.dataset.name}。`, true);
        } catch (err) { fail(err); }
      });
    }
  });
  load = await searchList(el, 'l', '/api/lecturers', (rows) => `<table><thead><tr><th scope="col">講師姓名</th><th scope="col">現職</th>
    <th scope="col">可授科目</th><th scope="col">專長</th><th scope="col">公開</th><th scope="col">動作</th></tr></thead><tbody>
    ${rows.map((l) => `<tr data-lecturer="${esc(l.id)}"><td>${esc(l.name)}</td><td>${esc(l.title)}</td><td>${(l.subjects || []).map(esc).join('、')}</td>
      <td>${(l.expertise || []).map((c) => esc(codeName(expertise, c))).join('、')}</td><td>${l.public ? '公開' : '不公開'}</td>
      <td><a href="#/L3/edit/${encodeURIComponent(l.id)}">編輯</a> <button type="button" class="link" data-delete="${esc(l.id)}" data-name="${esc(l.name)}">刪除</button></td></tr>`).join('')}
    </tbody></table>`);
}

function lecturerForm(el, l, expertise) {
  const edit = !!l;
  l = l || { subjects: [], expertise: [] };
  const subj = (l.subjects || []).concat(['', '', '']).slice(0, Math.max(3, (l.subjects || []).length + 1));
  el.innerHTML = `<h1>${edit ? `編輯講師：${esc(l.name)}` : '新增講師資料'}</h1>
    <p class="muted">標示 <span class="req"></span> 者為必填；其他欄位請盡量詳細填寫。</p>
    <form class="card" id="l-form" novalidate>
      <div class="grid">
        <div><label for="lf-name" class="req">講師姓名</label><input type="text" id="lf-name" name="name" value="${esc(l.name || '')}" required><div class="field-error" data-err="name"></div></div>
        <div><label for="lf-title">現職</label><input type="text" id="lf-title" name="title" value="${esc(l.title || '')}"><div class="field-error" data-err="title"></div></div>
        <div><label for="lf-edu">最高學歷</label><input type="text" id="lf-edu" name="education" value="${esc(l.education || '')}"></div>
      </div>
      <fieldset><legend>可授科目</legend><div class="grid">
        ${subj.map((s, i) => `<div><label for="lf-s${i}"${i === 0 ? ' class="req"' : ''}>可授科目 ${i + 1}</label><input type="text" id="lf-s${i}" name="subject" value="${esc(s)}"${i === 0 ? ' required' : ''}></div>`).join('')}
      </div><div class="field-error" data-err="subjects"></div></fieldset>
      <fieldset><legend>專長（人事行政總處類別代碼）</legend>
        ${expertise.map((e) => `<label class="inline"><input type="checkbox" name="expertise" value="${esc(e.code)}"${(l.expertise || []).includes(e.code) ? ' checked' : ''}> ${esc(e.code)} ${esc(e.name)}</label>`).join('')}
        <div class="field-error" data-err="expertise"></div></fieldset>
      <label for="lf-exp">經歷</label><textarea id="lf-exp" name="experience">${esc(l.experience || '')}</textarea>
      <fieldset><legend>個人資料（不會提供給其他機關）</legend><div class="grid">
        <div><label for="lf-nid">身分證統一編號</label><input type="text" id="lf-nid" name="nationalId" value="${esc(l.nationalId || '')}" autocomplete="off"><div class="field-error" data-err="nationalId"></div></div>
        <div><label for="lf-phone">電話</label><input type="text" id="lf-phone" name="phone" value="${esc(l.phone || '')}"><div class="field-error" data-err="phone"></div></div>
        <div><label for="lf-email">電子郵件</label><input type="email" id="lf-email" name="email" value="${esc(l.email || '')}"><div class="field-error" data-err="email"></div></div>
        <div><label for="lf-addr">地址</label><input type="text" id="lf-addr" name="address" value="${esc(l.address || '')}"><div class="field-error" data-err="address"></div></div>
      </div></fieldset>
      <label class="inline"><input type="checkbox" name="public"${l.public ? ' checked' : ''}> 公開講師資料（其他機關可在「查詢講師資料庫」查到，不含個人資料）</label>
      <label for="lf-note">備註</label><textarea id="lf-note" name="note">${esc(l.note || '')}</textarea>
      <p class="actions"><button type="submit">${edit ? '儲存' : '新增'}</button><a class="button secondary" href="#/L3">返回</a></p>
    </form>`;
  const f = el.querySelector('#l-form');
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (n) => f.elements[n].value;
    const body = {
      name: v('name'), title: v('title'), education: v('education'), experience: v('experience'), note: v('note'),
      subjects: [...f.querySelectorAll('input[name=subject]')].map((x) => x.value).filter((x) => x.trim()),
      expertise: [...f.querySelectorAll('input[name=expertise]:checked')].map((x) => x.value),
      nationalId: v('nationalId'), phone: v('phone'), email: v('email'), address: v('address'), public: f.elements.public.checked,
    };
    if (edit) body.updated = l.updated;
    try {
      const saved = edit ? await api('PUT', '/api/lecturers/' + encodeURIComponent(l.id), body) : await api('POST', '/api/lecturers', body);
      sessionStorage.setItem('lifelong.flash', `已${edit ? '儲存' : '新增'}講師 ${saved.name}。`);
      location.hash = '#/L3';
    } catch (err) { showError(f, err); }
  });
}

export async function lecturerDbView(el, rest = []) {
  const expertise = await codeTable('expertise');
  if (rest[0] === 'view' && rest[1]) {
    const l = await api('GET', '/api/lecturer-db/' + encodeURIComponent(rest[1]));
    el.innerHTML = `<h1>講師資料：${esc(l.name)}</h1><div class="card"><dl class="detail">
      <dt>所屬機關</dt><dd>${esc(l.agencyName)}</dd><dt>現職</dt><dd>${esc(l.title)}</dd><dt>最高學歷</dt><dd>${esc(l.education)}</dd>
      <dt>可授科目</dt><dd>${(l.subjects || []).map(esc).join('、')}</dd>
      <dt>專長</dt><dd>${(l.expertise || []).map((c) => esc(codeName(expertise, c))).join('、')}</dd>
      <dt>經歷</dt><dd>${esc(l.experience)}</dd><dt>備註</dt><dd>${esc(l.note)}</dd></dl>
      <p class="muted small">講師的聯絡方式等個人資料僅建立機關可見；如需邀請，請洽${esc(l.agencyName)}。</p>
      <p class="actions"><a class="button secondary" href="#/L4">返回</a></p></div>`;
    return;
  }
  el.innerHTML = `<h1>查詢講師資料庫</h1><p class="muted">各機關公開分享的講師資料；輸入講師姓名或可授科目的部分文字查詢。</p>
    ${searchForm('d')}<div id="d-list"></div><div id="d-more"></div>`;
  await searchList(el, 'd', '/api/lecturer-db', (rows) => `<table><thead><tr><th scope="col">講師姓名</th><th scope="col">所屬機關</th>
    <th scope="col">現職</th><th scope="col">可授科目</th><th scope="col">專長</th></tr></thead><tbody>
    ${rows.map((l) => `<tr data-lecturer="${esc(l.id)}"><td><a href="#/L4/view/${encodeURIComponent(l.id)}">${esc(l.name)}</a></td><td>${esc(l.agencyName)}</td>
      <td>${esc(l.title)}</td><td>${(l.subjects || []).map(esc).join('、')}</td>
      <td>${(l.expertise || []).map((c) => esc(codeName(expertise, c))).join('、')}</td></tr>`).join('')}</tbody></table>`);
}
