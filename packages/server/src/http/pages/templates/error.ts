import { escapeHtml } from './escape.js';
import { layout } from './layout.js';

/** A page explaining why the flow cannot continue. Links nowhere. */
export function errorPage(view: { title: string; message: string }): string {
  const body = `<h1>${escapeHtml(view.title)}</h1>
<p>${escapeHtml(view.message)}</p>`;
  return layout({ title: view.title, body });
}
