// The ROC date field (X4): officers type 116/03/02 or 1160302, or pick from a
// calendar; the text is checked as they type (116/02/30 is refused, leap
// years follow the Gregorian rule) and shown back as 116/03/02. A hidden
// input named after the field carries the ISO date the API takes, so forms
// and FormData read ISO while the officer only ever sees 民國 dates.
import { html, render, nothing } from '../lit.js';
import { rocDate, parseRoc, daysIn } from '../format.js';
import { today, addDays } from '../clock.js';
import { errorSlot } from './fields.js';

const pad = (n) => String(n).padStart(2, '0');

// rocDateField is the template of one field; value is an ISO date.
export function rocDateField({ id, name, label, value = '', required = false }) {
  return html`<div class="roc-date">
    <label for=${id} class=${required ? 'req' : nothing}>${label}</label>
    <div class="roc-row">
      <input type="text" id=${id} data-roc=${name} inputmode="numeric" autocomplete="off" placeholder="例 116/03/02"
        .value=${rocDate(value)} aria-describedby=${'err-' + name} ?required=${required}
        @input=${(e) => check(e.target, true)} @blur=${(e) => check(e.target, false)}
        @keydown=${(e) => { if (e.altKey && e.key === 'ArrowDown') { e.preventDefault(); open(e.target); } }}>
      <input type="hidden" name=${name} .value=${value || ''}>
      <button type="button" class="secondary cal-open" aria-haspopup="dialog" aria-expanded="false"
        aria-label=${'以月曆選擇' + label} @click=${(e) => toggle(e.currentTarget)}>月曆</button>
    </div>
    <div class="calendar" hidden></div>
    ${errorSlot(name)}</div>`;
}

// check reads the typed text into the hidden ISO value and shows an error
// beside the field; mid-typing (a prefix of a date) is not an error yet.
// It answers false when the field holds text that is not a date.
function check(input, typing) {
  const wrap = input.closest('.roc-date');
  const hidden = wrap.querySelector('input[type=hidden]');
  const slot = wrap.querySelector('[data-err]');
  const text = input.value.trim();
  let r = parseRoc(text);
  if (typing && (r.partial || (/^\d{6}$/.test(text) && r.error))) r = { partial: true };
  hidden.value = r.iso || (r.empty ? '' : text); // a bad text still reaches the API, which refuses it
  if (r.partial && typing) return true;
  if (r.error) {
    slot.textContent = r.error;
    input.setAttribute('aria-invalid', 'true');
    return false;
  }
  slot.textContent = '';
  input.removeAttribute('aria-invalid');
  if (r.iso && !typing) input.value = rocDate(r.iso);
  return true;
}

// checkDates checks every ROC date field of a form; it focuses the first bad
// one and answers false if there is one.
export function checkDates(form) {
  let ok = true;
  for (const input of form.querySelectorAll('input[data-roc]')) {
    if (!check(input, false) && ok) { ok = false; input.focus(); }
  }
  return ok;
}

// setDate puts an ISO date into the field of a form.
export function setDate(input, iso) {
  input.value = rocDate(iso);
  check(input, false);
}

function toggle(button) {
  const input = button.closest('.roc-date').querySelector('input[data-roc]');
  const cal = button.closest('.roc-date').querySelector('.calendar');
  if (cal.hidden) open(input); else close(cal, input);
}

function open(input) {
  const wrap = input.closest('.roc-date');
  const cal = wrap.querySelector('.calendar');
  const picked = parseRoc(input.value).iso || '';
  const view = { focus: picked || today() }; // the day the arrow keys move from
  const label = wrap.querySelector('label').textContent;
  const draw = () => {
    render(month(view.focus, picked, label, {
      move: (n) => { view.focus = addMonths(view.focus, n); draw(); },
      step: (n) => { view.focus = addDays(view.focus, n); draw(); },
      pick: (iso) => { setDate(input, iso); close(cal, input); },
      close: () => close(cal, input),
    }), cal);
  };
  draw();
  cal.hidden = false;
  wrap.querySelector('.cal-open').setAttribute('aria-expanded', 'true');
  cal.querySelector(`[data-day="${view.focus}"]`).focus();
}

// addMonths moves an ISO date n months, keeping the day within the month.
function addMonths(iso, n) {
  let y = Number(iso.slice(0, 4));
  let m = Number(iso.slice(5, 7)) + n;
  while (m < 1) { m += 12; y--; }
  while (m > 12) { m -= 12; y++; }
  return `${y}-${pad(m)}-${pad(Math.min(Number(iso.slice(8, 10)), daysIn(y, m)))}`;
}

function close(cal, input) {
  cal.hidden = true;
  input.closest('.roc-date').querySelector('.cal-open').setAttribute('aria-expanded', 'false');
  input.focus();
}

// month draws the month of the focused day: 民國 year and month, prev/next,
// the days by week. Only the focused day is in the tab order; the arrow keys
// move a day or a week, PageUp/PageDown a month, Enter picks, Escape closes.
function month(focus, picked, label, on) {
  const y = Number(focus.slice(0, 4));
  const m = Number(focus.slice(5, 7));
  const first = new Date(Date.UTC(y, m - 1, 1)).getUTCDay();
  const cells = Array.from({ length: first }, () => null)
    .concat(Array.from({ length: daysIn(y, m) }, (_, i) => i + 1));
  while (cells.length % 7) cells.push(null);
  const weeks = Array.from({ length: cells.length / 7 }, (_, i) => cells.slice(i * 7, i * 7 + 7));
  const now = today();
  const keys = { ArrowLeft: () => on.step(-1), ArrowRight: () => on.step(1), ArrowUp: () => on.step(-7), ArrowDown: () => on.step(7),
    PageUp: () => on.move(-1), PageDown: () => on.move(1) };
  const onKey = (e) => {
    if (e.key === 'Escape') { e.preventDefault(); on.close(); return; }
    if (keys[e.key] && e.target.dataset.day) {
      e.preventDefault();
      keys[e.key]();
      e.currentTarget.querySelector('[data-day][tabindex="0"]')?.focus();
    }
  };
  return html`<div role="dialog" aria-label=${label + '：選擇日期'} @keydown=${onKey}>
    <div class="cal-head">
      <button type="button" class="secondary" aria-label="上個月" data-prev @click=${() => on.move(-1)}>‹</button>
      <span class="cal-title" aria-live="polite">民國 ${y - 1911} 年 ${m} 月</span>
      <button type="button" class="secondary" aria-label="下個月" data-next @click=${() => on.move(1)}>›</button>
    </div>
    <table><thead><tr>${[...'日一二三四五六'].map((d) => html`<th scope="col">${d}</th>`)}</tr></thead>
      <tbody>${weeks.map((w) => html`<tr>${w.map((d) => {
        if (!d) return html`<td></td>`;
        const iso = `${y}-${pad(m)}-${pad(d)}`;
        return html`<td><button type="button" data-day=${iso} class=${iso === now ? 'today' : nothing}
          tabindex=${iso === focus ? '0' : '-1'} aria-pressed=${iso === picked ? 'true' : 'false'}
          aria-label=${`民國 ${y - 1911} 年 ${m} 月 ${d} 日`} @click=${() => on.pick(iso)}>${d}</button></td>`;
      })}</tr>`)}</tbody></table>
    <p class="actions"><button type="button" class="link" @click=${on.close}>關閉</button></p></div>`;
}
