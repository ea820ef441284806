import { type HtmlSafe, html } from '../html.js';

export interface ChartBar {
  /** 'YYYY-MM-DD'. */
  readonly label: string;
  readonly value: number;
}

const width = 560;
const height = 160;
const top = 16;
const bottom = 24;

/**
 * A bar chart drawn on the server as SVG (no script; colours come from the stylesheet, the CSP
 * forbids style attributes). Screen readers get the title and summary, and the numbers in a
 * table under it.
 */
export function barChart(chart: { id: string; title: string; bars: readonly ChartBar[] }): HtmlSafe {
  const peak = Math.max(0, ...chart.bars.map((b) => b.value));
  const max = Math.max(1, peak);
  const total = chart.bars.reduce((sum, b) => sum + b.value, 0);
  const slot = width / Math.max(1, chart.bars.length);
  const plot = height - top - bottom;
  const bars = chart.bars.map((bar, i) => {
    const barHeight = Math.round((bar.value / max) * plot);
    const x = (i * slot + slot * 0.15).toFixed(1);
    return html`<rect class="chart-bar" x="${x}" y="${top + plot - barHeight}" width="${(slot * 0.7).toFixed(1)}" height="${barHeight}"><title>${bar.label}: ${bar.value}</title></rect>`;
  });
  const first = chart.bars[0]?.label ?? '';
  const last = chart.bars.at(-1)?.label ?? '';
  const summary = `${total} in total from ${first} to ${last}; at most ${peak} in a day.`;
  const rows = chart.bars.map((b) => html`<tr><td>${b.label}</td><td>${b.value}</td></tr>`);
  return html`<figure class="chart">
<figcaption id="${chart.id}-title">${chart.title}</figcaption>
<svg viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${chart.id}-title ${chart.id}-desc" class="chart-svg">
<desc id="${chart.id}-desc">${summary}</desc>
<line class="chart-axis" x1="0" y1="${top + plot}" x2="${width}" y2="${top + plot}"></line>
<text class="chart-label" x="0" y="${top - 4}">${peak}</text>
${bars}
<text class="chart-label" x="0" y="${height - 6}">${first}</text>
<text class="chart-label chart-label-end" x="${width}" y="${height - 6}">${last}</text>
</svg>
<details><summary>${chart.title}: the numbers</summary>
<table class="table"><thead><tr><th scope="col">Day (UTC)</th><th scope="col">Count</th></tr></thead><tbody>${rows}</tbody></table>
</details>
</figure>`;
}
