import { escapeHtml } from './escape.js';
import { csrfInput, hiddenInput, layout } from './layout.js';

export interface SigninView {
  action: string;
  csrfToken: string;
  returnTo: string;
  username: string;
  error: 'invalid_credentials' | 'account_disabled' | null;
  clientName: string | null;
}

const errorMessages: Readonly<Record<NonNullable<SigninView['error']>, string>> = {
  invalid_credentials: 'Wrong username or password.',
  account_disabled: 'This account is disabled. Contact your administrator.',
};

/**
 * The sign-in form. Without an error the username field has focus; after an error the
 * password field has focus and is described by the error message.
 */
export function signinPage(view: SigninView): string {
  const error = view.error === null ? null : errorMessages[view.error];
  const subtitle =
    view.clientName === null
      ? ''
      : `\n<p class="lead">to continue to <strong>${escapeHtml(view.clientName)}</strong></p>`;
  const errorBlock =
    error === null
      ? ''
      : `\n<p class="error" role="alert" id="signin-error"><strong>Error:</strong> ${escapeHtml(error)}</p>`;
  const usernameFocus = error === null ? ' autofocus' : '';
  const passwordFocus = error === null ? '' : ' aria-describedby="signin-error" autofocus';

  const body = `<h1>Sign in</h1>${subtitle}${errorBlock}
<form method="post" action="${escapeHtml(view.action)}" class="form">
${csrfInput(view.csrfToken)}
${hiddenInput('return_to', view.returnTo)}
<div class="field">
<label for="username">Username</label>
<input type="text" id="username" name="username" value="${escapeHtml(view.username)}" autocomplete="username" autocapitalize="none" spellcheck="false" required${usernameFocus}>
</div>
<div class="field">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required${passwordFocus}>
</div>
<button type="submit" class="button button-primary">Sign in</button>
</form>`;

  return layout({ title: 'Sign in', body });
}
