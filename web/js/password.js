// H4: statistics accounts change their password here; officers use ECPA.
import { api } from './api.js';
import { html, show } from './lit.js';
import { state, fail, signOutLocally } from './shell.js';
import { errorSlot, clearErrors, markError } from './ui/fields.js';

export async function passwordView(el) {
  if (state.me.user.kind !== 'stats') {
    show(el, html`<h1>修改密碼</h1><div class="card"><p>公務人員以人事服務網（ECPA）帳號登入本系統，請至
      <a href=${state.me.links.password} target="_blank" rel="noopener">人事服務網</a> 修改密碼。</p></div>`);
    return;
  }
  const submit = async (e) => {
    e.preventDefault();
    const f = e.target;
    clearErrors(f);
    const current = f.elements.current.value;
    const next = f.elements.new.value;
    if (next !== f.elements.confirm.value) {
      markError(f, 'confirm', '兩次輸入的新密碼不一致。');
      return;
    }
    try {
      await api('PUT', '/api/auth/stats/password', { current, new: next });
      // The change ends every session of the account, this one included.
      signOutLocally('密碼已變更，請以新密碼重新登入。');
    } catch (err) {
      if (!(err.field && markError(f, err.field, err.message))) fail(err);
    }
  };
  show(el, html`<h1>修改密碼</h1>
    <form class="card" id="pw-form" novalidate @submit=${submit}>
      <p class="muted">新密碼須至少 12 個字元，並包含大寫與小寫英文字母、數字及符號，且不可包含帳號名稱。</p>
      <label for="pw-current" class="req">目前的密碼</label>
      <input type="password" id="pw-current" name="current" autocomplete="current-password" aria-describedby="err-current">
      ${errorSlot('current')}
      <label for="pw-new" class="req">新密碼</label>
      <input type="password" id="pw-new" name="new" autocomplete="new-password" aria-describedby="err-new">
      ${errorSlot('new')}
      <label for="pw-confirm" class="req">再輸入一次新密碼</label>
      <input type="password" id="pw-confirm" name="confirm" autocomplete="new-password" aria-describedby="err-confirm">
      ${errorSlot('confirm')}
      <p class="actions"><button type="submit">變更密碼</button></p>
    </form>`);
}
