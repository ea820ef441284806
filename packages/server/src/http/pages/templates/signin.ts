import { type HtmlSafe, html } from './html.js';
import { csrfInput, hiddenInput, layout } from './layout.js';

export interface SigninView {
  action: string;
  csrfToken: string;
  /** The id of the authorization request in progress (an interaction), or ''. */
  interaction: string;
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
export function signinPage(view: SigninView): HtmlSafe {
  const error = view.error === null ? null : errorMessages[view.error];
  const subtitle =
    view.clientName !== null &&
    html`\n<p class="lead">to continue to <strong>${view.clientName}</strong></p>`;
  const errorBlock =
    error !== null &&
    html`\n<p class="error" role="alert" id="signin-error"><strong>Error:</strong> ${error}</p>`;
  const usernameFocus = error === null && html` autofocus`;
  const passwordFocus = error !== null && html` aria-describedby="signin-error" autofocus`;

  const body = html`<h1>Sign in</h1>${subtitle}${errorBlock}
<form method="post" action="${view.action}" class="form">
${csrfInput(view.csrfToken)}
${hiddenInput('interaction', view.interaction)}
<div class="field">
<label for="username">Username</label>
<input type="text" id="username" name="username" value="${view.username}" autocomplete="username" autocapitalize="none" spellcheck="false" required${usernameFocus}>
</div>
<div class="field">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required${passwordFocus}>
</div>
<button type="submit" class="button button-primary">Sign in</button>
</form>`;

  return layout({ title: 'Sign in', body });
}
