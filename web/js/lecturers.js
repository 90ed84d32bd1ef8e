// L3 維護講師 (the agency's own lecturers, with their private data) and
// L4 查詢講師資料庫 (every agency's public lecturers, never their private data).
import { api } from './api.js';
import { html, show, nothing } from './lit.js';
import { flash, fail, go } from './shell.js';
import { codeTable, codeName } from './forms.js';
import { searchTable } from './ui/searchtable.js';
import { errorSlot, showError } from './ui/fields.js';
import { confirmDialog } from './ui/confirm.js';
import { uploadView } from './imports.js';

const params = [
  { name: 'name', label: '講師姓名', placeholder: '輸入部分文字' },
  { name: 'subject', label: '可授科目', placeholder: '輸入部分文字' },
];

export async function lecturersView(el, rest = []) {
  const expertise = await codeTable('expertise');
  if (rest[0] === 'new') return lecturerForm(el, null, expertise);
  if (rest[0] === 'upload' || rest[0] === 'job') return uploadView(el, ['lecturers'], 'L3/upload', rest[0] === 'job' ? rest : rest.slice(1));
  if (rest[0] === 'edit' && rest[1]) return lecturerForm(el, await api('GET', '/api/lecturers/' + encodeURIComponent(rest[1])), expertise);
  show(el, html`<h1>維護講師</h1><div id="l-table"></div>`);
  let table;
  const remove = async (l) => {
    if (!await confirmDialog(`確定要刪除講師 ${l.name}？`, { ok: '刪除', danger: true })) return;
    try {
      await api('DELETE', '/api/lecturers/' + encodeURIComponent(l.id));
      await table.reload();
      flash(`已刪除講師 ${l.name}。`, true);
    } catch (err) { fail(err); }
  };
  table = await searchTable(el.querySelector('#l-table'), {
    id: 'l', label: '查詢講師', params,
    actions: html`<a class="button" href="#/L3/new">新增講師資料</a><a class="button secondary" href="#/L3/upload">整批新增講師資料</a>`,
    columns: [
      { label: '講師姓名', cell: (l) => l.name, class: 'nowrap' },
      { label: '現職', cell: (l) => l.title },
      { label: '可授科目', cell: (l) => (l.subjects || []).join('、') },
      { label: '專長', cell: (l) => (l.expertise || []).map((c) => codeName(expertise, c)).join('、') },
      { label: '公開', cell: (l) => (l.public ? '公開' : '不公開'), class: 'nowrap' },
      { label: '動作', class: 'nowrap', cell: (l) => html`<a href=${'#/L3/edit/' + encodeURIComponent(l.id)}>編輯</a>
        <button type="button" class="link" data-delete=${l.id} data-name=${l.name} @click=${() => remove(l)}>刪除</button>` },
    ],
    rowAttr: 'lecturer', rowKey: (l) => l.id,
    read: (q) => api('GET', '/api/lecturers?' + q),
    empty: '沒有符合條件的講師。',
  });
}

