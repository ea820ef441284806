// Rewrites bench/RESULTS.md and bench/chart.svg from bench/results.json (the last run's raw
// figures), e.g. after editing bench/analysis.md. Run: node bench/report.mjs
import { readFileSync } from 'node:fs';
import { writeReport } from './lib/report.mjs';

const data = JSON.parse(readFileSync(new URL('./results.json', import.meta.url), 'utf8'));
writeReport({
  ...data,
  started: new Date(data.started),
  finished: new Date(data.finished),
  root: new URL('..', import.meta.url).pathname,
});
