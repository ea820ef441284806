import type { ServiceTokenRecord } from '../../../../accounts/service-tokens.js';
import type { User } from '../../../../accounts/user.js';
import { type HtmlSafe, html } from '../html.js';
import { csrfInput } from '../layout.js';
import { consoleLayout, when } from './console-layout.js';
import { formError, postButton, secretOnce } from './forms.js';

export interface UserDetailView {
  readonly admin: string;
  readonly csrfToken: string;
  readonly user: User;
  readonly activeSessions: number;
  /** A service account's tokens (without their text); empty for a person. */
  readonly tokens: readonly ServiceTokenRecord[];
  readonly now: Date;
  readonly flash?: string | null;
  readonly error?: string | null;
  /** A token just issued: its text, shown once in the answer to the POST. */
  readonly issued?: { readonly token: string; readonly expiresAt: Date } | null;
}

/** /admin/users/{id}: one account and what an administrator may do to it. */
export function userDetailPage(view: UserDetailView): HtmlSafe {
  const { user, csrfToken } = view;
  const base = `/admin/users/${user.id}`;
  const isService = user.kind === 'service';
  const toggle = user.disabled
    ? postButton(`${base}/enable`, 'Enable', csrfToken)
    : postButton(`${base}/disable`, 'Disable', csrfToken, { danger: true });
  const password =
    !isService &&
    html`<section class="panel" aria-labelledby="set-password">
<h2 id="set-password">Set a password</h2>
<form method="post" action="${base}/password" class="form">
${csrfInput(csrfToken)}
<div class="field"><label for="password">New password</label><input type="password" id="password" name="password" required autocomplete="new-password" aria-describedby="password-hint"><p class="hint" id="password-hint">Their sessions end.</p></div>
<button type="submit" class="button button-primary button-inline">Set password</button>
</form>
</section>`;
  const body = html`${formError(view.error)}${view.issued != null && secretOnce(`Token (expires ${when(view.issued.expiresAt)})`, view.issued.token)}
<dl class="facts">
<div><dt>Username</dt><dd>${user.username}</dd></div>
<div><dt>Kind</dt><dd>${isService ? 'Service account' : user.isAdmin ? 'Administrator' : 'Person'}</dd></div>
<div><dt>Status</dt><dd>${user.disabled ? 'Disabled' : 'Active'}</dd></div>
<div><dt>Email</dt><dd>${user.email ?? '—'}</dd></div>
<div><dt>Name</dt><dd>${`${user.firstName} ${user.lastName}`.trim() || '—'}</dd></div>
<div><dt>Active sessions</dt><dd>${view.activeSessions}</dd></div>
<div><dt>Created</dt><dd>${when(user.createdAt)}</dd></div>
</dl>
<div class="button-row">${toggle}${postButton(`${base}/sessions/end`, 'End all sessions', csrfToken, { danger: true })}</div>
${password}${isService && tokensSection(view, base)}`;
  return consoleLayout({
    title: user.username,
    section: isService ? '/admin/service-accounts' : '/admin/users',
    admin: view.admin,
    flash: view.flash,
    body,
  });
}

function tokenState(token: ServiceTokenRecord, now: Date): string {
  if (token.endedAt !== null) return `Ended (${token.endReason ?? 'ended'})`;
  return token.expiresAt <= now ? 'Expired' : 'Valid';
}

function tokensSection(view: UserDetailView, base: string): HtmlSafe {
  const rows = view.tokens.map(
    (t) => html`<tr>
<th scope="row"><code>${t.jti}</code></th><td>${when(t.createdAt)}</td><td>${when(t.expiresAt)}</td><td>${tokenState(t, view.now)}</td>
<td>${t.endedAt === null && t.expiresAt > view.now ? postButton(`/admin/service-tokens/${encodeURIComponent(t.jti)}/revoke`, 'Revoke', view.csrfToken, { danger: true, accessibleLabel: `Revoke token ${t.jti}` }) : '—'}</td>
</tr>`,
  );
  return html`<section class="panel" aria-labelledby="tokens-heading">
<h2 id="tokens-heading">Tokens</h2>
<div class="table-wrap" tabindex="0" role="region" aria-label="Tokens (scrolls sideways)"><table class="table">
<caption>Tokens of this service account</caption>
<thead><tr><th scope="col">Token id (jti)</th><th scope="col">Issued</th><th scope="col">Expires</th><th scope="col">State</th><th scope="col">Action</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="5">No tokens yet.</td></tr>` : rows}</tbody>
</table></div>
<form method="post" action="${base}/service-tokens" class="form form-inline">
${csrfInput(view.csrfToken)}
<div class="field"><label for="expires-days">Valid for (days, 1–365)</label><input type="number" id="expires-days" name="expires_in_days" min="1" max="365" value="90" required></div>
<button type="submit" class="button button-primary button-inline">Issue a token</button>
</form>
</section>`;
}
