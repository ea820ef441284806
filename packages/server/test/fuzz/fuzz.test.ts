// Issue 15, item 9 "Fuzzing as a suite": every registered route, sent malformed, oversized,
// duplicated, wrongly typed and wrongly encoded input over real sockets, on both dialects; no
// answer may be a 5xx, show a stack trace, or leave its route's documented error shape. In
// `npm test` a short run with a fixed seed; `npm run fuzz` runs ≥ 100,000 requests with a new one.
import { afterEach, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/databases.js';
import { describeFinding, runCampaign, summarize } from './campaign.js';
import { createFixtures } from './fixtures.js';
import { type FuzzServer, startFuzzServer } from './fuzz-server.js';
import { randomSeed } from './prng.js';
import { enumerateRoutes } from './routes.js';

const env = process.env;
/** The short run: 2000 requests (400 with limits on), which still reach every route; `npm run fuzz` sends 50,000. */
const requests = Number(env.TESSERA_FUZZ_REQUESTS ?? 2000);
/** npm test: the same requests every run (it cannot fail one day and pass the next); `random` for a new seed. */
const seed =
  env.TESSERA_FUZZ_SEED === undefined
    ? 20_251_123
    : env.TESSERA_FUZZ_SEED === 'random'
      ? randomSeed()
      : Number(env.TESSERA_FUZZ_SEED);
const only = env.TESSERA_FUZZ_ONLY?.split(',').map(Number);
/** The full run per dialect, to stay within 10 minutes in all: 2 × (180 s + 100 s); the short run takes seconds. */
const deadlineMs = { limitsOff: 180_000, limitsOn: 100_000 };
/**
 * Connections in flight. Without limits, below the password-check queue (8 × cores), which sheds
 * load with a 503 by design; with them, more, since a 429 is held up to a second before it is sent.
 */
const connections = { limitsOff: 8, limitsOn: 32 };
/** Small budgets, so that every limited route refuses within a short run too. */
const smallBudgets = [
  'authorize',
  'token',
  'revoke',
  'introspect',
  'userinfo',
  'me',
  'login',
  'session',
  'pages',
]
  .map((name) => `${name}=10`)
  .join(',');

describeEachDialect('fuzzing every route', (dialect) => {
  let server: FuzzServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function fuzz(pass: 'limitsOff' | 'limitsOn', settings: Record<string, string>, count: number) {
    const label = `fuzz [${dialect}] ${pass === 'limitsOff' ? 'limits off' : 'limits on'}`;
    server = await startFuzzServer(dialect, settings);
    const fixtures = await createFixtures(server.app, server.services);
    const routes = await enumerateRoutes(server.app);
    console.log(`${label}: seed ${seed}, ${routes.length} routes, ${count} requests`);
    const result = await runCampaign({
      port: server.port,
      routes,
      fixtures,
      seed,
      requests: count,
      concurrency: connections[pass],
      deadlineMs: deadlineMs[pass],
      only,
    });
    console.log(summarize(result, label, env.TESSERA_FUZZ_REQUESTS !== undefined));
    for (const finding of result.findings) console.log(describeFinding(finding, seed, server.port));
    for (const line of server.errors) console.log(`logged: ${line}`);
    expect(result.serverErrors).toBe(0);
    expect(result.failed).toBe(0);
    expect(server.errors).toEqual([]);
    // Fewer means the deadline stopped the run: too slow to be the bounded run it claims to be.
    expect(result.sent).toBe(only?.length ?? count);
    return result;
  }

  it('rate limits off: no 5xx, no stack trace, every error in its route’s shape', {
    timeout: deadlineMs.limitsOff + 60_000,
  }, async () => {
    await fuzz('limitsOff', { TESSERA_RATE_LIMITING: 'false' }, requests);
  });

  it('rate limits on: the refusals are 429s in the same shapes', {
    timeout: deadlineMs.limitsOn + 60_000,
  }, async () => {
    const result = await fuzz('limitsOn', { TESSERA_RATE_LIMITS: smallBudgets }, Math.ceil(requests / 5));
    if (only === undefined) expect(result.byStatus.get(429) ?? 0).toBeGreaterThan(0);
  });
});
