// What every catalogue form and list shares: code tables (cached), field
// errors shown beside their field, a pager, and the subject / lecturer picker.
import { api } from './api.js';
import { esc } from './format.js';
import { flash, fail } from './app.js';

const codeCache = {};
export async function codeTable(name) {
  if (!codeCache[name]) codeCache[name] = api('GET', '/api/codes/' + name).then((t) => t.entries);
  return codeCache[name];
}

// options renders <option>s of a code table, indented by level.
export function options(entries, selected, blank = '請選擇') {
  return `<option value="">${esc(blank)}</option>` + entries.map((e) =>
    `<option value="${esc(e.code)}"${e.code === selected ? ' selected' : ''}>${'　'.repeat((e.level || 1) - 1)}${esc(e.code)} ${esc(e.name)}</option>`).join('');
}

export function codeName(entries, code) {
  const e = entries.find((x) => x.code === code);
  return e ? e.name : code;
}

// showError puts an API error beside its field (data-err="<field>") and in the flash.
export function showError(form, err) {
  for (const slot of form.querySelectorAll('[data-err]')) slot.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const slot = err.field && form.querySelector(`[data-err="${err.field}"]`);
  if (slot) {
    slot.textContent = err.message;
    const input = form.querySelector(`[name="${err.field}"]`);
    if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
  }
  fail(err);
}

// pager draws "下一頁" under a list while the API returns a next cursor.
export function pager(box, next, load) {
  box.innerHTML = next ? '<p class="actions"><button type="button" class="secondary" data-more>下一頁</button></p>' : '';
  if (next) box.querySelector('[data-more]').addEventListener('click', () => load(next).catch(fail));
}

// picker is a text box with suggestions from the database and a list of
// chosen items; typing a name that is not suggested adds it as typed.
export function picker(box, { label, id, suggest, chosen = [], hint }) {
  let items = chosen.slice();
  box.innerHTML = `<label for="${id}">${esc(label)}</label>
    <div class="picker"><input type="text" id="${id}" list="${id}-list" autocomplete="off" aria-describedby="${id}-hint">
      <datalist id="${id}-list"></datalist>
      <button type="button" class="secondary" data-add>加入</button></div>
    <p class="muted small" id="${id}-hint">${esc(hint)}</p>
    <ul class="chips" aria-label="${esc(label)}（已選）"></ul>`;
  const input = box.querySelector('input');
  const list = box.querySelector('datalist');
  let found = [];
  const draw = () => {
    box.querySelector('.chips').innerHTML = items.map((it, i) => `<li>${esc(it.label)}
      <button type="button" class="link" data-remove="${i}" aria-label="移除 ${esc(it.label)}">✕</button></li>`).join('');
    for (const b of box.querySelectorAll('[data-remove]')) {
      b.addEventListener('click', () => { items.splice(Number(b.dataset.remove), 1); draw(); });
    }
  };
  let timer;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (!input.value.trim()) return;
      try {
        found = await suggest(input.value.trim());
        list.innerHTML = found.map((f) => `<option value="${esc(f.label)}"></option>`).join('');
      } catch { /* suggestions are a convenience */ }
    }, 200);
  });
  const add = () => {
    const text = input.value.trim();
    if (!text) return;
    const hit = found.find((f) => f.label === text);
    const item = hit || { label: text, name: text, typed: true };
    if (!items.some((x) => x.label === item.label)) items.push(item);
    input.value = '';
    draw();
  };
  box.querySelector('[data-add]').addEventListener('click', add);
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); add(); } });
  draw();
  return { get items() { return items; } };
}

export { flash, fail };
