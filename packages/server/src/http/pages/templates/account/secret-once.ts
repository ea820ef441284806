import { type HtmlSafe, html } from '../html.js';

/**
 * A secret shown this one time: plain selectable text, so the page works without a script, and a
 * Copy button that assets/copy.js reveals (it stays hidden without the script or a clipboard).
 */
export function secretOnce(view: { label: string; secret: string; note: string }): HtmlSafe {
  return html`<section class="secret-once" aria-labelledby="secret-heading">
<h2 id="secret-heading">${view.label}</h2>
<p>${view.note}</p>
<p class="secret-line"><code id="new-secret" class="secret">${view.secret}</code>
<button type="button" class="button button-secondary button-inline" data-copy="new-secret" data-copy-status="copy-status" hidden>Copy</button>
<span id="copy-status" class="copy-status" role="status"></span></p>
</section>`;
}
