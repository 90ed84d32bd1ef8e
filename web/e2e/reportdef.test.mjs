// The report screen's reading of a definition (web/js/ui/reportdef.js), in
// node without a browser: the form's fields from params, how cells read,
// and a drill-down URL's report and parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fields, yearOptions, cellText, cellValue, cellDrill, parseDrill, numeric, companions } from '../js/ui/reportdef.js';

test('the year select offers this year and the previous four as ROC years, and a default outside them', () => {
  const cases = [
    { year: 2026, dflt: '2026', want: ['2026', '2025', '2024', '2023', '2022'] },
    { year: 2027, dflt: '', want: ['2027', '2026', '2025', '2024', '2023'] }, // on Jan 1 the list moves with the clock
    { year: 2026, dflt: '2019', want: ['2026', '2025', '2024', '2023', '2022', '2019'] },
    { year: 2026, dflt: 'x', want: ['2026', '2025', '2024', '2023', '2022'] },
  ];
  for (const c of cases) {
    const got = yearOptions(c.year, c.dflt);
    assert.deepEqual(got.map(([v]) => v), c.want, JSON.stringify(c));
    for (const [v, label] of got) assert.equal(label, `民國 ${Number(v) - 1911} 年`);
  }
});

test('params become the form fields of the shared search table', () => {
  const params = [
    { key: 'year', label: '年度', kind: 'year', default: '2025', required: true },
    { key: 'agency', label: '機關', kind: 'agency' },
    { key: 'scope', label: '範圍', kind: 'select', options: [{ value: 'self', label: '本機關' }, { value: 'subtree', label: '含所屬機關' }], default: 'self' },
    { key: 'status', label: '狀態', kind: 'select', options: [{ value: 'a', label: '甲' }] },
    { key: 'name', label: '姓名', kind: 'text', max: 50 },
    { key: 'from', label: '起日', kind: 'date', default: '2026-01-02' },
    { key: 'pending', label: '只查未下載', kind: 'check', default: '1' },
    { key: 'other', label: '其他', kind: 'check' },
  ];
  const agencies = [{ code: 'A1', name: '甲部', level: 1 }, { code: 'A2', name: '乙署', level: 2 }];
  const f = Object.fromEntries(fields(params, { thisYear: 2026, active: 'A2', agencies }).map((x) => [x.name, x]));
  assert.equal(f.year.type, 'select');
  assert.equal(f.year.value, '2025');
  assert.equal(f.year.required, true);
  assert.equal(f.year.options[0][0], '2026', 'a required year has no blank choice');
  assert.equal(f.agency.value, 'A2', 'the agency defaults to the active agency');
  assert.deepEqual(f.agency.options, [['all', '全部機關'], ['A1', '甲部（A1）', 1], ['A2', '乙署（A2）', 2]]);
  assert.deepEqual(f.scope.options, [['self', '本機關'], ['subtree', '含所屬機關']], 'a select with a default has no blank');
  assert.equal(f.scope.value, 'self');
  assert.deepEqual(f.status.options, [['', '全部'], ['a', '甲']]);
  assert.equal(f.name.type, 'text');
  assert.equal(f.name.max, 50);
  assert.equal(f.from.type, 'date');
  assert.equal(f.from.value, '2026-01-02', 'dates stay ISO (the ROC field shows them)');
  assert.equal(f.pending.type, 'checkbox');
  assert.equal(f.pending.value, true);
  assert.equal(f.other.value, false);
});

test('cells read as their column type says', () => {
  const cases = [
    ['number', 12, '12'], ['number', 12345.5, '12,345.5'], ['number', 0, '0'], ['number', null, '—'],
    ['rate', 33.3, '33.3%'], ['rate', 100, '100.0%'], ['rate', 0, '0.0%'], ['rate', null, '—'],
    ['text', '王大明', '王大明'], ['text', null, ''], ['text', 0, '0'],
    ['date', '2026-03-02', '115/03/02'],
  ];
  for (const [type, v, want] of cases) assert.equal(cellText(type, v), want, `${type} ${v}`);
  assert.ok(numeric('number') && numeric('rate') && !numeric('text'));
  assert.equal(cellValue({ value: 3, drill: '/api/reports/x' }), 3);
  assert.equal(cellDrill({ value: 3, drill: '/api/reports/x' }), '/api/reports/x');
  assert.equal(cellValue(null), null);
  assert.equal(cellDrill(7), '');
  assert.equal(cellDrill({ value: 0 }), '');
});

test('a drill-down URL names its report and parameters (the same ones export it)', () => {
  assert.deepEqual(parseDrill('/api/reports/P5-courses?person=p123&year=2026'), { id: 'P5-courses', params: { person: 'p123', year: '2026' } });
  assert.deepEqual(parseDrill('/api/reports/P8%2Dx?a=%E7%8E%8B&next=abc'), { id: 'P8-x', params: { a: '王' } }, 'decoded; a cursor is not a parameter');
  assert.equal(parseDrill('/api/courses?x=1'), null);
  assert.equal(parseDrill('/api/reports/a/b'), null);
});

test('a report offers the lists of its feature that take exactly its conditions as more exports (P5 匯出明細)', () => {
  const p = (...keys) => keys.map((key) => ({ key }));
  const p5 = { id: 'P5', feature: 'P5', drill: false, params: p('agency', 'scope', 'year', 'name'), exports: ['xlsx'] };
  const defs = [p5,
    { id: 'P5-courses', feature: 'P5', drill: true, params: p('agency', 'scope', 'year', 'person'), exports: ['xlsx'] }, // a cell's drill-down
    { id: 'P5-details', feature: 'P5', drill: true, params: p('year', 'name', 'agency', 'scope'), exports: ['xlsx'] },
    { id: 'P7-x', feature: 'P7', drill: true, params: p('agency', 'scope', 'year', 'name'), exports: ['xlsx'] }, // another feature
    { id: 'P5-menu', feature: 'P5', drill: false, params: p('agency', 'scope', 'year', 'name'), exports: ['xlsx'] }, // a menu entry of its own
  ];
  assert.deepEqual(companions(defs, p5).map((d) => d.id), ['P5-details']);
});
