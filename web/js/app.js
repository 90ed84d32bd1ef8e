// The back office's shell: sign-in, the top bar (user, active agency and its
// switcher, front stage, manual, password, sign-out), the menu and the routes
// (both built from the functions /api/me grants), and a hash router that
// draws one screen at a time. Views share state through shell.js.
import { api, session } from './api.js';
import { html, show } from './lit.js';
import { setServerNow } from './clock.js';
import { state, flash, fail } from './shell.js';
import { signInView, finishSSO } from './signin.js';
import { homeView, statsHomeView } from './home.js';
import { membersView } from './members.js';
import { passwordView } from './password.js';
import { announcementsView, manualView, platformClientsView } from './admin.js';
import { rosterView } from './roster.js';
import { coursesView } from './courses.js';
import { lecturersView, lecturerDbView } from './lecturers.js';
import { materialsView } from './materials.js';
import { uploadView, progressView } from './imports.js';
import { gradesView } from './grades.js';
import { hoursMaintView, hoursTabs } from './hoursmaint.js';
import { nominationsView, nominationJobsView } from './nominations.js';
import { reportView, reportFeatures, jobsView } from './reports.js';
import { genderSurveyView } from './gendersurvey.js';
import { businessView } from './business.js';
import { reviewView } from './review.js';
import { correctionView } from './correction.js';

// screens maps a granted function id to its screens: [path, menu label or
// '' (not in the menu), view(el, rest)]. A granted function without an entry
// gets a "being built" page; a function not granted has no route at all.
const screens = {
  L8: [['L8', '', membersView]],
  P17: [['P17', '', genderSurveyView]],
  P14: [['P14', '', businessView]],
  P15: [['P15', '', reviewView]],
  P16: [['P16', '', correctionView]],
  L5: [['L5', '', rosterView]],
  L2: [['L2', '', coursesView]],
  L3: [['L3', '', lecturersView]],
  L4: [['L4', '', lecturerDbView]],
  L7: [['L7', '', materialsView]],
  L1: [['L1', '', progressView]],
  P3: [['P3', '', nominationsView]],
  P4: [['P4', '', nominationJobsView]],
  P2: [['P2', '', (el) => jobsView(el, 'P1', '下載申請進度查詢', '「成績下載」（P1）的下載申請：各筆的查詢條件、狀態、解壓縮密碼與下載。')]],
  L2b: [['L2b', '', (el, rest) => uploadView(el, ['courses', 'subjects'], 'L2b', rest)]],
  L6a: [['L6a', '', (el, rest = []) => (!rest.length || rest[0] === 'class' ? gradesView(el, rest)
    : uploadView(el, ['hours-class'], 'L6a', rest[0] === 'upload' ? [] : rest,
      html`<p class="card"><a href="#/L6a">改為線上逐筆登錄（成績回登）</a></p>`))]],
  L6b: [['L6b', '', (el, rest = []) => (rest[0] === 'online' ? hoursMaintView(el, 'L6b') : uploadView(el, ['hours-external'], 'L6b', rest, hoursTabs('L6b', false)))]],
  L6c: [['L6c', '', (el, rest = []) => (rest[0] === 'online' ? hoursMaintView(el, 'L6c') : uploadView(el, ['hours-study'], 'L6c', rest, hoursTabs('L6c', false)))]],
  SYS: [['SYS/announcements', '公告管理', announcementsView, 'H7'], ['SYS/manual', '使用手冊管理', manualView, 'H5'],
    ['SYS/platforms', '數位學習平臺用戶端', platformClientsView, 'SYS']],
};

function placeholder(f) {
  return async (el) => show(el, html`<h1>${f.name}</h1>
    <div class="card"><p>此功能（功能代碼 ${f.id}）尚在建置中，將於後續版本提供。</p>
    <p class="muted">您已獲授權使用此功能；功能說明請參閱使用手冊。</p></div>`);
}

// routes and menu are rebuilt from /api/me at every sign-in and agency switch.
// A granted function that GET /api/reports lists (the report definitions the
// caller may use in the active agency) opens the report screen.
let routes = new Map();
let menu = [];
function build(me, reports) {
  const isReport = reportFeatures(reports);
  routes = new Map([['password', passwordView]]);
  menu = [];
  if (me.user.kind === 'officer') routes.set('', homeView);
  else routes.set('', statsHomeView); // statistics accounts hold no officer function; their page lists their reports
  for (const f of me.functions) {
    if (f.id === 'S1') continue; // the statistics account itself: its home page lists its reports
    let g = menu.find((x) => x.name === f.group);
    if (!g) menu.push(g = { name: f.group, items: [] });
    const report = (el, rest) => reportView(el, reports, f.id, rest);
    let own = screens[f.id] || (isReport.has(f.id) ? [[f.id, '', report]] : [[f.id, '', placeholder(f)]]);
    // A function with a screen of its own and a report (P3's upload and its
    // 薦送報名查詢) has the report at <id>/query, a menu entry of its own.
    if (screens[f.id] && isReport.has(f.id)) own = own.concat([[f.id + '/query', reports.find((d) => !d.drill && d.feature === f.id).name, report, f.id]]);
    for (const [path, label, view, id] of own) {
      routes.set(path, view);
      g.items.push({ href: '#/' + path, label: label || f.name, id: id || f.id });
    }
  }
}

