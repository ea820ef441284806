import type { Client } from '../../../../clients/client.js';
import { type HtmlSafe, html } from '../html.js';
import { consoleLayout, when } from './console-layout.js';
import { formError, postButton, secretOnce } from './forms.js';

export interface ClientsView {
  readonly admin: string;
  readonly csrfToken: string;
  readonly clients: readonly Client[];
  /** Owners' usernames by user id (personal clients and API keys). */
  readonly owners: ReadonlyMap<string, string>;
  readonly nextHref: string | null;
  readonly flash?: string | null;
  readonly error?: string | null;
  /** A secret just rotated, shown once in the answer to the POST. */
  readonly rotated?: {
    readonly clientId: string;
    readonly secret: string;
    readonly previousExpiresAt: Date | null;
  } | null;
}

function kindLabel(client: Client): string {
  if (client.kind === 'personal') return 'Personal client';
  if (client.kind === 'api_key') return 'API key';
  return client.type === 'public' ? 'Registered (public)' : 'Registered (confidential)';
}

/** /admin/clients: registered clients, personal clients and API keys, with revoke and rotate. */
export function clientsPage(view: ClientsView): HtmlSafe {
  const rows = view.clients.map((c) => {
    const owner = c.ownerUserId === null ? '—' : (view.owners.get(c.ownerUserId) ?? c.ownerUserId);
    const live = c.revokedAt === null;
    const actions = live
      ? html`${c.type === 'confidential' && postButton(`/admin/clients/${encodeURIComponent(c.id)}/rotate`, 'Rotate secret', view.csrfToken, { accessibleLabel: `Rotate the secret of ${c.name}` })}${postButton(`/admin/clients/${encodeURIComponent(c.id)}/revoke`, 'Revoke', view.csrfToken, { danger: true, accessibleLabel: `Revoke ${c.name}` })}`
      : html`Revoked ${when(c.revokedAt)}`;
    return html`<tr>
<th scope="row">${c.name}<br><code class="small">${c.id}</code></th>
<td>${kindLabel(c)}</td><td>${owner}</td><td>${c.scopes.join(' ') || '—'}</td><td>${when(c.createdAt)}</td>
<td><div class="button-row">${actions}</div></td>
</tr>`;
  });
  const rotated =
    view.rotated != null &&
    html`${secretOnce(`New secret of ${view.rotated.clientId}`, view.rotated.secret)}${view.rotated.previousExpiresAt !== null && html`<p class="note">The previous secret stopped working at ${when(view.rotated.previousExpiresAt)}.</p>`}`;
  const body = html`${formError(view.error)}${rotated}
<div class="table-wrap" tabindex="0" role="region" aria-label="Clients and API keys (scrolls sideways)"><table class="table">
<caption>Clients and API keys</caption>
<thead><tr><th scope="col">Name and id</th><th scope="col">Kind</th><th scope="col">Owner</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">Actions</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="6">No clients.</td></tr>` : rows}</tbody>
</table></div>
${view.nextHref !== null && html`<p><a href="${view.nextHref}" class="next-page">Next page</a></p>`}`;
  return consoleLayout({
    title: 'Clients and API keys',
    section: '/admin/clients',
    admin: view.admin,
    flash: view.flash,
    body,
  });
}
