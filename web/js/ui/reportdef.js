// What the report screen reads from a report definition of GET /api/reports,
// as plain data (no templates, so node unit-tests it: web/e2e/reportdef.test.mjs):
// the form's fields, how a cell reads, and a drill-down URL's report and
// parameters. The API speaks western years and ISO dates; officers read ROC.
import { rocDate, rocDateTime } from '../format.js';

// yearsBack is how many years before this one the year select offers.
export const yearsBack = 4;

// yearOptions are this year and the previous few as [value, label], newest
// first; a default outside them (a definition's own) is offered too.
export function yearOptions(thisYear, dflt) {
  const years = Array.from({ length: yearsBack + 1 }, (_, i) => thisYear - i);
  const d = Number(dflt);
  if (Number.isInteger(d) && d > 1911 && !years.includes(d)) years.push(d);
  return years.sort((a, b) => b - a).map((y) => [String(y), `民國 ${y - 1911} 年`]);
}

// fields turns a definition's params into the search form's fields
// (web/js/ui/searchtable.js). ctx: { thisYear, active (the active agency's
// code), agencies ([{code, name, level}] of GET /api/agencies) }.
export function fields(params, ctx) {
  return params.map((p) => {
    const f = { name: p.key, label: p.label, required: !!p.required, value: p.default ?? '' };
    switch (p.kind) {
      case 'year':
        return { ...f, type: 'select', value: String(p.default || ctx.thisYear),
          options: (p.required ? [] : [['', '全部年度']]).concat(yearOptions(ctx.thisYear, p.default)) };
      case 'date':
        return { ...f, type: 'date' };
      case 'select':
        return { ...f, type: 'select',
          options: (p.required || p.default ? [] : [['', '全部']]).concat((p.options || []).map((o) => [o.value, o.label])) };
      case 'check':
        return { ...f, type: 'checkbox', value: p.default === '1' || p.default === true };
      case 'agency':
        return { ...f, type: 'select', value: p.default || ctx.active,
          options: (p.required ? [] : [['all', '全部機關']]).concat((ctx.agencies || []).map((a) => [a.code, `${a.name}（${a.code}）`, a.level])) };
      default:
        return { ...f, type: 'text', max: p.max || undefined };
    }
  });
}

// A cell is a scalar, null, or { value, drill }.
export const cellValue = (c) => (c !== null && typeof c === 'object' && !Array.isArray(c) ? c.value : c);
export const cellDrill = (c) => (c !== null && typeof c === 'object' && !Array.isArray(c) && c.drill ? c.drill : '');

const numberFormat = new Intl.NumberFormat('zh-TW', { maximumFractionDigits: 2 });

// cellText is how a value of a column type reads on screen: numbers with
// separators, rates as 12.5%, dates in ROC; a missing number or rate is 「—」.
export function cellText(type, v) {
  const missing = v === null || v === undefined || v === '';
  switch (type) {
    case 'number':
      return missing ? '—' : typeof v === 'number' ? numberFormat.format(v) : String(v);
    case 'rate':
      return missing ? '—' : typeof v === 'number' ? `${v.toFixed(1)}%` : String(v);
    case 'date':
      return missing ? '' : rocDate(String(v));
    case 'time':
    case 'instant':
      return missing ? '' : rocDateTime(String(v));
    default:
      return missing ? '' : String(v);
  }
}

// numeric types are right-aligned.
export const numeric = (type) => type === 'number' || type === 'rate';

// companions are the other exports of a report's conditions (P5's 匯出明細):
// lists of the same feature, not menu entries, that take exactly the
// report's parameters (a cell's drill-down takes more: the person, the agency).
export function companions(defs, def) {
  const keys = (d) => d.params.map((p) => p.key).sort().join('\n');
  return defs.filter((d) => d.drill && d !== def && d.feature === def.feature && keys(d) === keys(def) && (d.exports || []).length);
}

// parseDrill reads a drill-down URL (/api/reports/P5-courses?person=p1&year=2026)
// as the report it opens and its parameters; the same parameters export it.
// It answers null for a URL that is not a report.
export function parseDrill(url) {
  let u;
  try { u = new URL(url, 'http://report.invalid'); } catch { return null; }
  const m = /^\/api\/reports\/([^/]+)$/.exec(u.pathname);
  if (!m) return null;
  const params = {};
  for (const [k, v] of u.searchParams) if (k !== 'next') params[k] = v;
  return { id: decodeURIComponent(m[1]), params };
}
