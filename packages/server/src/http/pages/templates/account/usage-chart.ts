import type { UsageDay } from '../../../../clients/usage-report.js';
import { type HtmlSafe, html } from '../html.js';

const width = 280;
const height = 96;
const axis = 16;

/**
 * Token requests per day as an SVG bar chart drawn on the server (no script, no inline style:
 * the bars take their colours from tessera.css). Granted and refused sit side by side for each
 * day; the <title> and <desc> give the totals, and a table below carries every number.
 */
export function usageChart(view: { id: string; name: string; days: readonly UsageDay[] }): HtmlSafe {
  const { days } = view;
  const granted = days.reduce((sum, d) => sum + d.granted, 0);
  const refused = days.reduce((sum, d) => sum + d.refused, 0);
  const peak = Math.max(1, ...days.map((d) => Math.max(d.granted, d.refused)));
  const slot = width / Math.max(1, days.length);
  const bar = Math.max(1, (slot - 2) / 2);
  const plot = height - axis;
  const bars = days.map((day, i) => {
    const x = i * slot + 1;
    const g = (day.granted / peak) * plot;
    const r = (day.refused / peak) * plot;
    return html`<rect class="bar-granted" x="${x.toFixed(1)}" y="${(plot - g).toFixed(1)}" width="${bar.toFixed(1)}" height="${g.toFixed(1)}"/><rect class="bar-refused" x="${(x + bar).toFixed(1)}" y="${(plot - r).toFixed(1)}" width="${bar.toFixed(1)}" height="${r.toFixed(1)}"/>`;
  });
  const first = days[0]?.date ?? '';
  const last = days[days.length - 1]?.date ?? '';
  const rows = days.map(
    (d) => html`\n<tr><th scope="row">${d.date}</th><td>${d.granted}</td><td>${d.refused}</td></tr>`,
  );
  return html`<figure class="usage">
<svg class="usage-chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${view.id}-title ${view.id}-desc" focusable="false">
<title id="${view.id}-title">Token requests per day for ${view.name}</title>
<desc id="${view.id}-desc">${days.length} days from ${first} to ${last}: ${granted} granted, ${refused} refused.</desc>
<line class="usage-axis" x1="0" y1="${plot}" x2="${width}" y2="${plot}"/>
${bars}
<text class="usage-label" x="0" y="${height - 3}">${first.slice(5)}</text>
<text class="usage-label" x="${width}" y="${height - 3}" text-anchor="end">${last.slice(5)}</text>
</svg>
<figcaption><span class="legend legend-granted">Granted ${granted}</span> <span class="legend legend-refused">Refused ${refused}</span> (last ${days.length} days, UTC)</figcaption>
<details class="usage-table"><summary>Usage by day</summary>
<table><caption>Token requests per day for ${view.name}</caption>
<thead><tr><th scope="col">Day</th><th scope="col">Granted</th><th scope="col">Refused</th></tr></thead>
<tbody>${rows}
</tbody></table>
</details>
</figure>`;
}
