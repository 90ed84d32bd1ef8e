// Sign-in: officers through the ECPA personnel SSO (locally, a development
// issuer lists the demo users), statistics accounts with their password.
import { api, session } from './api.js';
import { html, show, nothing } from './lit.js';
import { flash, state, signedIn } from './shell.js';

export async function signInView(el) {
  const notice = sessionStorage.getItem('lifelong.notice');
  sessionStorage.removeItem('lifelong.notice');
  const config = await api('GET', '/api/auth/config').catch(() => null);
  let devUsers = null;
  try { devUsers = (await api('GET', '/api/dev/users')).items; } catch { devUsers = null; }
  const pick = async (id) => {
    try {
      const { token } = await api('POST', '/api/dev/token', { userId: id });
      await signedIn(token);
    } catch (err) { flash(err.message); }
  };
  const statsLogin = async (e) => {
    e.preventDefault();
    try {
      const out = await api('POST', '/api/auth/stats/login', {
        username: el.querySelector('#stats-user').value.trim(),
        password: el.querySelector('#stats-pass').value,
      });
      await signedIn(out.token);
      if (out.mustChangePassword) {
        location.hash = '#/password';
        flash('您的密碼已由管理者重設，請先設定新密碼。', true);
      }
    } catch (err) { flash(err.message); }
  };
  show(el, html`<div class="signin">
    <h1>終身學習入口網站 管理後台</h1>
    ${notice ? html`<p class="card" role="status">${notice}</p>` : nothing}
    <section class="card" aria-labelledby="sso-h">
      <h2 id="sso-h">公務人員登入（人事服務網單一登入）</h2>
      ${devUsers ? html`<p class="muted">本機開發環境：以下示範帳號由本機的單一登入模擬服務簽發憑證。</p>
        <div class="users">${devUsers.map((u) => html`<button type="button" data-user=${u.id} ?data-disabled=${u.disabled} @click=${() => pick(u.id)}>
          <strong>${u.name}</strong> <span class="muted">${u.id}</span>
          <span class="role">${u.agencyName}．${u.role}${u.serves && u.serves.length ? '．有兼辦機關' : ''}${u.disabled ? html`．<span class="badge off">已停用</span>` : nothing}</span>
        </button>`)}</div>
        <p class="muted">或經由本機的單一登入頁面（與正式環境相同的流程）：</p>` : nothing}
      <p><button type="button" id="sso-go" class=${devUsers ? 'secondary' : nothing} @click=${() => config && startSSO(config.sso)}>以人事服務網帳號登入</button></p>
    </section>
    <section class="card" aria-labelledby="stats-h">
      <h2 id="stats-h">特定統計報表帳號登入</h2>
      <form id="stats-form" novalidate @submit=${statsLogin}>
        <label for="stats-user" class="req">帳號</label>
        <input type="text" id="stats-user" autocomplete="username" required>
        <label for="stats-pass" class="req">密碼</label>
        <input type="password" id="stats-pass" autocomplete="current-password" required>
        <p class="actions"><button type="submit">登入</button></p>
      </form>
    </section></div>`);
}

// startSSO sends the officer to the SSO (OpenID Connect, id_token in the fragment).
async function startSSO(sso) {
  const conf = await fetch(sso.issuer.replace(/\/$/, '') + '/.well-known/openid-configuration').then((r) => r.json());
  const rand = () => crypto.getRandomValues(new Uint32Array(4)).join('');
  const st = rand(), nonce = rand();
  sessionStorage.setItem('lifelong.sso', JSON.stringify({ state: st, nonce }));
  const q = new URLSearchParams({ response_type: 'id_token', client_id: sso.clientId, scope: 'openid',
    redirect_uri: location.origin + location.pathname, response_mode: 'fragment', state: st, nonce });
  location.assign(conf.authorization_endpoint + '?' + q);
}

// finishSSO takes the id_token the SSO returned in the fragment, once.
export async function finishSSO() {
  const h = new URLSearchParams(location.hash.replace(/^#/, ''));
  if (!h.get('id_token')) return false;
  const want = JSON.parse(sessionStorage.getItem('lifelong.sso') || '{}');
  sessionStorage.removeItem('lifelong.sso');
  history.replaceState(null, '', location.pathname);
  const claims = decodeClaims(h.get('id_token'));
  if (!want.state || h.get('state') !== want.state || !claims || claims.nonce !== want.nonce) {
    session.token = '';
    state.me = null;
    sessionStorage.setItem('lifelong.notice', '登入失敗：回傳的狀態不符，請重新登入。');
    location.hash = '#/signin';
    return true;
  }
  await signedIn(h.get('id_token'));
  return true;
}

function decodeClaims(jwt) {
  try {
    const b64 = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch { return null; }
}
