// Officers read dates in the ROC calendar (民國): 2024-03-01 → 113/03/01.
const pad = (n) => String(n).padStart(2, '0');
const TZ = 'Asia/Taipei';

function parts(value) {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return null;
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
  return { y: Number(p.year), m: Number(p.month), d: Number(p.day), hh: p.hour, mm: p.minute };
}

// rocDate formats an ISO date (2024-03-01) or a timestamp as 113/03/01.
export function rocDate(value) {
  if (!value) return '';
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [y, m, d] = value.split('-').map(Number);
    return `${y - 1911}/${pad(m)}/${pad(d)}`;
  }
  const p = parts(value);
  return p ? `${p.y - 1911}/${pad(p.m)}/${pad(p.d)}` : String(value);
}

// rocDateTime formats a timestamp as 113/03/01 14:05 (Taipei time).
export function rocDateTime(value) {
  const p = value && parts(value);
  return p ? `${p.y - 1911}/${pad(p.m)}/${pad(p.d)} ${p.hh}:${p.mm}` : '';
}

// esc makes text safe to put into HTML.
export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

// toLocalInput / fromLocalInput convert between timestamps and <input type=datetime-local> in Taipei time.
export function toLocalInput(value) {
  const p = value && parts(value);
  return p ? `${p.y}-${pad(p.m)}-${pad(p.d)}T${p.hh}:${p.mm}` : '';
}
export function fromLocalInput(s) {
  return s ? new Date(s + ':00+08:00').toISOString() : undefined;
}
