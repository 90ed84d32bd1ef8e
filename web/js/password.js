// H4: statistics accounts change their password here; officers use ECPA.
import { api, session } from './api.js';
import { esc } from './format.js';
import { state, flash, fail } from './app.js';

export async function passwordView(el) {
  if (state.me.user.kind !== 'stats') {
    el.innerHTML = `<h1>修改密碼</h1><div class="card"><p>公務人員以人事服務網（ECPA）帳號登入本系統，請至
      <a href="${esc(state.me.links.password)}" target="_blank" rel="noopener">人事服務網</a> 修改密碼。</p></div>`;
    return;
  }
  el.innerHTML = `<h1>修改密碼</h1>
    <form class="card" id="pw-form" novalidate>
      <p class="muted">新密碼須至少 12 個字元，並包含大寫與小寫英文字母、數字及符號，且不可包含帳號名稱。</p>
      <label for="pw-current" class="req">目前的密碼</label>
      <input type="password" id="pw-current" autocomplete="current-password">
      <div class="field-error" id="err-current"></div>
      <label for="pw-new" class="req">新密碼</label>
      <input type="password" id="pw-new" autocomplete="new-password">
      <div class="field-error" id="err-new"></div>
      <label for="pw-confirm" class="req">再輸入一次新密碼</label>
      <input type="password" id="pw-confirm" autocomplete="new-password">
      <div class="field-error" id="err-confirm"></div>
      <p class="actions"><button type="submit">變更密碼</button></p>
    </form>`;
  el.querySelector('#pw-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const id of ['current', 'new', 'confirm']) el.querySelector('#err-' + id).textContent = '';
    const current = el.querySelector('#pw-current').value;
    const next = el.querySelector('#pw-new').value;
    if (next !== el.querySelector('#pw-confirm').value) {
      el.querySelector('#err-confirm').textContent = '兩次輸入的新密碼不一致。';
      return;
    }
    try {
      await api('PUT', '/api/auth/stats/password', { current, new: next });
      // The change ends every session of the account, this one included.
      session.token = '';
      state.me = null;
      sessionStorage.setItem('lifelong.notice', '密碼已變更，請以新密碼重新登入。');
      location.hash = '#/signin';
    } catch (err) {
      const slot = err.field && el.querySelector('#err-' + err.field);
      if (slot) slot.textContent = err.message; else fail(err);
    }
  });
}
