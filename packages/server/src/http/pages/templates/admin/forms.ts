import { type HtmlSafe, html } from '../html.js';
import { csrfInput } from '../layout.js';

/** A one-button form posting to `action` (CSRF token included); `danger` styles a destructive action. */
export function postButton(
  action: string,
  label: string,
  csrfToken: string,
  options: { danger?: boolean; accessibleLabel?: string } = {},
): HtmlSafe {
  const ariaLabel = options.accessibleLabel !== undefined && html` aria-label="${options.accessibleLabel}"`;
  return html`<form method="post" action="${action}" class="inline-form">${csrfInput(csrfToken)}<button type="submit" class="button button-inline${options.danger === true ? ' button-danger' : ''}"${ariaLabel}>${label}</button></form>`;
}

/**
 * A secret shown once, in the answer to the POST that made it (never in a URL): selectable text,
 * labelled, with the warning that it will not be shown again.
 */
export function secretOnce(label: string, secret: string): HtmlSafe {
  return html`<div class="secret-once" role="status">
<p><strong>${label}</strong> — copy it now, it will not be shown again.</p>
<p><code class="secret" tabindex="0">${secret}</code></p>
</div>`;
}

/** An error from the last form, read out when the page loads. */
export function formError(message: string | null | undefined): HtmlSafe | false {
  return message != null && html`<p class="error" role="alert"><strong>Error:</strong> ${message}</p>`;
}
