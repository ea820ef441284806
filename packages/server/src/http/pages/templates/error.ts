import { type HtmlSafe, html } from './html.js';
import { layout } from './layout.js';

/** A page explaining why the flow cannot continue. Links nowhere. */
export function errorPage(view: { title: string; message: string }): HtmlSafe {
  const body = html`<h1>${view.title}</h1>
<p>${view.message}</p>`;
  return layout({ title: view.title, body });
}
