// The one import of the templating library (lit-html, vendored: see
// web/vendor/README.md). Views write html`…` templates; every ${value} is a
// text node or an attribute value, never markup, so data is escaped by
// construction.
import { html, render, nothing } from '../vendor/lit-html/lit-html.js';
import { live } from '../vendor/lit-html/directives/live.js';
import { ref, createRef } from '../vendor/lit-html/directives/ref.js';
import { repeat } from '../vendor/lit-html/directives/repeat.js';

export { html, render, nothing, live, ref, createRef, repeat };

// show draws a template into el. The first draw clears what was there (a
// "loading" text, or nodes drawn otherwise); later draws update in place.
export function show(el, template) {
  if (!el._$litPart$) el.replaceChildren();
  render(template, el);
}
