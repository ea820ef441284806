import type { ListedConsent } from '../../../../oauth/user-consents.js';
import { type HtmlSafe, html } from '../html.js';
import { csrfInput, hiddenInput } from '../layout.js';
import { accountLayout, when } from './account-layout.js';

export interface AppsView {
  readonly username: string;
  readonly csrfToken: string;
  readonly consents: readonly ListedConsent[];
  readonly notice?: string | undefined;
  readonly error?: string | undefined;
}

/** /account/apps: the apps you let in (consents), each with "Remove access". */
export function appsPage(view: AppsView): HtmlSafe {
  const rows = view.consents.map((consent, index) => {
    const label = `app-${index}`;
    return html`
<li class="item" aria-labelledby="${label}">
<div class="item-main">
<p class="item-title" id="${label}">${consent.clientName}</p>
<p class="item-meta">Allowed ${when(consent.grantedAt)}: ${consent.scopes.map((s, i) => html`${i > 0 && ' '}<code class="scope-name">${s}</code>`)}</p>
</div>
<form method="post" action="/account/apps/remove" class="item-action">
${csrfInput(view.csrfToken)}
${hiddenInput('client_id', consent.clientId)}
<button type="submit" class="button button-secondary button-inline" aria-describedby="${label}">Remove access</button>
</form>
</li>`;
  });
  const body =
    view.consents.length === 0
      ? html`<p class="lead">No app has access to your account.</p>`
      : html`<p class="lead">Apps you allowed to act for you. Removing access signs the app out; it must ask again.</p>
<ul class="items" aria-label="Connected apps">${rows}
</ul>`;
  return accountLayout({
    section: '/account/apps',
    title: 'Connected apps',
    username: view.username,
    notice: view.notice,
    error: view.error,
    body,
  });
}
