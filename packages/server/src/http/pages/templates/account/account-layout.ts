import { type HtmlSafe, html } from '../html.js';
import { stylesheetHref } from '../layout.js';

/** The account portal's sections, in the order of its navigation. */
export const accountSections = [
  { path: '/account', label: 'Profile' },
  { path: '/account/sessions', label: 'Sessions' },
  { path: '/account/apps', label: 'Connected apps' },
  { path: '/account/clients', label: 'Personal clients' },
  { path: '/account/keys', label: 'API keys' },
] as const;

export type AccountSection = (typeof accountSections)[number]['path'];

/** Where the HTTP layer serves `assets/copy.js` (the copy buttons; the pages work without it). */
export const copyScriptSrc = '/assets/copy.js';

export interface AccountPage {
  readonly section: AccountSection;
  readonly title: string;
  readonly username: string;
  readonly notice?: string | undefined;
  readonly error?: string | undefined;
  readonly body: HtmlSafe;
}

/** The portal's document: the site header, the section navigation, the result of the last form. */
export function accountLayout(page: AccountPage): HtmlSafe {
  const links = accountSections.map(
    (s) =>
      html`\n<li><a href="${s.path}"${s.path === page.section && html` aria-current="page"`}>${s.label}</a></li>`,
  );
  const notice = page.notice !== undefined && html`\n<p class="notice" role="status">${page.notice}</p>`;
  const error =
    page.error !== undefined &&
    html`\n<p class="error" role="alert"><strong>Error:</strong> ${page.error}</p>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${page.title} · Your account · Tessera</title>
<link rel="stylesheet" href="${stylesheetHref}">
<script src="${copyScriptSrc}" defer></script>
</head>
<body class="portal">
<header class="site-header portal-header">
<span class="brand">Tessera</span>
<span class="portal-user">Signed in as <strong>${page.username}</strong> · <a href="/oauth/logout">Sign out</a></span>
</header>
<nav class="portal-nav" aria-label="Your account">
<ul>${links}
</ul>
</nav>
<main class="portal-main">
<h1>${page.title}</h1>${notice}${error}
${page.body}
</main>
</body>
</html>
`;
}

/** A date and time as people read it, in UTC, inside a machine-readable <time>. */
export function when(date: Date | null): HtmlSafe {
  if (date === null) return html`never`;
  const iso = date.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}
