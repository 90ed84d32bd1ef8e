// One clock for the front end. Calendar days are Taipei days, and "now" is the
// server's: /api/me reports it, so the screens, the API and the tests agree on
// "today" and "this year" whatever the browser's zone or clock says.
const TZ = 'Asia/Taipei';
let offset = 0; // server clock − browser clock, in ms

// setServerNow records the server's instant (an ISO timestamp from /api/me).
export function setServerNow(iso) {
  const t = Date.parse(iso);
  if (!Number.isNaN(t)) offset = t - Date.now();
}

// now is the current instant on the server's clock.
export function now() { return new Date(Date.now() + offset); }

// taipeiDate is the Taipei calendar date of an instant as ISO (2026-11-30).
export function taipeiDate(instant) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

// today is the Taipei calendar date now; addDays(today(), -1) is yesterday.
export function today() { return taipeiDate(now()); }

// thisYear is the Taipei calendar year now.
export function thisYear() { return Number(today().slice(0, 4)); }

// addDays adds n calendar days to an ISO date.
export function addDays(iso, n) {
  const d = new Date(iso + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
