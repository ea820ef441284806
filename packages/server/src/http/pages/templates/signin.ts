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
  /** Upstream identity providers offered as buttons (federated sign-in); none when left out. */
  providers?: ReadonlyArray<{ readonly id: string; readonly name: string }>;
  /** Why a federated sign-in was refused, in words for the person. */
  federatedError?: string | null;
  /** The local page to go back to once signed in (http/pages/return-to.ts); none when left out. */
  returnTo?: string | undefined;
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
  const federatedBlock =
    view.federatedError != null &&
    html`\n<p class="error" role="alert"><strong>Error:</strong> ${view.federatedError}</p>`;
  const usernameFocus = error === null && html` autofocus`;
  const passwordFocus = error !== null && html` aria-describedby="signin-error" autofocus`;

  const body = html`<h1>Sign in</h1>${subtitle}${errorBlock}${federatedBlock}
<form method="post" action="${view.action}" class="form">
${csrfInput(view.csrfToken)}
${hiddenInput('interaction', view.interaction)}${view.returnTo !== undefined && hiddenInput('return_to', view.returnTo)}
<div class="field">
<label for="username">Username</label>
<input type="text" id="username" name="username" value="${view.username}" autocomplete="username" autocapitalize="none" spellcheck="false" required${usernameFocus}>
</div>
<div class="field">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required${passwordFocus}>
</div>
<button type="submit" class="button button-primary">Sign in</button>
</form>${providerButtons(view)}`;

  return layout({ title: 'Sign in', body });
}

/** One form, one button per provider: POST /signin/oidc sends the browser to the provider chosen. */
function providerButtons(view: SigninView): HtmlSafe | false {
  const providers = view.providers ?? [];
  if (providers.length === 0) return false;
  const buttons = providers.map(
    (p) =>
      html`\n<button type="submit" name="provider" value="${p.id}" class="button">Sign in with ${p.name}</button>`,
  );
  return html`
<form method="post" action="/signin/oidc" class="form providers">
<p>Or sign in with your organization's account:</p>
${csrfInput(view.csrfToken)}
${hiddenInput('interaction', view.interaction)}${buttons}
</form>`;
}
