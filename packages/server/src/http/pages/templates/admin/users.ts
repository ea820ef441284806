import type { User } from '../../../../accounts/user.js';
import { type HtmlSafe, html } from '../html.js';
import { csrfInput } from '../layout.js';
import { consoleLayout, when } from './console-layout.js';
import { formError, secretOnce } from './forms.js';

export interface UsersView {
  readonly admin: string;
  readonly csrfToken: string;
  readonly search: string;
  readonly users: readonly User[];
  /** The link to the next page, or null on the last one. */
  readonly nextHref: string | null;
  readonly flash?: string | null;
  readonly error?: string | null;
  /** After creating a person without a password: the generated one, shown once. */
  readonly created?: { readonly user: User; readonly password: string | undefined } | null;
}

function status(user: User): string {
  return user.disabled ? 'Disabled' : 'Active';
}

function role(user: User): string {
  if (user.kind === 'service') return 'Service account';
  return user.isAdmin ? 'Administrator' : 'Person';
}

/** /admin/users: search, a page of users, and the form that creates a person. */
export function usersPage(view: UsersView): HtmlSafe {
  const rows = view.users.map(
    (u) => html`<tr>
<th scope="row"><a href="/admin/users/${u.id}">${u.username}</a></th>
<td>${u.email ?? '—'}</td><td>${role(u)}</td><td>${status(u)}</td><td>${when(u.createdAt)}</td>
</tr>`,
  );
  const created =
    view.created != null &&
    html`<p class="flash" role="status">Created <a href="/admin/users/${view.created.user.id}">${view.created.user.username}</a>.</p>${view.created.password !== undefined && secretOnce('Generated password', view.created.password)}`;
  const body = html`${created}${formError(view.error)}
<form method="get" action="/admin/users" class="search-form" role="search">
<label for="user-search">Search users</label>
<input type="search" id="user-search" name="q" value="${view.search}" maxlength="100">
<button type="submit" class="button button-inline">Search</button>
</form>
<div class="table-wrap" tabindex="0" role="region" aria-label="Users (scrolls sideways)"><table class="table">
<caption>${view.search === '' ? 'Users' : `Users matching “${view.search}”`}</caption>
<thead><tr><th scope="col">Username</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Created</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="5">No users.</td></tr>` : rows}</tbody>
</table></div>
${view.nextHref !== null && html`<p><a href="${view.nextHref}" class="next-page">Next page</a></p>`}
<section class="panel" aria-labelledby="create-user">
<h2 id="create-user">Create a person</h2>
<form method="post" action="/admin/users" class="form form-grid">
${csrfInput(view.csrfToken)}
<div class="field"><label for="new-username">Username</label><input type="text" id="new-username" name="username" required maxlength="150" autocomplete="off" autocapitalize="none" spellcheck="false"></div>
<div class="field"><label for="new-email">Email</label><input type="email" id="new-email" name="email" maxlength="254" autocomplete="off"></div>
<div class="field"><label for="new-first">First name</label><input type="text" id="new-first" name="first_name" maxlength="150" autocomplete="off"></div>
<div class="field"><label for="new-last">Last name</label><input type="text" id="new-last" name="last_name" maxlength="150" autocomplete="off"></div>
<div class="field"><label for="new-password">Password</label><input type="password" id="new-password" name="password" autocomplete="new-password" aria-describedby="new-password-hint"><p class="hint" id="new-password-hint">Leave empty to generate one, shown once.</p></div>
<div class="field field-check"><input type="checkbox" id="new-admin" name="is_admin" value="true"><label for="new-admin">Administrator</label></div>
<button type="submit" class="button button-primary button-inline">Create user</button>
</form>
</section>`;
  return consoleLayout({
    title: 'Users',
    section: '/admin/users',
    admin: view.admin,
    flash: view.flash,
    body,
  });
}
