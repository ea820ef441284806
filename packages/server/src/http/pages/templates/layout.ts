import { escapeHtml } from './escape.js';

/** Where the HTTP layer serves `assets/tessera.css`. */
export const stylesheetHref = '/assets/tessera.css';

/**
 * Wraps a page body in the full HTML document. `page.body` must already be safe HTML
 * (built by one of the page templates); `page.title` is escaped here.
 */
export function layout(page: { title: string; body: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(page.title)} · Tessera</title>
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
export function csrfInput(csrfToken: string): string {
  return hiddenInput('csrf_token', csrfToken);
}

/** A hidden input; name and value are escaped. */
export function hiddenInput(name: string, value: string): string {
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}
