import type { ClientKind } from '../../../../clients/client.js';
import type { OwnClient } from '../../../../clients/own-clients.js';
import type { UsageDay } from '../../../../clients/usage-report.js';
import { type HtmlSafe, html } from '../html.js';
import { csrfInput, hiddenInput } from '../layout.js';
import { accountLayout, when } from './account-layout.js';
import { secretOnce } from './secret-once.js';
import { usageChart } from './usage-chart.js';

export interface OwnClientsView {
  readonly kind: ClientKind;
  readonly username: string;
  readonly csrfToken: string;
  readonly clients: readonly OwnClient[];
  /** API keys: usage per day, by client id. */
  readonly usage: ReadonlyMap<string, readonly UsageDay[]>;
  /** API keys: the scopes that may be put on a key (registered, not restricted, not sign-in ones). */
  readonly grantableScopes: ReadonlyArray<{ name: string; description: string }>;
  /** A secret just issued (created or rotated), shown this once. */
  readonly issued?: { readonly clientId: string; readonly secret: string; readonly note: string } | undefined;
  readonly notice?: string | undefined;
  readonly error?: string | undefined;
}

/** The overlaps offered when rotating: how long the previous secret keeps working. */
export const overlapChoices: ReadonlyArray<{ seconds: number; label: string }> = [
  { seconds: 0, label: 'None: the old secret stops now' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '1 day' },
  { seconds: 7 * 86_400, label: '7 days' },
];

const words = {
  personal: {
    section: '/account/clients',
    title: 'Personal API clients',
    lead: 'A personal client signs you in to scripts and tools with your own username and password (the password grant). It works for you only.',
    empty: 'You have no personal client yet.',
    noun: 'client',
  },
  api_key: {
    section: '/account/keys',
    title: 'API keys',
    lead: 'An API key gets tokens for itself (client credentials), with the scopes you choose. Rotate it with an overlap so running jobs can switch without downtime.',
    empty: 'You have no API key yet.',
    noun: 'API key',
  },
} as const;

/** /account/clients and /account/keys: the list, each with rotate and revoke, and the create form. */
export function ownClientsPage(view: OwnClientsView): HtmlSafe {
  const w = words[view.kind];
  const items = view.clients.map((owned, index) => clientItem(view, owned, index));
  const body = html`<p class="lead">${w.lead}</p>${
    view.issued !== undefined &&
    html`\n${secretOnce({ label: `Secret of ${view.issued.clientId}`, secret: view.issued.secret, note: view.issued.note })}`
  }
${view.clients.length === 0 ? html`<p>${w.empty}</p>` : html`<ul class="items" aria-label="Your ${w.noun}s">${items}\n</ul>`}
${createForm(view)}`;
  return accountLayout({
    section: w.section,
    title: w.title,
    username: view.username,
    notice: view.notice,
    error: view.error,
    body,
  });
}

function clientItem(view: OwnClientsView, owned: OwnClient, index: number): HtmlSafe {
  const { client, secrets } = owned;
  const base = words[view.kind].section;
  const label = `client-${index}`;
  const lastUsed = secrets
    .map((s) => s.lastUsed?.at ?? null)
    .reduce<Date | null>(
      (latest, at) => (at !== null && (latest === null || at > latest) ? at : latest),
      null,
    );
  const overlapEnd = secrets.find((s) => s.expiresAt !== null)?.expiresAt ?? null;
  const usage = view.usage.get(client.id);
  const overlapOptions = overlapChoices.map(
    (c) => html`<option value="${c.seconds}"${c.seconds === 0 && html` selected`}>${c.label}</option>`,
  );
  return html`
<li class="item item-stacked" aria-labelledby="${label}">
<div class="item-main">
<h2 class="item-title" id="${label}">${client.name}</h2>
<dl class="facts">
<dt>Client ID</dt><dd><code class="client-id">${client.id}</code></dd>
<dt>Scopes</dt><dd>${client.scopes.length === 0 ? 'none' : client.scopes.map((s, i) => html`${i > 0 && ' '}<code class="scope-name">${s}</code>`)}</dd>
<dt>Created</dt><dd>${when(client.createdAt)}</dd>
<dt>Last used</dt><dd>${when(lastUsed)}</dd>
${overlapEnd !== null && html`<dt>Previous secret</dt><dd>works until ${when(overlapEnd)}</dd>`}
</dl>
${usage !== undefined && usageChart({ id: `usage-${index}`, name: client.name, days: usage })}
</div>
<div class="item-actions">
<form method="post" action="${base}/rotate" class="inline-form">
${csrfInput(view.csrfToken)}
${hiddenInput('client_id', client.id)}
<label for="overlap-${index}">Old secret keeps working</label>
<select id="overlap-${index}" name="overlap_seconds">${overlapOptions}</select>
<button type="submit" class="button button-secondary button-inline" aria-describedby="${label}">Rotate secret</button>
</form>
<form method="post" action="${base}/revoke" class="inline-form">
${csrfInput(view.csrfToken)}
${hiddenInput('client_id', client.id)}
<button type="submit" class="button button-danger button-inline" aria-describedby="${label}">Revoke</button>
</form>
</div>
</li>`;
}

function createForm(view: OwnClientsView): HtmlSafe {
  const w = words[view.kind];
  const scopes =
    view.kind === 'api_key' &&
    html`
<fieldset class="field checkboxes">
<legend>Scopes</legend>
${view.grantableScopes.length === 0 ? html`<p class="hint">No API scope is registered yet.</p>` : ''}${view.grantableScopes.map(
  (s, i) =>
    html`<div class="checkbox"><input type="checkbox" id="scope-${i}" name="scopes" value="${s.name}"><label for="scope-${i}"><code class="scope-name">${s.name}</code> ${s.description}</label></div>\n`,
)}</fieldset>`;
  return html`<section aria-labelledby="create-heading" class="create">
<h2 id="create-heading">New ${w.noun}</h2>
<form method="post" action="${w.section}" class="form portal-form">
${csrfInput(view.csrfToken)}
<div class="field">
<label for="name">Name</label>
<input type="text" id="name" name="name" maxlength="200" required>
</div>${scopes}
<button type="submit" class="button button-primary button-inline">Create ${w.noun}</button>
</form>
</section>`;
}
