import type { Scope } from '../../../../clients/scope.js';
import { type HtmlSafe, html } from '../html.js';
import { csrfInput } from '../layout.js';
import { consoleLayout } from './console-layout.js';
import { formError } from './forms.js';

export interface ScopesView {
  readonly admin: string;
  readonly csrfToken: string;
  readonly scopes: readonly Scope[];
  readonly flash?: string | null;
  readonly error?: string | null;
}

/** /admin/scopes: the registry, and a form to add a scope. */
export function scopesPage(view: ScopesView): HtmlSafe {
  const rows = view.scopes.map(
    (s) =>
      html`<tr><th scope="row"><code>${s.name}</code></th><td>${s.description || '—'}</td><td>${s.claims.join(' ') || '—'}</td><td>${s.builtIn ? 'Built in' : s.restricted ? 'Restricted' : 'Open'}</td></tr>`,
  );
  const body = html`${formError(view.error)}
<div class="table-wrap" tabindex="0" role="region" aria-label="Registered scopes (scrolls sideways)"><table class="table">
<caption>Registered scopes</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col">Claims</th><th scope="col">Kind</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>
<section class="panel" aria-labelledby="create-scope">
<h2 id="create-scope">Create a scope</h2>
<form method="post" action="/admin/scopes" class="form form-grid">
${csrfInput(view.csrfToken)}
<div class="field"><label for="scope-name">Name</label><input type="text" id="scope-name" name="name" required maxlength="128" autocomplete="off" autocapitalize="none" spellcheck="false"></div>
<div class="field"><label for="scope-description">Description</label><input type="text" id="scope-description" name="description" maxlength="500" autocomplete="off"></div>
<div class="field field-check"><input type="checkbox" id="scope-restricted" name="restricted" value="true" aria-describedby="scope-restricted-hint"><label for="scope-restricted">Restricted</label><p class="hint" id="scope-restricted-hint">Only an administrator may grant it; people cannot put it on their API keys.</p></div>
<button type="submit" class="button button-primary button-inline">Create scope</button>
</form>
</section>`;
  return consoleLayout({
    title: 'Scopes',
    section: '/admin/scopes',
    admin: view.admin,
    flash: view.flash,
    body,
  });
}
