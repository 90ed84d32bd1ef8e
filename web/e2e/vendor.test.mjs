// The vendored templating library is the pinned version, unmodified: every
// file matches vendor/lit-html/SHA256SUMS, and the update script and the
// vendor README pin the same version and npm integrity (issue 15).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve, relative } from 'node:path';

const web = resolve(import.meta.dirname, '..');
const dir = join(web, 'vendor', 'lit-html');

function files(d) {
  return readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? files(join(d, n)) : [join(d, n)]));
}

test('every vendored file matches its recorded SHA-256, and nothing else is there', () => {
  const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8').trim().split('\n').map((l) => l.split(/\s+/));
  assert.ok(sums.length >= 5, 'SHA256SUMS lists the vendored files');
  for (const [sum, name] of sums) {
    const got = createHash('sha256').update(readFileSync(join(dir, name))).digest('hex');
    assert.equal(got, sum, `${name}: SHA-256 differs from SHA256SUMS (edited or half-upgraded copy)`);
  }
  const listed = new Set(sums.map(([, n]) => n).concat('SHA256SUMS'));
  assert.deepEqual(files(dir).map((f) => relative(dir, f)).filter((f) => !listed.has(f)), [], 'unlisted files in vendor/lit-html');
});

test('the update script and the README pin the same version and integrity', () => {
  const script = readFileSync(join(web, 'vendor', 'update.sh'), 'utf8');
  const readme = readFileSync(join(web, 'vendor', 'README.md'), 'utf8');
  const version = /^VERSION=(\S+)$/m.exec(script)?.[1];
  const integrity = /^INTEGRITY='(sha512-[A-Za-z0-9+/=]+)'$/m.exec(script)?.[1];
  assert.ok(version && integrity, 'update.sh pins VERSION and INTEGRITY');
  assert.ok(readme.includes(`| ${version} |`) && readme.includes(integrity), 'README names the same version and integrity');
  assert.ok(readFileSync(join(dir, 'lit-html.js'), 'utf8').includes('lit-html'), 'the vendored file is lit-html');
});
