import { type HtmlSafe, html } from '../html.js';
import { layout } from '../layout.js';

/** The answer to a signed-in person who is not an administrator. */
export function forbiddenPage(username: string): HtmlSafe {
  const body = html`<h1>Administrators only</h1>
<p>You are signed in as <strong>${username}</strong>, who is not an administrator.</p>
<p><a href="/account">Go to your account</a></p>`;
  return layout({ title: 'Administrators only', body });
}
