import { type HtmlSafe, html } from './html.js';
import { csrfInput, hiddenInput, layout } from './layout.js';

export interface ConsentView {
  action: string;
  csrfToken: string;
  /** The id of the authorization request in progress (an interaction), or ''. */
  interaction: string;
  clientName: string;
  username: string;
  scopes: ReadonlyArray<{ name: string; description: string }>;
}

/** Asks the signed-in user to allow or deny a client's access request. */
export function consentPage(view: ConsentView): HtmlSafe {
  // Each item starts its own line, so the list renders one <li> per line.
  const scopeItems = view.scopes.map(
    (scope) =>
      html`\n<li><span class="scope-description">${scope.description}</span> <code class="scope-name">${scope.name}</code></li>`,
  );
  const scopeList =
    view.scopes.length > 0 &&
    html`\n<p id="scopes-heading" class="list-heading">This will allow ${view.clientName} to:</p>
<ul class="scopes" aria-labelledby="scopes-heading">${scopeItems}
</ul>`;

  const body = html`<h1>${view.clientName} wants to access your account</h1>
<p class="lead">Signed in as <strong>${view.username}</strong></p>${scopeList}
<form method="post" action="${view.action}" class="form">
${csrfInput(view.csrfToken)}
${hiddenInput('interaction', view.interaction)}
<div class="actions">
<button type="submit" name="decision" value="allow" class="button button-primary">Allow</button>
<button type="submit" name="decision" value="deny" class="button button-secondary">Deny</button>
</div>
</form>
<p class="note">If you allow it, Tessera remembers, and this application will not ask again for the same access.</p>`;

  return layout({ title: `Allow access to ${view.clientName}?`, body });
}
