import type { User } from '../../../../accounts/user.js';
import { type HtmlSafe, html } from '../html.js';
import { csrfInput } from '../layout.js';
import { type AccountPage, accountLayout } from './account-layout.js';

export interface ProfileView {
  readonly user: User;
  readonly csrfToken: string;
  readonly notice?: string | undefined;
  readonly error?: string | undefined;
  /** Which form the error is about, so the right field gets focus. */
  readonly failed?: 'profile' | 'password' | undefined;
}

/** /account: names and email, and the password change form. */
export function profilePage(view: ProfileView): HtmlSafe {
  const { user } = view;
  const passwordFocus = view.failed === 'password' && html` autofocus`;
  const body = html`<section aria-labelledby="profile-heading">
<h2 id="profile-heading">Profile</h2>
<p class="muted">Username: <strong>${user.username}</strong></p>
<form method="post" action="/account/profile" class="form portal-form">
${csrfInput(view.csrfToken)}
<div class="field-row">
<div class="field">
<label for="first_name">First name</label>
<input type="text" id="first_name" name="first_name" value="${user.firstName}" autocomplete="given-name" maxlength="150">
</div>
<div class="field">
<label for="last_name">Last name</label>
<input type="text" id="last_name" name="last_name" value="${user.lastName}" autocomplete="family-name" maxlength="150">
</div>
</div>
<div class="field">
<label for="email">Email</label>
<input type="email" id="email" name="email" value="${user.email ?? ''}" autocomplete="email" maxlength="254" aria-describedby="email-note">
<p class="hint" id="email-note">A changed email is no longer marked as verified.</p>
</div>
<button type="submit" class="button button-primary button-inline">Save profile</button>
</form>
</section>
<section aria-labelledby="password-heading">
<h2 id="password-heading">Change password</h2>
<form method="post" action="/account/password" class="form portal-form">
${csrfInput(view.csrfToken)}
<input type="hidden" name="username" value="${user.username}" autocomplete="username">
<div class="field">
<label for="current_password">Current password</label>
<input type="password" id="current_password" name="current_password" autocomplete="current-password" required${passwordFocus}>
</div>
<div class="field">
<label for="new_password">New password</label>
<input type="password" id="new_password" name="new_password" autocomplete="new-password" required aria-describedby="password-note">
<p class="hint" id="password-note">Your other sessions are signed out when it changes.</p>
</div>
<button type="submit" class="button button-primary button-inline">Change password</button>
</form>
</section>`;
  const page: AccountPage = {
    section: '/account',
    title: 'Your account',
    username: user.username,
    notice: view.notice,
    error: view.error,
    body,
  };
  return accountLayout(page);
}
