import type { AuditEvent } from '../../../../audit/audit-event.js';
import { type HtmlSafe, html } from '../html.js';
import { consoleLayout, when } from './console-layout.js';
import { formError } from './forms.js';

export interface AuditView {
  readonly admin: string;
  readonly type: string;
  readonly actor: string;
  readonly events: ReadonlyArray<AuditEvent>;
  readonly nextHref: string | null;
  readonly error?: string | null;
}

function details(event: AuditEvent): string {
  return Object.entries(event.details)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(', ');
}

/** /admin/audit: the audit log, newest first, filtered by type and actor. */
export function auditPage(view: AuditView): HtmlSafe {
  const rows = view.events.map(
    (e) =>
      html`<tr><td>${when(e.occurredAt)}</td><th scope="row"><code>${e.type}</code></th><td>${e.outcome}</td><td>${e.actor ?? '—'}</td><td>${e.subject ?? '—'}</td><td>${e.ip ?? '—'}</td><td class="small">${details(e) || '—'}</td></tr>`,
  );
  const body = html`${formError(view.error)}
<form method="get" action="/admin/audit" class="search-form" role="search" aria-label="Filter the audit log">
<div class="field"><label for="audit-type">Type</label><input type="text" id="audit-type" name="type" value="${view.type}" maxlength="100" aria-describedby="audit-type-hint" autocapitalize="none" spellcheck="false"><p class="hint" id="audit-type-hint">Exact (user.disabled) or a family (user.*).</p></div>
<div class="field"><label for="audit-actor">Actor</label><input type="text" id="audit-actor" name="actor" value="${view.actor}" maxlength="200" aria-describedby="audit-actor-hint" autocapitalize="none" spellcheck="false"><p class="hint" id="audit-actor-hint">user:&lt;id&gt;, client:&lt;id&gt; or cli.</p></div>
<button type="submit" class="button button-inline">Filter</button>
</form>
<div class="table-wrap" tabindex="0" role="region" aria-label="Audit events (scrolls sideways)"><table class="table">
<caption>Audit events, newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">Type</th><th scope="col">Outcome</th><th scope="col">Actor</th><th scope="col">Subject</th><th scope="col">Address</th><th scope="col">Details</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="7">No events.</td></tr>` : rows}</tbody>
</table></div>
${view.nextHref !== null && html`<p><a href="${view.nextHref}" class="next-page">Next page</a></p>`}`;
  return consoleLayout({ title: 'Audit log', section: '/admin/audit', admin: view.admin, body });
}
