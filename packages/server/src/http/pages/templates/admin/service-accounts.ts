import type { User } from '../../../../accounts/user.js';
import { type HtmlSafe, html } from '../html.js';
import { csrfInput } from '../layout.js';
import { consoleLayout, when } from './console-layout.js';
import { formError } from './forms.js';

export interface ServiceAccountsView {
  readonly admin: string;
  readonly csrfToken: string;
  readonly accounts: readonly User[];
  readonly flash?: string | null;
  readonly error?: string | null;
}

/** /admin/service-accounts: robots; each links to its page, where its tokens are issued and revoked. */
export function serviceAccountsPage(view: ServiceAccountsView): HtmlSafe {
  const rows = view.accounts.map(
    (a) =>
      html`<tr><th scope="row"><a href="/admin/users/${a.id}">${a.username}</a></th><td>${a.scopes.join(' ') || '—'}</td><td>${a.permissions.join(' ') || '—'}</td><td>${a.disabled ? 'Disabled' : 'Active'}</td><td>${when(a.createdAt)}</td></tr>`,
  );
  const body = html`${formError(view.error)}
<div class="table-wrap" tabindex="0" role="region" aria-label="Service accounts (scrolls sideways)"><table class="table">
<caption>Service accounts</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col">Permissions</th><th scope="col">Status</th><th scope="col">Created</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="5">No service accounts.</td></tr>` : rows}</tbody>
</table></div>
<section class="panel" aria-labelledby="create-account">
<h2 id="create-account">Create a service account</h2>
<form method="post" action="/admin/service-accounts" class="form form-grid">
${csrfInput(view.csrfToken)}
<div class="field"><label for="account-name">Name</label><input type="text" id="account-name" name="name" required maxlength="150" autocomplete="off" autocapitalize="none" spellcheck="false"></div>
<div class="field"><label for="account-scopes">Scopes</label><input type="text" id="account-scopes" name="scopes" maxlength="1000" autocomplete="off" aria-describedby="account-scopes-hint"><p class="hint" id="account-scopes-hint">Separated by spaces.</p></div>
<button type="submit" class="button button-primary button-inline">Create service account</button>
</form>
</section>`;
  return consoleLayout({
    title: 'Service accounts',
    section: '/admin/service-accounts',
    admin: view.admin,
    flash: view.flash,
    body,
  });
}
