#!/usr/bin/env node
// A machine-to-machine worker: client-credentials tokens from @tessera/client, cached and renewed
// before they expire, calling the example Agents API.
//
//   TESSERA_CLIENT_ID=… TESSERA_CLIENT_SECRET=… node examples/m2m-worker/worker.mjs
//
// Env: TESSERA_ISSUER (default http://localhost:8080), TESSERA_CLIENT_ID, TESSERA_CLIENT_SECRET,
// SCOPE (default "read:agents write:agents"), API_URL (default http://127.0.0.1:3000),
// RUNS (default 3; 0 = forever), INTERVAL_SECONDS (default 5).
import { clientCredentials, RateLimitError, TesseraError } from '@tessera/client';

const { TESSERA_CLIENT_ID: clientId, TESSERA_CLIENT_SECRET: clientSecret } = process.env;
if (!clientId || !clientSecret) {
  console.error(
    'Set TESSERA_CLIENT_ID and TESSERA_CLIENT_SECRET (npx tessera client create --type confidential …)',
  );
  process.exit(1);
}
const api = (process.env.API_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
const runs = Number(process.env.RUNS ?? 3);
const intervalSeconds = Number(process.env.INTERVAL_SECONDS ?? 5);

const tokens = clientCredentials({
  issuer: process.env.TESSERA_ISSUER ?? 'http://localhost:8080',
  clientId,
  clientSecret,
  scope: process.env.SCOPE ?? 'read:agents write:agents',
  leewaySeconds: 60, // ask for a new token a minute before the current one expires
  rateLimit: { maxRetries: 2, maxWaitSeconds: 30 },
});

/** Calls the API with a token; if the API refuses it (revoked, say), gets a new one and tries once more. */
async function call(path, init = {}) {
  for (let attempt = 0; ; attempt += 1) {
    const response = await fetch(`${api}${path}`, {
      ...init,
      headers: { ...init.headers, authorization: `Bearer ${await tokens.getToken()}` },
    });
    if (response.status !== 401 || attempt > 0) return response;
    tokens.invalidate();
  }
}

async function work(run) {
  const created = await call('/agents', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: `worker-run-${run}` }),
  });
  console.log(`POST /agents → ${created.status} ${await created.text()}`);
  const listed = await call('/agents');
  const body = await listed.json();
  console.log(
    `GET /agents → ${listed.status} ${Array.isArray(body) ? `${body.length} agents` : JSON.stringify(body)}`,
  );
}

for (let run = 1; runs === 0 || run <= runs; run += 1) {
  try {
    await work(run);
  } catch (error) {
    if (error instanceof RateLimitError)
      console.error(`rate limited; Tessera asks to wait ${error.retryAfter ?? '?'} s`);
    else if (error instanceof TesseraError) console.error(`${error.name} ${error.code}: ${error.message}`);
    else throw error;
    process.exitCode = 1;
  }
  if (runs === 0 || run < runs) await new Promise((resolve) => setTimeout(resolve, intervalSeconds * 1000));
}
