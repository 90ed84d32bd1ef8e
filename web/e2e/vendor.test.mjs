// The vendored libraries are the pinned versions, unmodified: every file of
// vendor/<name>/ matches its SHA256SUMS, and the update script and the vendor
// README pin the same version and npm integrity (issues 15 and 17).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve, relative } from 'node:path';

const web = resolve(import.meta.dirname, '..');
const vendor = join(web, 'vendor');
const script = readFileSync(join(vendor, 'update.sh'), 'utf8');
const readme = readFileSync(join(vendor, 'README.md'), 'utf8');

// pins are the script's `vendor NAME VERSION 'INTEGRITY'` lines.
const pins = [...script.matchAll(/^vendor (\S+) (\S+) '(sha512-[A-Za-z0-9+/=]+)'/gm)].map(([, name, version, integrity]) => ({ name, version, integrity }));
// what each vendored directory must hold, and a string its main file contains.
const expected = { 'lit-html': ['lit-html.js', 'lit-html'], 'chart.js': ['dist/chart.umd.min.js', 'Chart.js v4'] };

function files(d) {
  return readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? files(join(d, n)) : [join(d, n)]));
}

test('the update script pins every vendored directory, and only those', () => {
  const dirs = readdirSync(vendor).filter((n) => statSync(join(vendor, n)).isDirectory()).sort();
  assert.deepEqual(pins.map((p) => p.name).sort(), dirs);
  assert.deepEqual(Object.keys(expected).sort(), dirs);
});

for (const name of Object.keys(expected)) {
  test(`${name}: every vendored file matches its recorded SHA-256, and nothing else is there`, () => {
    const dir = join(vendor, name);
    const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8').trim().split('\n').map((l) => l.split(/\s+/));
    assert.ok(sums.length >= 2, 'SHA256SUMS lists the vendored files');
    for (const [sum, file] of sums) {
      const got = createHash('sha256').update(readFileSync(join(dir, file))).digest('hex');
      assert.equal(got, sum, `${file}: SHA-256 differs from SHA256SUMS (edited or half-upgraded copy)`);
    }
    const listed = new Set(sums.map(([, n]) => n).concat('SHA256SUMS'));
    assert.deepEqual(files(dir).map((f) => relative(dir, f)).filter((f) => !listed.has(f)), [], `unlisted files in vendor/${name}`);
    const [main, mark] = expected[name];
    assert.ok(listed.has(main), `${main} is vendored`);
    assert.ok(readFileSync(join(dir, main), 'utf8').includes(mark), `the vendored ${main} is ${name}`);
  });

  test(`${name}: the update script and the README pin the same version and integrity`, () => {
    const pin = pins.find((p) => p.name === name);
    assert.ok(pin, `update.sh pins ${name}`);
    const row = readme.split('\n').find((l) => l.startsWith('| [') && l.includes(`[${name}]`));
    assert.ok(row, `README has a row for ${name}`);
    assert.ok(row.includes(`| ${pin.version} |`) && row.includes(pin.integrity), `README names ${name} ${pin.version} and its integrity`);
  });
}
