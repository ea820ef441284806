import type { Session } from '../../../../accounts/session.js';
import { type HtmlSafe, html } from '../html.js';
import { csrfInput, hiddenInput } from '../layout.js';
import { accountLayout, when } from './account-layout.js';

export interface SessionsView {
  readonly username: string;
  readonly csrfToken: string;
  readonly currentId: string;
  /** Newest first. */
  readonly sessions: readonly Session[];
  /** Names of the OAuth clients the sessions belong to, by id. */
  readonly clientNames: ReadonlyMap<string, string>;
  readonly notice?: string | undefined;
  readonly error?: string | undefined;
}

const kindWords: Readonly<Record<Session['kind'], string>> = {
  browser: 'Browser sign-in',
  api: 'App sign-in (session API)',
  oauth: 'App',
  service: 'Service token',
};

/** /account/sessions: every live session, each with "Sign out", and "Sign out everywhere else". */
export function sessionsPage(view: SessionsView): HtmlSafe {
  const rows = view.sessions.map((session, index) => {
    const current = session.id === view.currentId;
    const what =
      session.clientId === null
        ? kindWords[session.kind]
        : `${kindWords[session.kind]}: ${view.clientNames.get(session.clientId) ?? session.clientId}`;
    const label = `session-${index}`;
    return html`
<li class="item" aria-labelledby="${label}">
<div class="item-main">
<p class="item-title" id="${label}">${what}${current && html` <span class="badge">This browser</span>`}</p>
<p class="item-meta">Signed in ${when(session.authTime)} · last active ${when(session.lastActiveAt)}${session.ip !== null && ` · from ${session.ip}`}</p>
${session.userAgent !== null && html`<p class="item-meta item-agent">${session.userAgent}</p>`}
</div>
<form method="post" action="/account/sessions/end" class="item-action">
${csrfInput(view.csrfToken)}
${hiddenInput('session_id', session.id)}
<button type="submit" class="button button-secondary button-inline" aria-describedby="${label}">Sign out</button>
</form>
</li>`;
  });
  const others = view.sessions.some((s) => s.id !== view.currentId);
  const body = html`<p class="lead">Where you are signed in now. Signing a session out ends its tokens at once.</p>
<ul class="items" aria-label="Active sessions">${rows}
</ul>
${
  others &&
  html`<form method="post" action="/account/sessions/end-others" class="form portal-form">
${csrfInput(view.csrfToken)}
<button type="submit" class="button button-primary button-inline">Sign out everywhere else</button>
</form>`
}`;
  return accountLayout({
    section: '/account/sessions',
    title: 'Active sessions',
    username: view.username,
    notice: view.notice,
    error: view.error,
    body,
  });
}