// loadMe reads the caller; of overlapping reads (sign-in's and an agency
// switch's) only the newest one's answer is kept.
let meRequest = null;
async function loadMe() {
  // Who may use no report is answered 403 (404 where reports are not served);
  // the menu then has no report screen.
  const defs = api('GET', '/api/reports').catch((err) => {
    if (err.status === 403 || err.status === 404) return { items: [] };
    throw err;
  });
  const request = meRequest = Promise.all([api('GET', '/api/me'), defs]);
  const [me, reports] = await request;
  if (request !== meRequest) return;
  setServerNow(me.now);
  state.me = me;
  build(me, reports.items || []);
  drawShell();
}

const $ = (id) => document.getElementById(id);

function drawShell() {
  const me = state.me;
  $('topbar').hidden = false;
  $('menu').hidden = false;
  $('who').textContent = `${me.user.name}（${me.user.kind === 'stats' ? '統計報表帳號' : me.user.id}）`;
  $('agency-switch-wrap').hidden = me.agencies.length < 2;
  $('agency-name').hidden = me.agencies.length >= 2;
  $('agency-name').textContent = me.active.name;
  show($('agency-switch'), html`${me.agencies.map((a) => html`<option value=${a.code} ?selected=${a.code === me.active.code}>${a.name}${a.code === me.home.code ? '（本職）' : '（兼辦）'}</option>`)}`);
  $('agency-switch').value = me.active.code;
  $('front-stage').href = me.links.frontStage;
  const pw = $('password-link');
  if (me.user.kind === 'stats') {
    pw.href = '#/password';
    pw.removeAttribute('target');
  } else {
    pw.href = me.links.password;
    pw.target = '_blank';
    pw.rel = 'noopener';
    pw.title = '公務人員請至人事服務網（ECPA）修改密碼';
  }
  show($('menu'), html`${me.user.kind === 'officer' ? html`<a href="#/">首頁</a>` : ''}
    ${menu.map((g) => html`<h2>${g.name}</h2>${g.items.map((i) => html`<a href=${i.href}>${i.label}<span class="fid">${i.id}</span></a>`)}`)}`);
}

function markMenu() {
  const here = (location.hash || '#/').split('/').slice(0, 2).join('/');
  for (const a of document.querySelectorAll('#menu a')) {
    if (a.getAttribute('href') === (location.hash || '#/') || (here !== '#/' && a.getAttribute('href') === here)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// find answers the view of a path: the longest route that is a prefix of it
// (#/L7/edit/<id> → L7 with rest [edit, <id>]).
function find(path) {
  const parts = path.split('/');
  for (let n = parts.length; n >= 1; n--) {
    const view = routes.get(parts.slice(0, n).join('/'));
    if (view) return (el) => view(el, parts.slice(n));
  }
  return null;
}

async function route() {
  flash('');
  if (location.hash.includes('id_token=')) { await finishSSO(); return; } // back from the SSO
  const view = $('view');
  const path = (location.hash || '#/').replace(/^#\/?/, '');
  if (path === 'signin' || !session.token) {
    $('topbar').hidden = true;
    $('menu').hidden = true;
    if (path !== 'signin') { location.hash = '#/signin'; return; }
    const box = document.createElement('div'); // a fresh box: lit keeps its state on the element it drew into
    view.replaceChildren(box);
    return signInView(box);
  }
  try {
    if (!state.me) await loadMe();
  } catch (err) { return fail(err); }
  const draw = find(path);
  // Each route draws into a box of its own: a slower earlier route that
  // finishes late writes into a detached box, never over the page now shown.
  const box = document.createElement('div');
  view.replaceChildren(box);
  markMenu();
  if (!draw) {
    show(box, html`<h1>找不到這個頁面</h1><p>您可能沒有此功能的權限，請由左側選單選擇功能。</p>`);
    return;
  }
  show(box, html`<p class="muted">載入中…</p>`);
  try {
    await draw(box);
    if (!box.isConnected) return;
    const note = sessionStorage.getItem('lifelong.flash'); // a confirmation from the view we came from
    if (note) { sessionStorage.removeItem('lifelong.flash'); flash(note, true); }
  } catch (err) {
    if (box.isConnected) {
      // A screen that cannot load says so in place of the spinner.
      show(box, html`<p class="card muted" data-load-failed>${err.message || '無法載入此頁面。'}</p>`);
      fail(err);
    }
  }
  $('main').focus({ preventScroll: true });
}

async function switchAgency(e) {
  try {
    await api('PUT', '/api/me/agency', { agency: e.target.value });
    await loadMe();
    flash(`已切換至 ${state.me.active.name}。`, true);
    await route();
    flash(`已切換至 ${state.me.active.name}。`, true);
  } catch (err) { fail(err); }
}

async function signOut() {
  try { await api('POST', '/api/auth/signout'); } catch { /* sign out locally in any case */ }
  session.token = '';
  state.me = null;
  sessionStorage.setItem('lifelong.notice', '您已登出。');
  location.hash = '#/signin';
}

async function openManual() {
  try {
    const m = await api('GET', '/api/home/manual');
    window.open(m.url, '_blank', 'noopener');
  } catch (err) { fail(err); }
}

// A view hands over a fresh token (shell.signedIn); route to the home page.
window.addEventListener('lifelong:signed-in', async (e) => {
  session.token = e.detail.token;
  state.me = null;
  // Changing the hash routes (hashchange); route directly only when it does not change.
  if (location.hash === '#/' || location.hash === '') await route();
  else location.hash = '#/';
  e.detail.resolve();
});

window.addEventListener('hashchange', route);
window.addEventListener('DOMContentLoaded', async () => {
  $('agency-switch').addEventListener('change', switchAgency);
  $('signout').addEventListener('click', signOut);
  $('manual-link').addEventListener('click', openManual);
  route();
});
