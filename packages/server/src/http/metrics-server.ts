import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from '../config/listen-address.js';
import type { Metrics } from '../platform/metrics/metrics.js';
import { metricsAccess } from './metrics-access.js';

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  readonly metrics: Metrics;
  readonly address: ListenAddress;
  /** Also asked for here when set (TESSERA_METRICS_TOKEN). */
  readonly token: string | undefined;
  /** Told of a scrape that failed (it is answered 500 without detail). */
  readonly onError: (error: unknown) => void;
}

/**
 * TESSERA_METRICS_ADDRESS: `GET /metrics` alone, on a listener of its own (a loopback or private
 * interface that only the scraper reaches), so the main port can face the public without it.
 * Plain node:http: one path, no body, none of the main app's plugins to pay for.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { metrics, address, onError } = options;
  const refusal = metricsAccess(options.token);
  const server = createServer(function serveMetrics(request: IncomingMessage, response: ServerResponse) {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics')
      return answer(response, 404, { error: 'not_found', error_description: 'only /metrics is served here' });
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return answer(response, 405, { error: 'invalid_request', error_description: 'use GET' });
    }
    const refused = refusal(request.headers.authorization);
    if (refused !== undefined) {
      for (const [name, value] of Object.entries(refused.headers)) response.setHeader(name, value);
      return answer(response, refused.status, { error: refused.code, error_description: refused.message });
    }
    metrics.scrape().then(
      ({ contentType, body }) => {
        response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        onError(error);
        answer(response, 500, { error: 'server_error', error_description: 'internal server error' });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Once listening, a failure (an accept that ran out of descriptors) is reported, never fatal.
  server.on('error', onError);
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        // A scraper keeps its connection open between scrapes.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(response: ServerResponse, status: number, body: Record<string, string>): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  response.end(JSON.stringify(body));
}
