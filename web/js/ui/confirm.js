// A confirmation dialog (a modal <dialog>: focus stays inside, Esc cancels)
// instead of the browser's confirm(), so it reads the same as the screens and
// works with screen readers and tests alike.
import { html, render } from '../lit.js';

// confirmDialog answers true when the officer presses the confirming button.
export function confirmDialog(message, { ok = '確定', danger = false, reason = null } = {}) {
  return new Promise((resolve) => {
    const dlg = document.createElement('dialog');
    dlg.className = 'confirm';
    dlg.setAttribute('aria-labelledby', 'confirm-msg');
    document.body.append(dlg);
    let answer = false;
    const done = (v) => { answer = v; dlg.close(); };
    const submit = (e) => {
      e.preventDefault();
      if (reason) {
        const input = dlg.querySelector('#confirm-reason');
        if (!input.value.trim()) {
          dlg.querySelector('#confirm-reason-err').textContent = reason.required;
          input.setAttribute('aria-invalid', 'true');
          input.focus();
          return;
        }
        answer = input.value.trim();
        dlg.close();
        return;
      }
      done(true);
    };
    render(html`<form method="dialog" @submit=${submit} novalidate>
      <p id="confirm-msg">${message}</p>
      ${reason ? html`<label for="confirm-reason" class="req">${reason.label}</label>
        <input type="text" id="confirm-reason" autocomplete="off" aria-describedby="confirm-reason-err">
        <div class="field-error" id="confirm-reason-err"></div>` : ''}
      <p class="actions"><button type="submit" class=${danger ? 'danger' : ''} data-confirm>${ok}</button>
        <button type="button" class="secondary" data-cancel @click=${() => done(false)}>取消</button></p></form>`, dlg);
    dlg.addEventListener('close', () => { dlg.remove(); resolve(answer); });
    dlg.showModal();
    (dlg.querySelector('#confirm-reason') || dlg.querySelector('[data-cancel]')).focus();
  });
}

// askReason asks for a reason (required) and answers it, or false if cancelled.
export function askReason(message, { ok = '確定', label = '原因', required = '請填寫原因。' } = {}) {
  return confirmDialog(message, { ok, danger: true, reason: { label, required } });
}
