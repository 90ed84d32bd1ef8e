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

// isoDate is the Taipei calendar date of an ISO date or timestamp (2024-03-01).
export function isoDate(value) {
  if (!value) return '';
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const p = parts(value);
  return p ? `${p.y}-${pad(p.m)}-${pad(p.d)}` : '';
}

// taipeiTime is the Taipei wall-clock time of a timestamp (14:05).
export function taipeiTime(value) {
  const p = value && parts(value);
  return p ? `${p.hh}:${p.mm}` : '';
}

// instant joins a Taipei date (ISO) and time (HH:MM) into a timestamp.
export function instant(iso, hhmm) {
  return iso ? new Date(`${iso}T${hhmm || '00:00'}:00+08:00`).toISOString() : '';
}

// daysIn is the number of days of a month of a Gregorian year (leap years:
// every 4th, not every 100th, but every 400th).
export function daysIn(y, m) {
  return [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

// parseRoc reads a date as officers type it in the ROC calendar: 116/03/02,
// 116/3/2, 116-03-02, 116.03.02 or 1160302 (and 990302 for years below 100).
// It answers { iso } for a real date, { error } for an impossible or
// malformed one, and { partial: true } while the text could still become a
// date (so the field does not complain mid-typing).
export function parseRoc(text) {
  const s = String(text ?? '').trim().replace(/[０-９／－．]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  if (!s) return { empty: true };
  let y, m, d;
  let match = /^(\d{1,3})[/.-](\d{1,2})[/.-](\d{1,2})$/.exec(s);
  if (match) [, y, m, d] = match.map(Number);
  else if ((match = /^(\d{2,3})(\d{2})(\d{2})$/.exec(s))) [, y, m, d] = match.map(Number);
  else if (/^\d{0,7}$/.test(s) || /^\d{1,3}([/.-]\d{0,2}){0,2}$/.test(s)) return { partial: true, error: '日期格式為 民國年/月/日，例如 116/03/02 或 1160302。' };
  else return { error: '日期格式為 民國年/月/日，例如 116/03/02 或 1160302。' };
  if (y < 1) return { error: '民國年須大於 0。' };
  if (m < 1 || m > 12) return { error: `沒有 ${m} 月。` };
  const gy = y + 1911;
  if (d < 1 || d > daysIn(gy, m)) return { error: `民國 ${y} 年 ${m} 月沒有 ${d} 日。` };
  return { iso: `${gy}-${pad(m)}-${pad(d)}` };
}
