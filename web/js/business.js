// P14 類別維護(與業務相關): tick the course categories the agency counts as
// related to its business (the default of P15's 與業務相關); one save for the
// whole set, over the version that was read.
import { api } from './api.js';
import { html, show } from './lit.js';
import { state, fail, flash } from './shell.js';
import { codeTable } from './forms.js';
import { rocDateTime } from './format.js';

export async function businessView(el) {
  let set, entries;
  const load = async () => {
    try {
      [set, entries] = await Promise.all([api('GET', '/api/business-categories'), codeTable('categories')]);
    } catch (err) {
      fail(err);
      return;
    }
    draw();
  };
  const save = async (e) => {
    e.preventDefault();
    const categories = [...e.target.querySelectorAll('input[name="category"]:checked')].map((i) => i.value);
    try {
      set = await api('PUT', '/api/business-categories', { categories, updated: set.updated || '0001-01-01T00:00:00Z' });
      flash(`已儲存 ${categories.length} 個與業務相關的類別。`, true);
      draw();
    } catch (err) {
      fail(err);
    }
  };
  const draw = () => {
    const on = new Set(set.categories);
    show(el, html`<h1>類別維護（與業務相關） <span class="muted">P14</span></h1>
      <form class="card" id="bc-form" @submit=${save}>
        <p class="muted">勾選 ${state.me.active.name} 視為與業務相關的課程類別；人事單位複核民間機構學習時數（P15）時以此預設「與業務相關」。
          ${set.updated ? html`最後儲存：${rocDateTime(set.updated)}（${set.updatedBy}）` : '尚未設定。'}</p>
        <fieldset><legend>課程類別</legend>
          <ul class="tree" id="bc-list">${entries.map((e) => html`<li class=${'level' + (e.level || 1)}>
            <label class="inline"><input type="checkbox" name="category" value=${e.code} .checked=${on.has(e.code)}>
              ${'　'.repeat((e.level || 1) - 1)}${e.code} ${e.name}</label></li>`)}</ul>
        </fieldset>
        <p class="actions"><button type="submit">儲存</button></p>
      </form>`);
  };
  await load();
}
