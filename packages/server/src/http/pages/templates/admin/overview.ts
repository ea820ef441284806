import type { ActivityOverview } from '../../../../audit/server-activity.js';
import { type HtmlSafe, html } from '../html.js';
import { barChart } from './bar-chart.js';
import { type ConsolePage, consoleLayout } from './console-layout.js';

export interface OverviewView {
  readonly admin: string;
  readonly overview: ActivityOverview;
  /** Requests refused over a rate limit since this process started (metrics), or null with metrics off. */
  readonly rateLimited: number | null;
}

/** /admin: the numbers an operator looks at first, and two charts of the last days. */
export function overviewPage(view: OverviewView): HtmlSafe {
  const { overview } = view;
  const sum = (pick: (d: ActivityOverview['days'][number]) => number) =>
    overview.days.reduce((total, d) => total + pick(d), 0);
  const rateLimited =
    view.rateLimited === null
      ? html`<dd>—</dd><dd class="stat-note">metrics are off (TESSERA_METRICS_TOKEN or TESSERA_METRICS_ADDRESS)</dd>`
      : html`<dd>${view.rateLimited}</dd><dd class="stat-note">since this server process started</dd>`;
  const body = html`<dl class="stats">
<div class="stat"><dt>Active sessions</dt><dd>${overview.activeSessions}</dd></div>
<div class="stat"><dt>Tokens issued, ${overview.days.length} days</dt><dd>${sum((d) => d.tokensIssued)}</dd></div>
<div class="stat"><dt>Failed sign-ins, ${overview.days.length} days</dt><dd>${sum((d) => d.failedSignIns)}</dd></div>
<div class="stat"><dt>Rate-limited requests</dt>${rateLimited}</div>
</dl>
<section class="panel" aria-labelledby="charts-heading">
<h2 id="charts-heading">Per day</h2>
<p class="note">Tokens: every client's granted token requests (usage counts, written every few seconds). Failed sign-ins: the audit log's login.failed events.</p>
<div class="charts">
${barChart({ id: 'tokens', title: 'Tokens issued per day', bars: overview.days.map((d) => ({ label: d.date, value: d.tokensIssued })) })}
${barChart({ id: 'failures', title: 'Failed sign-ins per day', bars: overview.days.map((d) => ({ label: d.date, value: d.failedSignIns })) })}
</div>
</section>`;
  const page: ConsolePage = { title: 'Overview', section: '/admin', admin: view.admin, body };
  return consoleLayout(page);
}
