import type { Fixtures } from './fixtures.js';
import { type FuzzRequest, serialize } from './framing.js';
import { judge } from './judge.js';
import { Prng } from './prng.js';
import { NoAnswer, RawConnection, type RawResponse } from './raw-http.js';
import { generateRequest } from './requests.js';
import type { Route } from './routes.js';

export interface CampaignOptions {
  readonly port: number;
  readonly routes: readonly Route[];
  readonly fixtures: Fixtures;
  readonly seed: number;
  readonly requests: number;
  /** Connections in flight at once; below the password-check queue (8 × cores), which sheds load with 503. */
  readonly concurrency: number;
  /** Stops early past this wall time, so a slow machine fails on coverage, not on a hang. */
  readonly deadlineMs: number;
  /** Runs only these request indexes (a reproduction). */
  readonly only?: readonly number[];
}

export interface Finding {
  readonly index: number;
  readonly problems: readonly string[];
  readonly request: FuzzRequest;
  readonly status: number | undefined;
  readonly body: string;
  /** The request sent just before on the same kept-alive connection, if any: it may matter. */
  readonly after: number | undefined;
}

export interface CampaignResult {
  readonly sent: number;
  readonly serverErrors: number;
  /** Requests with any problem (only the first few are kept as findings). */
  readonly failed: number;
  readonly byStatus: ReadonlyMap<number, number>;
  /** Statuses by method and route, to show what was covered. */
  readonly byRoute: ReadonlyMap<string, Map<number, number>>;
  readonly findings: readonly Finding[];
  readonly ms: number;
}

const answerTimeoutMs = 15_000;
const standardMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']);
const keptFindings = 50;

/** Sends `requests` generated requests (request i from the seed and i alone) and judges every answer. */
export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const started = performance.now();
  const byStatus = new Map<number, number>();
  const byRoute = new Map<string, Map<number, number>>();
  const findings: Finding[] = [];
  let sent = 0;
  let serverErrors = 0;
  let failed = 0;
  let next = 0;
  const indexes = options.only ?? Array.from({ length: options.requests }, (_, i) => i);

  async function worker(): Promise<void> {
    const connection = new RawConnection(options.port, answerTimeoutMs);
    let previous: number | undefined;
    try {
      while (next < indexes.length && performance.now() - started < options.deadlineMs) {
        const index = indexes[next++] as number;
        const request = generateRequest(
          Prng.forRequest(options.seed, index),
          options.routes,
          options.fixtures,
        );
        const after = connection.isOpen ? previous : undefined;
        let response: RawResponse | undefined;
        let problems: string[];
        try {
          response = await connection.exchange(serialize(request, options.port), {
            head: request.method === 'HEAD',
            close: request.close,
          });
          problems = judge(request, response, options.routes);
        } catch (error) {
          if (!(error instanceof NoAnswer)) throw error;
          problems = [`no answer: ${error.message}`];
        }
        sent += 1;
        const status = response?.status ?? 0;
        byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
        const method = standardMethods.has(request.method) ? request.method : '(other method)';
        const route = `${request.routedPath ?? '(disguised or broken path)'} ${method}`;
        const statuses = byRoute.get(route) ?? new Map<number, number>();
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        byRoute.set(route, statuses);
        if (status >= 500) serverErrors += 1;
        if (problems.length > 0) failed += 1;
        if (problems.length > 0 && findings.length < keptFindings)
          findings.push({
            index,
            problems,
            request,
            status: response?.status,
            body: response?.body.toString('utf8').slice(0, 500) ?? '',
            after,
          });
        previous = index;
      }
    } finally {
      connection.close();
    }
  }

  // A reproduction replays its requests in order, on one connection.
  const workers = options.only === undefined ? options.concurrency : 1;
  await Promise.all(Array.from({ length: workers }, worker));
  return { sent, serverErrors, failed, byStatus, byRoute, findings, ms: performance.now() - started };
}

/** A finding as a reader reproduces it: the seed, the index, and the exact bytes (JSON-escaped, cut when huge). */
export function describeFinding(finding: Finding, seed: number, port: number): string {
  const bytes = serialize(finding.request, port).toString('latin1');
  const shown = bytes.length > 3000 ? `${bytes.slice(0, 3000)}… (${bytes.length} bytes in all)` : bytes;
  const only = finding.after === undefined ? `${finding.index}` : `${finding.after},${finding.index}`;
  return [
    `request #${finding.index}${finding.after === undefined ? '' : ` (after #${finding.after} on the same connection)`}` +
      ` (reproduce: TESSERA_FUZZ_SEED=${seed} TESSERA_FUZZ_ONLY=${only})`,
    `  problems: ${finding.problems.join('; ')}`,
    `  sent (latin1 bytes, JSON-escaped): ${JSON.stringify(shown)}`,
    `  answered ${finding.status ?? 'nothing'}: ${JSON.stringify(finding.body)}`,
  ].join('\n');
}

/** The run's summary: counts by status, and (`detailed`) by route and method, to show what was covered. */
export function summarize(result: CampaignResult, label: string, detailed: boolean): string {
  const counts = (statuses: ReadonlyMap<number, number>) =>
    [...statuses]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ');
  const rate = Math.round(result.sent / (result.ms / 1000));
  const routes = [...result.byRoute]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([route, statuses]) => `    ${route}: ${counts(statuses)}`);
  return [
    `${label}: ${result.sent} requests in ${(result.ms / 1000).toFixed(1)} s (${rate}/s), ${result.serverErrors} × 5xx, ${result.failed} failed`,
    `  statuses: ${counts(result.byStatus)}`,
    ...(detailed ? ['  statuses by route and method:', ...routes] : []),
  ].join('\n');
}
