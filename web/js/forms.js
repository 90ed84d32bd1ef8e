// What the catalogue forms share: code tables (cached), <option>s of a code
// table, and the subject / lecturer picker. Field errors: ui/fields.js.
import { api } from './api.js';
import { html, show } from './lit.js';

const codeCache = {};
export async function codeTable(name) {
  if (!codeCache[name]) codeCache[name] = api('GET', '/api/codes/' + name).then((t) => t.entries);
  return codeCache[name];
}

// options are the <option>s of a code table, indented by level.
export function options(entries, selected, blank = '請選擇') {
  return html`<option value="">${blank}</option>${entries.map((e) =>
    html`<option value=${e.code} ?selected=${e.code === selected}>${'　'.repeat((e.level || 1) - 1)}${e.code} ${e.name}</option>`)}`;
}

export function codeName(entries, code) {
  const e = entries.find((x) => x.code === code);
  return e ? e.name : code;
}

// picker is a text box with suggestions from the database and a list of
// chosen items; typing a name that is not suggested adds it as typed.
// Every suggestion shown is remembered, so picking one links that item even
// if the suggestions were refreshed meanwhile (picking fills the box, which
// is itself an input event); picking a suggestion adds it at once.
export function picker(box, { label, id, suggest, chosen = [], hint }) {
  const items = chosen.slice();
  const known = new Map(); // label → suggested item
  let found = [];
  let timer;
  const add = (text) => {
    text = text.trim();
    if (!text) return;
    const item = known.get(text) || { label: text, name: text, typed: true };
    if (!items.some((x) => x.label === item.label || (item.id && x.id === item.id))) items.push(item);
    box.querySelector('input').value = '';
    draw();
  };
  const onInput = (e) => {
    const text = e.target.value.trim();
    clearTimeout(timer);
    if (known.has(text) && e.inputType !== 'insertText') { add(text); return; } // a suggestion was picked
    timer = setTimeout(async () => {
      if (!text) return;
      try {
        found = await suggest(text);
        for (const f of found) known.set(f.label, f);
        draw();
      } catch { /* suggestions are a convenience */ }
    }, 200);
  };
  const draw = () => show(box, html`<label for=${id}>${label}</label>
    <div class="picker"><input type="text" id=${id} list=${id + '-list'} autocomplete="off" aria-describedby=${id + '-hint'}
        @input=${onInput} @keydown=${(e) => { if (e.key === 'Enter') { e.preventDefault(); add(e.target.value); } }}>
      <datalist id=${id + '-list'}>${found.map((f) => html`<option value=${f.label}></option>`)}</datalist>
      <button type="button" class="secondary" data-add @click=${() => add(box.querySelector('input').value)}>加入</button></div>
    <p class="muted small" id=${id + '-hint'}>${hint}</p>
    <ul class="chips" aria-label=${label + '（已選）'}>${items.map((it, i) => html`<li data-chip=${it.id || ''}>${it.label}
      <button type="button" class="link" data-remove=${i} aria-label=${'移除 ' + it.label} @click=${() => { items.splice(i, 1); draw(); }}>✕</button></li>`)}</ul>`);
  draw();
  return { get items() { return items; } };
}
