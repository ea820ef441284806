import { type HtmlSafe, html } from '../html.js';
import { stylesheetHref } from '../layout.js';

/** The console's sections, in the order of the navigation. */
export const consoleSections = [
  { path: '/admin', label: 'Overview' },
  { path: '/admin/users', label: 'Users' },
  { path: '/admin/clients', label: 'Clients' },
  { path: '/admin/scopes', label: 'Scopes' },
  { path: '/admin/service-accounts', label: 'Service accounts' },
  { path: '/admin/keys', label: 'Signing keys' },
  { path: '/admin/audit', label: 'Audit log' },
] as const;

export type ConsoleSection = (typeof consoleSections)[number]['path'];

export interface ConsolePage {
  readonly title: string;
  readonly section: ConsoleSection;
  /** The signed-in administrator's username, shown in the header. */
  readonly admin: string;
  /** A fixed message after a redirect-after-post (never text from the query string). */
  readonly flash?: string | null;
  readonly body: HtmlSafe;
}

/**
 * The console's document: a wide main column with the section navigation, a skip link for
 * keyboard users, the same stylesheet as the sign-in pages and no script.
 */
export function consoleLayout(page: ConsolePage): HtmlSafe {
  const nav = consoleSections.map(
    (s) =>
      html`<li><a href="${s.path}"${s.path === page.section && html` aria-current="page"`}>${s.label}</a></li>`,
  );
  const flash = page.flash != null && html`<p class="flash" role="status">${page.flash}</p>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${page.title} · Tessera admin</title>
<link rel="stylesheet" href="${stylesheetHref}">
</head>
<body class="console">
<a class="skip-link" href="#content">Skip to content</a>
<header class="console-header">
<span class="brand">Tessera</span>
<span class="console-who">Admin console · signed in as <strong>${page.admin}</strong></span>
</header>
<nav class="console-nav" aria-label="Admin sections"><ul>${nav}</ul></nav>
<main id="content" class="console-main">
<h1>${page.title}</h1>
${flash}
${page.body}
</main>
</body>
</html>
`;
}

/** 'YYYY-MM-DD HH:MM UTC', or a dash. */
export function when(at: Date | null | undefined): string {
  if (at == null) return '—';
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
