// Starts the whole local stack (the same program as make run, with its own
// tables and an in-memory S3) and a headless Chromium for one test file.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '..', '..');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

// The stack runs on its own clock: E2E_CLOCK (a Taipei time such as
// "2026-12-31 23:30") starts it there; stack.day(n) is the ISO date n days
// from the stack's today in Taipei, the day the system itself counts from.
// Test stacks never run the schedules by themselves: tests fire them.
export async function startStack({ people = 400, classes = 30 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lifelong-e2e-'));
  const bin = join(dir, 'local');
  execFileSync('go', ['build', '-o', bin, './infra/local'], { cwd: root, stdio: 'inherit' });
  const ready = join(dir, 'ready');
  const args = ['-addr', '127.0.0.1:0', '-s3-addr', '127.0.0.1:0', '-data', join(dir, 'data'), '-memory',
    '-people', String(people), '-classes', String(classes), '-ready-file', ready,
    '-table-prefix', `e2e${process.pid}${Date.now() % 100000}_`, '-schedules=false'];
  if (process.env.E2E_CLOCK) args.push('-clock', process.env.E2E_CLOCK);
  if (process.env.DYNAMODB_ENDPOINT) args.push('-dynamodb-endpoint', process.env.DYNAMODB_ENDPOINT);
  else args.push('-dynamodb-port', '0');
  const proc = spawn(bin, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const deadline = Date.now() + 180_000;
  while (!existsSync(ready)) {
    if (proc.exitCode !== null) throw new Error('local stack exited:\n' + log);
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error('local stack not ready in 180 s:\n' + log); }
    await sleep(200);
  }
  const url = readFileSync(ready, 'utf8').trim();
  const clock = await (await fetch(url + '/local/clock')).json();
  const offset = Date.parse(clock.now) - Date.now();
  const taipei = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Taipei', year: 'numeric', month: '2-digit', day: '2-digit' });
  return {
    url,
    now: () => new Date(Date.now() + offset),
    day(n = 0) {
      const d = new Date(taipei.format(new Date(Date.now() + offset)) + 'T00:00:00Z');
      d.setUTCDate(d.getUTCDate() + n);
      return d.toISOString().slice(0, 10);
    },
    log: () => log,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGINT');
        const done = new Promise((r) => proc.once('exit', r));
        if (await Promise.race([done.then(() => true), sleep(10_000).then(() => false)]) === false) proc.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// launch starts the system's Chromium; every context it opens is a fresh,
// empty profile, so tests share nothing through the browser.
export async function launch() {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return { browser, close: () => browser.close() };
}

// newPage opens a page that fails the test on any script error and on
// anything the Content-Security-Policy refuses (an inline script, handler or
// style, a connection to an origin the policy does not name).
export async function newPage(browser, errors) {
  const ctx = await browser.newContext({ locale: 'zh-TW', timezoneId: 'Asia/Taipei', viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) errors.push(m.text()); });
  return page;
}

// signIn picks a demo user on the sign-in page, as an officer would.
export async function signIn(page, url, userId) {
  await page.goto(url + '/#/signin');
  await page.click(`[data-user="${userId}"]`);
  await page.waitForSelector('#menu a');
}

// api calls the API directly (to compare what the screen shows with the data).
export async function api(url, method, path, { token, body } = {}) {
  const headers = {};
  if (token) headers.Authorization = 'Bearer ' + token;
  if (body) headers['Content-Type'] = 'application/json';
  const r = await fetch(url + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

export async function devToken(url, userId) {
  return (await api(url, 'POST', '/api/dev/token', { body: { userId } })).body.token;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// audit runs axe-core's WCAG 2.1 A and AA rules on the page; serious or
// critical violations fail the test.
export async function audit(page, name) {
  // Evaluated through DevTools, not added as an inline <script>, which the
  // site's Content-Security-Policy refuses (as it should).
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  assert.ok(result.passes.length > 10, `${name}: the audit ran (${result.passes.length} rules passed)`);
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`), [],
    `${name}: accessibility violations`);
}
