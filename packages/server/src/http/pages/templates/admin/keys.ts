import type { StoredSigningKey } from '../../../../keys/signing-key.js';
import { type HtmlSafe, html } from '../html.js';
import { consoleLayout, when } from './console-layout.js';
import { postButton } from './forms.js';

export interface KeysView {
  readonly admin: string;
  readonly csrfToken: string;
  readonly keys: readonly StoredSigningKey[];
  readonly flash?: string | null;
}

/** /admin/keys: the signing keys' public facts, and rotation. */
export function keysPage(view: KeysView): HtmlSafe {
  const rows = view.keys.map(
    (k) =>
      html`<tr><th scope="row"><code>${k.kid}</code></th><td>${k.alg}</td><td>${k.use}</td><td>${k.status === 'active' ? 'Active' : 'Retired'}</td><td>${when(k.createdAt)}</td><td>${when(k.retainUntil)}</td></tr>`,
  );
  const body = html`<p class="note">Rotating makes new keys; the old ones stay published until every token they signed has expired.</p>
<div class="button-row">${postButton('/admin/keys/rotate', 'Rotate signing keys', view.csrfToken)}</div>
<div class="table-wrap" tabindex="0" role="region" aria-label="Signing keys (scrolls sideways)"><table class="table">
<caption>Signing keys</caption>
<thead><tr><th scope="col">Key id</th><th scope="col">Algorithm</th><th scope="col">Use</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Published until</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
  return consoleLayout({
    title: 'Signing keys',
    section: '/admin/keys',
    admin: view.admin,
    flash: view.flash,
    body,
  });
}
