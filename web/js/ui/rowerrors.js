// Errors of a batch beside its rows: a screen sends one entry per ticked
// table row (rows[i] sent entry i), and the API names a fault as
// "<list>[i]" or "<list>[i].<field>" (P15's decisions, P16's changes).
import { fail } from '../shell.js';

// record is the key a row carries in data-rec: "<person>|<year>|<record id>".
export function record(tr) {
  const [personId, year, id] = tr.dataset.rec.split('|');
  return { personId, year: Number(year), id };
}

export function clearRowErrors(el) {
  for (const slot of el.querySelectorAll('[data-row-err]')) slot.textContent = '';
  for (const i of el.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
}

// showRowErrors puts each fault in its row's [data-row-err] slot, marks the
// named input (or the row's input named whole), focuses the first and
// flashes the error (a count when there are several).
export function showRowErrors(rows, list, whole, err) {
  const faults = err.fields && err.fields.length ? err.fields : err.field ? [{ field: err.field, message: err.message }] : [];
  const at = new RegExp(`^${list}\\[(\\d+)\\](?:\\.(\\w+))?`);
  let first = null;
  for (const f of faults) {
    const m = at.exec(f.field || '');
    const tr = m && rows[Number(m[1])];
    if (!tr) continue;
    tr.querySelector('[data-row-err]').textContent = f.message;
    const input = tr.querySelector(`[name=${m[2] || whole}]`);
    if (input) { input.setAttribute('aria-invalid', 'true'); first = first || input; }
  }
  if (first) first.focus();
  fail(faults.length > 1 ? new Error(`有 ${faults.length} 筆需要修正（見各列的說明）；本次送出的資料均未儲存。`) : err);
}
