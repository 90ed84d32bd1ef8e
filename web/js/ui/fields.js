// Field errors beside their field: every input's error slot is
// <div class="field-error" data-err="<field name>">; an API error names one
// field (err.field) or several (err.fields), and each lands beside its own.
import { html } from '../lit.js';
import { fail } from '../shell.js';

// errorSlot is the place of a field's error, linked to the input by id.
export const errorSlot = (name) => html`<div class="field-error" data-err=${name} id=${'err-' + name} aria-live="polite"></div>`;

export function clearErrors(form) {
  for (const slot of form.querySelectorAll('[data-err]')) slot.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

// markError puts one message beside its field; it answers the input (or null).
export function markError(form, field, message) {
  const slot = form.querySelector(`[data-err="${CSS.escape(field)}"]`);
  if (!slot) return null;
  slot.textContent = message;
  const input = form.querySelector(`[data-roc="${CSS.escape(field)}"]`) || form.querySelector(`[name="${CSS.escape(field)}"]:not([type=hidden])`);
  if (input) input.setAttribute('aria-invalid', 'true');
  return input || slot;
}

// showError puts an API error beside its field(s), focuses the first, and
// shows the message in the flash too (with a count when there are several).
export function showError(form, err) {
  clearErrors(form);
  const list = err.fields && err.fields.length ? err.fields : err.field ? [{ field: err.field, message: err.message }] : [];
  let first = null;
  let placed = 0;
  for (const f of list) {
    const at = markError(form, f.field, f.message);
    if (at) { placed++; first = first || at; }
  }
  if (first && first.focus) first.focus();
  if (list.length > 1) fail(new Error(`有 ${list.length} 個欄位需要修正（見各欄位下方的說明）。`));
  else fail(err);
  return placed;
}