function lecturerForm(el, l, expertise) {
  const edit = !!l;
  l = l || { subjects: [], expertise: [] };
  const subj = (l.subjects || []).concat(['', '', '']).slice(0, Math.max(3, (l.subjects || []).length + 1));
  const field = (id, name, label, value, req = false) => html`<div><label for=${id} class=${req ? 'req' : nothing}>${label}</label>
    <input type=${name === 'email' ? 'email' : 'text'} id=${id} name=${name} .value=${value || ''} autocomplete=${name === 'nationalId' ? 'off' : nothing}
      aria-describedby=${'err-' + name}>${errorSlot(name)}</div>`;
  const submit = async (e) => {
    e.preventDefault();
    const f = e.target;
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
      go('#/L3', `已${edit ? '儲存' : '新增'}講師 ${saved.name}。`);
    } catch (err) { showError(f, err); }
  };
  show(el, html`<h1>${edit ? `編輯講師：${l.name}` : '新增講師資料'}</h1>
    <p class="muted">標示 <span class="req"></span> 者為必填；其他欄位請盡量詳細填寫。</p>
    <form class="card" id="l-form" novalidate @submit=${submit}>
      <div class="grid">
        ${field('lf-name', 'name', '講師姓名', l.name, true)}
        ${field('lf-title', 'title', '現職', l.title)}
        ${field('lf-edu', 'education', '最高學歷', l.education)}
      </div>
      <fieldset><legend>可授科目</legend><div class="grid">
        ${subj.map((s, i) => html`<div><label for=${'lf-s' + i} class=${i === 0 ? 'req' : nothing}>可授科目 ${i + 1}</label><input type="text" id=${'lf-s' + i} name="subject" .value=${s}></div>`)}
      </div>${errorSlot('subjects')}</fieldset>
      <fieldset><legend>專長（人事行政總處類別代碼）</legend>
        ${expertise.map((e) => html`<label class="inline"><input type="checkbox" name="expertise" value=${e.code} ?checked=${(l.expertise || []).includes(e.code)}> ${e.code} ${e.name}</label>`)}
        ${errorSlot('expertise')}</fieldset>
      <label for="lf-exp">經歷</label><textarea id="lf-exp" name="experience" .value=${l.experience || ''}></textarea>${errorSlot('experience')}
      <fieldset><legend>個人資料（不會提供給其他機關）</legend><div class="grid">
        ${field('lf-nid', 'nationalId', '身分證統一編號', l.nationalId)}
        ${field('lf-phone', 'phone', '電話', l.phone)}
        ${field('lf-email', 'email', '電子郵件', l.email)}
        ${field('lf-addr', 'address', '地址', l.address)}
      </div></fieldset>
      <label class="inline"><input type="checkbox" name="public" ?checked=${l.public}> 公開講師資料（其他機關可在「查詢講師資料庫」查到，不含個人資料）</label>
      <label for="lf-note">備註</label><textarea id="lf-note" name="note" .value=${l.note || ''}></textarea>${errorSlot('note')}
      <p class="actions"><button type="submit">${edit ? '儲存' : '新增'}</button><a class="button secondary" href="#/L3">返回</a></p>
    </form>`);
}

export async function lecturerDbView(el, rest = []) {
  const expertise = await codeTable('expertise');
  if (rest[0] === 'view' && rest[1]) {
    const l = await api('GET', '/api/lecturer-db/' + encodeURIComponent(rest[1]));
    show(el, html`<h1>講師資料：${l.name}</h1><div class="card"><dl class="detail">
      <dt>所屬機關</dt><dd>${l.agencyName}</dd><dt>現職</dt><dd>${l.title}</dd><dt>最高學歷</dt><dd>${l.education}</dd>
      <dt>可授科目</dt><dd>${(l.subjects || []).join('、')}</dd>
      <dt>專長</dt><dd>${(l.expertise || []).map((c) => codeName(expertise, c)).join('、')}</dd>
      <dt>經歷</dt><dd>${l.experience}</dd><dt>備註</dt><dd>${l.note}</dd></dl>
      <p class="muted small">講師的聯絡方式等個人資料僅建立機關可見；如需邀請，請洽${l.agencyName}。</p>
      <p class="actions"><a class="button secondary" href="#/L4">返回</a></p></div>`);
    return;
  }
  show(el, html`<h1>查詢講師資料庫</h1><p class="muted">各機關公開分享的講師資料；輸入講師姓名或可授科目的部分文字查詢。</p><div id="d-table"></div>`);
  await searchTable(el.querySelector('#d-table'), {
    id: 'd', label: '查詢講師', params,
    columns: [
      { label: '講師姓名', cell: (l) => html`<a href=${'#/L4/view/' + encodeURIComponent(l.id)}>${l.name}</a>`, class: 'nowrap' },
      { label: '所屬機關', cell: (l) => l.agencyName },
      { label: '現職', cell: (l) => l.title },
      { label: '可授科目', cell: (l) => (l.subjects || []).join('、') },
      { label: '專長', cell: (l) => (l.expertise || []).map((c) => codeName(expertise, c)).join('、') },
    ],
    rowAttr: 'lecturer', rowKey: (l) => l.id,
    read: (q) => api('GET', '/api/lecturer-db?' + q),
    empty: '沒有符合條件的講師。',
  });
}
