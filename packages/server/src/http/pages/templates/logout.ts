import { type HtmlSafe, html } from './html.js';
import { csrfInput, hiddenInput, layout } from './layout.js';

/** Names the form itself sets; an entry of `hidden` with one of these names is not rendered. */
const reservedNames: ReadonlySet<string> = new Set(['csrf_token', 'decision']);

/**
 * Asks the user to confirm signing out. `hidden` carries the logout request's parameters
 * (e.g. post_logout_redirect_uri, state) through the confirmation POST.
 */
export function logoutConfirmPage(view: {
  action: string;
  csrfToken: string;
  hidden: Readonly<Record<string, string>>;
}): HtmlSafe {
  const hiddenInputs = Object.entries(view.hidden)
    .filter(([name]) => !reservedNames.has(name))
    .map(([name, value]) => html`\n${hiddenInput(name, value)}`);

  const body = html`<h1>Sign out?</h1>
<p>You will be signed out of Tessera and the applications that use it.</p>
<form method="post" action="${view.action}" class="form">
${csrfInput(view.csrfToken)}${hiddenInputs}
<div class="actions">
<button type="submit" name="decision" value="logout" class="button button-primary">Sign out</button>
<button type="submit" name="decision" value="stay" class="button button-secondary">Stay signed in</button>
</div>
</form>`;

  return layout({ title: 'Sign out', body });
}

/** Shown after signing out when there is no client to return to. */
export function signedOutPage(): HtmlSafe {
  const body = html`<h1>You are signed out</h1>
<p>You can close this window.</p>`;
  return layout({ title: 'Signed out', body });
}
