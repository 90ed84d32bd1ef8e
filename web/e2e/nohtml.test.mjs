// No view writes markup from strings (issue 15): templates go through
// lit-html, whose ${values} are text or attribute values, never markup. This
// reads every module of web/js and fails on any innerHTML / outerHTML /
// insertAdjacentHTML / document.write, on unsafeHTML, and on a hand-made
// escape function (a sign of strings being built into markup again).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve, relative } from 'node:path';

const js = resolve(import.meta.dirname, '..', 'js');
const modules = (d) => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? modules(join(d, n)) : n.endsWith('.js') ? [join(d, n)] : []));

const banned = [
  [/\.(innerHTML|outerHTML)\s*[+]?=/, 'writes HTML from a string'],
  [/insertAdjacentHTML\s*\(/, 'inserts HTML from a string'],
  [/document\.write(ln)?\s*\(/, 'document.write'],
  [/unsafeHTML|unsafeSVG/, 'lit\'s unsafe directives'],
  [/createContextualFragment|DOMParser/, 'parses markup from a string'],
  [/function\s+esc\s*\(|const\s+esc\s*=/, 'a hand-written escape helper'],
];

test('no module writes markup from strings', () => {
  const files = modules(js);
  assert.ok(files.length >= 15, `found the views (${files.length})`);
  const found = [];
  for (const f of files) {
    const lines = readFileSync(f, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (/^\s*\/\//.test(line)) return; // comments may name what is banned
      for (const [re, why] of banned) if (re.test(line)) found.push(`${relative(js, f)}:${i + 1}: ${why}: ${line.trim()}`);
    });
  }
  assert.deepEqual(found, []);
});

test('the scan catches what it is meant to catch', () => {
  // The patterns themselves, against lines a careless view would contain.
  for (const line of ['el.innerHTML = `<td>${name}</td>`;', 'box.innerHTML += row;', "el.insertAdjacentHTML('beforeend', s)", 'const esc = (s) => s']) {
    assert.ok(banned.some(([re]) => re.test(line)), line);
  }
});

// One shell module for state, flash and errors (issue 15): no module imports
// app.js (it imports the views), and the import graph has no cycle.
test('the modules import each other without cycles, and none imports app.js', () => {
  const graph = new Map();
  for (const f of modules(js)) {
    const deps = [...readFileSync(f, 'utf8').matchAll(/^import[^'"]*['"](\.[^'"]+)['"]/gm)].map((m) => resolve(join(f, '..'), m[1]));
    graph.set(f, deps.filter((d) => d.startsWith(js)));
  }
  const app = join(js, 'app.js');
  assert.deepEqual([...graph].filter(([, deps]) => deps.includes(app)).map(([f]) => relative(js, f)), [], 'modules importing app.js');
  const cycles = [];
  const state = new Map(); // 1 visiting, 2 done
  const visit = (f, path) => {
    if (state.get(f) === 2) return;
    if (state.get(f) === 1) { cycles.push(path.slice(path.indexOf(f)).concat(f).map((x) => relative(js, x)).join(' → ')); return; }
    state.set(f, 1);
    for (const d of graph.get(f) || []) visit(d, path.concat(f));
    state.set(f, 2);
  };
  for (const f of graph.keys()) visit(f, []);
  assert.deepEqual(cycles, []);
});
