// The shell's shared state for every view: who is signed in, the flash
// message, errors, and moving to another screen. Views import this module,
// never app.js (which imports the views), so there is no import cycle.
import { session, ApiError } from './api.js';

export const state = { me: null };

const $ = (id) => document.getElementById(id);

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
    signOutLocally(err.message);
    return;
  }
  flash(err.message || String(err));
}

// signOutLocally forgets the session and shows the sign-in page with a notice.
export function signOutLocally(notice) {
  session.token = '';
  state.me = null;
  if (notice) sessionStorage.setItem('lifelong.notice', notice);
  location.hash = '#/signin';
}

// go moves to another screen, with a confirmation the next screen shows.
export function go(hash, note) {
  if (note) sessionStorage.setItem('lifelong.flash', note);
  location.hash = hash;
}

// granted reports whether the caller holds function id in the active agency.
export function granted(id) {
  return !!state.me && state.me.functions.some((f) => f.id === id);
}

// signedIn hands a fresh token to the shell (app.js listens).
export function signedIn(token) {
  return new Promise((resolve) => window.dispatchEvent(new CustomEvent('lifelong:signed-in', { detail: { token, resolve } })));
}
