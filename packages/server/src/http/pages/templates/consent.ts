import { escapeHtml } from './escape.js';
import { csrfInput, hiddenInput, layout } from './layout.js';

export interface ConsentView {
  action: string;
  csrfToken: string;
  returnTo: string;
  clientName: string;
  username: string;
  scopes: ReadonlyArray<{ name: string; description: string }>;
}

/** Asks the signed-in user to allow or deny a client's access request. */
export function consentPage(view: ConsentView): string {
  const clientName = escapeHtml(view.clientName);
  const scopeItems = view.scopes
    .map(
      (scope) =>
        `<li><span class="scope-description">${escapeHtml(scope.description)}</span> <code class="scope-name">${escapeHtml(scope.name)}</code></li>`,
    )
    .join('\n');
  const scopeList =
    view.scopes.length === 0
      ? ''
      : `\n<p id="scopes-heading" class="list-heading">This will allow ${clientName} to:</p>
<ul class="scopes" aria-labelledby="scopes-heading">
${scopeItems}
</ul>`;

  const body = `<h1>${clientName} wants to access your account</h1>
<p class="lead">Signed in as <strong>${escapeHtml(view.username)}</strong></p>${scopeList}
<form method="post" action="${escapeHtml(view.action)}" class="form">
${csrfInput(view.csrfToken)}
${hiddenInput('return_to', view.returnTo)}
<div class="actions">
<button type="submit" name="decision" value="allow" class="button button-primary">Allow</button>
<button type="submit" name="decision" value="deny" class="button button-secondary">Deny</button>
</div>
</form>
<p class="note">You can withdraw access later in your account settings.</p>`;

  return layout({ title: `Allow access to ${view.clientName}?`, body });
}
