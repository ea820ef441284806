import { type HtmlSafe, html } from './html.js';

/** Where the HTTP layer serves `assets/tessera.css`. */
export const stylesheetHref = '/assets/tessera.css';

/** Wraps a page body (already `HtmlSafe`, built by a page template) in the full HTML document. */
export function layout(page: { title: string; body: HtmlSafe }): HtmlSafe {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${page.title} · Tessera</title>
<link rel="stylesheet" href="${stylesheetHref}">
</head>
<body>
<header class="site-header"><span class="brand">Tessera</span></header>
<main class="card">
${page.body}
</main>
</body>
</html>
`;
}

/** The hidden `csrf_token` input every form carries. */
export function csrfInput(csrfToken: string): HtmlSafe {
  return hiddenInput('csrf_token', csrfToken);
}

/** A hidden input carrying `value` under `name`. */
export function hiddenInput(name: string, value: string): HtmlSafe {
  return html`<input type="hidden" name="${name}" value="${value}">`;
}
