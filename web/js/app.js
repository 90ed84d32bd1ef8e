// The back office's shell: sign-in, the top bar (user, active agency and its
// switcher, front stage, manual, password, sign-out), the menu of granted
// functions, and a hash router that draws one view at a time.
import { api, session, ApiError } from './api.js';
import { esc } from './format.js';
import { setServerNow } from './clock.js';
import { signInView, finishSSO } from './signin.js';
import { homeView } from './home.js';
import { membersView } from './members.js';
import { passwordView } from './password.js';
import { announcementsView, manualView } from './admin.js';
import { rosterView } from './roster.js';
import { coursesView } from './courses.js';
import { lecturersView, lecturerDbView } from './lecturers.js';
import { materialsView } from './materials.js';
import { uploadView, progressView } from './imports.js';
import { gradesView } from './grades.js';
import { nominationsView, nominationJobsView } from './nominations.js';

const onlineLater = (what) => `<div class="card"><p>${what}的線上逐筆登錄與維護尚在建置中；目前請以整批上傳辦理。</p></div>`;

const $ = (id) => document.getElementById(id);
export const state = { me: null };

// flash shows a message for the officer: errors in red, confirmations in green.
export function flash(msg, ok = false) {
  const el = $('flash');
  el.className = ok ? 'ok' : '';
  el.textContent = msg || '';
  if (msg) el.scrollIntoView({ block: 'nearest' });
}

// fail shows an API error; a refused session goes back to the sign-in page.
export function fail(err) {
  if (err instanceof ApiError && err.signedOut) {
    session.token = '';
    state.me = null;
    sessionStorage.setItem('lifelong.notice', err.message);
    location.hash = '#/signin';
    return;
  }
  flash(err.message || String(err));
}

const views = {
  '': homeView,
  'L8': membersView,
  'L5': rosterView,
  'L2': coursesView,
  'L3': lecturersView,
  'L4': lecturerDbView,
  'L7': materialsView,
  'L1': progressView,
  'P3': nominationsView,
  'P4': nominationJobsView,
  'L2b': (el, rest) => uploadView(el, ['courses', 'subjects'], 'L2b', rest),
  'L6a': (el, rest = []) => (!rest.length || rest[0] === 'class' ? gradesView(el, rest)
    : uploadView(el, ['hours-class'], 'L6a', rest[0] === 'upload' ? [] : rest,
      '<p class="card"><a href="#/L6a">改為線上逐筆登錄（成績回登）</a></p>')),
  'L6b': (el, rest) => uploadView(el, ['hours-external'], 'L6b', rest, onlineLater('未開班學員時數')),
  'L6c': (el, rest) => uploadView(el, ['hours-study'], 'L6c', rest, onlineLater('進修成績')),
  'password': passwordView,
  'SYS/announcements': announcementsView,
  'SYS/manual': manualView,
};

function placeholder(fid) {
  const f = state.me.functions.find((x) => x.id === fid);
  return async (el) => {
    el.innerHTML = `<h1>${esc(f ? f.name : fid)}</h1>
      <div class="card"><p>此功能（功能代碼 ${esc(fid)}）尚在建置中，將於後續版本提供。</p>
      <p class="muted">您已獲授權使用此功能；功能說明請參閱使用手冊。</p></div>`;
  };
}

// loadMe reads the caller; of overlapping reads (sign-in's and an agency
// switch's) only the newest one's answer is kept.
let meRequest = null;
async function loadMe() {
  const request = meRequest = api('GET', '/api/me');
  const me = await request;
  if (request !== meRequest) return;
  setServerNow(me.now);
  state.me = me;
  drawShell();
}

function drawShell() {
  const me = state.me;
  $('topbar').hidden = false;
  $('menu').hidden = false;
  $('who').textContent = `${me.user.name}（${me.user.kind === 'stats' ? '統計報表帳號' : me.user.id}）`;
  const sel = $('agency-switch');
  $('agency-switch-wrap').hidden = me.agencies.length < 2;
  $('agency-name').hidden = me.agencies.length >= 2;
  $('agency-name').textContent = me.active.name;
  sel.innerHTML = me.agencies.map((a) =>
    `<option value="${esc(a.code)}"${a.code === me.active.code ? ' selected' : ''}>${esc(a.name)}${a.code === me.home.code ? '（本職）' : '（兼辦）'}</option>`).join('');
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
  const groups = [];
  for (const f of me.functions) {
    let g = groups.find((x) => x.name === f.group);
    if (!g) groups.push(g = { name: f.group, items: [] });
    if (f.id === 'SYS') {
      g.items.push({ href: '#/SYS/announcements', label: '公告管理', id: 'H7' });
      g.items.push({ href: '#/SYS/manual', label: '使用手冊管理', id: 'H5' });
    } else {
      g.items.push({ href: '#/' + f.id, label: f.name, id: f.id });
    }
  }
  const home = me.user.kind === 'officer' ? '<a href="#/">首頁</a>' : '';
  $('menu').innerHTML = home + groups.map((g) => `<h2>${esc(g.name)}</h2>` +
    g.items.map((i) => `<a href="${i.href}">${esc(i.label)}<span class="fid">${esc(i.id)}</span></a>`).join('')).join('');
}

function markMenu() {
  const here = (location.hash || '#/').split('/').slice(0, 2).join('/');
  for (const a of document.querySelectorAll('#menu a')) {
    if (a.getAttribute('href') === (location.hash || '#/') || (here !== '#/' && a.getAttribute('href') === here)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
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
    return signInView(view);
  }
  try {
    if (!state.me) await loadMe();
  } catch (err) { return fail(err); }
  // #/L7/edit/<id>: a view gets the rest of the path.
  let draw = views[path];
  const [head, ...rest] = path.split('/');
  if (!draw && views[head] && state.me.functions.some((f) => f.id === head)) draw = (el) => views[head](el, rest);
  if (!draw && path === '' && state.me.user.kind === 'stats') draw = placeholder('S1');
  if (!draw && state.me.functions.some((f) => f.id === path)) draw = placeholder(path);
  if (!draw) {
    view.innerHTML = '<h1>找不到這個頁面</h1><p>您可能沒有此功能的權限，請由左側選單選擇功能。</p>';
    return markMenu();
  }
  // Each route draws into a box of its own: a slower earlier route that
  // finishes late writes into a detached box, never over the page now shown.
  const box = document.createElement('div');
  box.innerHTML = '<p class="muted">載入中…</p>';
  view.replaceChildren(box);
  markMenu();
  try {
    await draw(box);
    if (!box.isConnected) return;
    const note = sessionStorage.getItem('lifelong.flash'); // a confirmation from the view we came from
    if (note) { sessionStorage.removeItem('lifelong.flash'); flash(note, true); }
  } catch (err) {
    if (box.isConnected) fail(err);
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

// onSignedIn is called by the sign-in view with a fresh token.
export async function onSignedIn(token) {
  session.token = token;
  state.me = null;
  // Changing the hash routes (hashchange); route directly only when it does not change.
  if (location.hash === '#/' || location.hash === '') await route();
  else location.hash = '#/';
}

window.addEventListener('hashchange', route);
window.addEventListener('DOMContentLoaded', async () => {
  $('agency-switch').addEventListener('change', switchAgency);
  $('signout').addEventListener('click', signOut);
  $('manual-link').addEventListener('click', openManual);
  route();
});
