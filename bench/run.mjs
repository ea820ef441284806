#!/usr/bin/env node
// npm run bench [-- --quick]: Tessera side by side with oidc-provider, and the ceilings, in one run.
// Servers are pinned to core 0 and this load generator to core 1; loopback only; every run is
// bounded by its duration. Writes bench/RESULTS.md and bench/chart.svg.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import pg from 'pg';
import { measure, measureAlternating, runOnce, summarise } from './lib/load.mjs';
import { pacedRun } from './lib/paced.mjs';
import { cpuSeconds, rssMb, startServer } from './lib/process.mjs';
import { writeReport } from './lib/report.mjs';
import { seededToken, seedRefreshTokens } from './lib/seed.mjs';

if (process.env.BENCH_PINNED === undefined) {
  const result = spawnSync('taskset', ['-c', '1', process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_PINNED: '1' },
  });
  process.exit(result.status ?? 1);
}

const quick = process.argv.includes('--quick');
// --only=NAME[,NAME]: run just those steps (titles below), print, write nothing; for profiling work.
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
// Five timed runs in the full run: this virtual machine's speed wanders by ±15 % from minute to
// minute, and the median of five (taken in turns with the peer) is much steadier than of three.
const timing = quick ? { warmup: 1, duration: 2, runs: 3 } : { warmup: 3, duration: 8, runs: 5 };
const refreshSizes = quick ? [10_000, 100_000] : [10_000, 1_000_000];
const postgresUrl = process.env.TESSERA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const root = new URL('..', import.meta.url).pathname;
const tesseraBin = join(root, 'packages/server/bin/tessera.js');
const secret = 'bench-master-secret-bench-master-secret-0000';
const results = [];
let nextPort = 9300;

/**
 * Rate limits stay on in every step, as users run them, so each figure includes the limiter's
 * cost; only the budgets are out of the load's reach (the largest a setting takes), for the
 * routes and for the fixture clients' own limits.
 */
const budgetOutOfReach = 10_000_000;
const routeBudgets = [
  'authorize',
  'token',
  'revoke',
  'introspect',
  'userinfo',
  'me',
  'service_account',
  'login',
  'session',
  'pages',
];
const budgetsOutOfReach = {
  TESSERA_RATE_LIMITS: routeBudgets.map((name) => `${name}=${budgetOutOfReach}`).join(','),
  // Metrics on too (issue 20: everything on), served to whoever presents this token.
  TESSERA_METRICS_TOKEN: 'bench-metrics-token-bench-metrics-token',
};

const basic = (id, secretValue) => `Basic ${Buffer.from(`${id}:${secretValue}`).toString('base64')}`;
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const log = (line) => process.stdout.write(`${line}\n`);

/** A prepared Tessera on a fresh database, serving on core 0. */
async function withTessera(
  { dialect = 'sqlite', alg = 'ES256', seed, env: settings = budgetsOutOfReach },
  work,
) {
  const port = nextPort++;
  const issuer = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  let database = { kind: 'sqlite', path: join(dir, 'tessera.db') };
  let schema;
  if (dialect === 'postgres') {
    schema = `bench_${port}_${Date.now()}`;
    await adminQuery(`create schema ${schema}`);
    const url = new URL(await benchDatabaseUrl());
    url.searchParams.set('options', `-c search_path=${schema}`);
    database = { kind: 'postgres', url: url.href };
  }
  const env = {
    TESSERA_DATABASE_URL: database.kind === 'sqlite' ? database.path : database.url,
    TESSERA_DATA_DIR: dir,
    TESSERA_SECRET: secret,
    TESSERA_ISSUER: issuer,
    TESSERA_ACCESS_TOKEN_ALG: alg,
    TESSERA_ADMIN_PASSWORD: 'bench-admin-password',
    TESSERA_LOG_LEVEL: 'warn',
    PORT: String(port),
    HOST: '127.0.0.1',
    ...settings,
  };
  const fixtures = await prepareFixtures(env);
  if (seed !== undefined)
    await seedRefreshTokens({ database, userId: fixtures.userId, clientId: fixtures.app.id, count: seed });
  const server = await startServer({
    name: 'tessera',
    args: [tesseraBin, 'serve'],
    env,
    core: 0,
    readyUrl: `${issuer}/.well-known/openid-configuration`,
  });
  try {
    return await work({ server, issuer, fixtures });
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    if (schema !== undefined) await adminQuery(`drop schema ${schema} cascade`);
  }
}

async function prepareFixtures(env) {
  const { bootstrap, createLogger, createServices, loadConfig } = await import(
    '../packages/server/dist/index.js'
  );
  const services = createServices({ config: loadConfig(env), logger: createLogger('silent') });
  try {
    await bootstrap(services);
    const actor = { actor: 'bench' };
    await services.scopes.create('read:agents', {}, actor);
    const cc = await services.clients.create(
      { name: 'worker', type: 'confidential', scopes: ['read:agents'], rateLimit: budgetOutOfReach },
      actor,
    );
    const rs = await services.clients.create(
      // A resource server: may introspect the tokens of other clients (migration 0005).
      { name: 'agents-api', type: 'confidential', introspection: true, rateLimit: budgetOutOfReach },
      actor,
    );
    const app = await services.clients.create(
      {
        name: 'app',
        type: 'confidential',
        grantTypes: ['password', 'refresh_token'],
        scopes: ['openid', 'profile'],
        rateLimit: budgetOutOfReach,
      },
      actor,
    );
    const { user } = await services.users.create(
      { username: 'bench', password: 'bench-password-123' },
      actor,
    );
    return {
      userId: user.id,
      cc: { id: cc.client.id, secret: cc.secret },
      rs: { id: rs.client.id, secret: rs.secret },
      app: { id: app.client.id, secret: app.secret },
    };
  } finally {
    await services.close();
  }
}

/** The benchmark's own PostgreSQL database, so it never shares catalogs with a test run. */
async function benchDatabaseUrl() {
  const url = new URL(postgresUrl);
  url.pathname = '/tessera_bench';
  return url.href;
}

async function adminQuery(text) {
  const client = new pg.Client({ connectionString: await benchDatabaseUrl() });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function ensureBenchDatabase() {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("select 1 from pg_database where datname = 'tessera_bench'");
    if (rowCount === 0) await client.query('create database tessera_bench');
  } finally {
    await client.end();
  }
}

async function withPeer({ alg = 'ES256', format = 'jwt' }, work) {
  const port = nextPort++;
  const issuer = `http://127.0.0.1:${port}`;
  const server = await startServer({
    name: 'oidc-provider',
    args: [join(root, 'bench/peer/oidc-provider.mjs')],
    env: { PORT: String(port), BENCH_ALG: alg, BENCH_FORMAT: format, NODE_ENV: 'production' },
    core: 0,
    readyUrl: `${issuer}/.well-known/openid-configuration`,
  });
  try {
    const metadata = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    return await work({
      server,
      issuer,
      metadata,
      auth: basic('bench', 'bench-secret-bench-secret-bench-secret'),
    });
  } finally {
    await server.stop();
  }
}

async function ok(url, init) {
  const response = await fetch(url, init);
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${body}`);
  return JSON.parse(body);
}

/**
 * Refresh tokens in flight: each request takes a live token and its answer gives the rotated one
 * back, so every chain keeps rotating (autocannon resets per-connection context between requests,
 * so the chain cannot live there).
 */
/** Each run ends with up to one request per connection in flight, whose successor is never seen: that many chains are lost per run. */
const chainsNeeded = 32 * (timing.runs + 1) + 64;

function tokenChains(initial) {
  const ready = [...initial];
  return {
    take: () => ready.shift(),
    returned(status, body) {
      if (status === 200) ready.push(JSON.parse(body).refresh_token);
    },
  };
}

function record(group, system, name, measurement, extra = {}) {
  results.push({ ...measurement, group, system, name, ...extra });
  const rps = measurement.rps === null ? 'INVALID' : `${Math.round(measurement.rps.median)} req/s`;
  log(
    `  ${name.padEnd(48)} ${rps}${measurement.invalid > 0 ? ` (${measurement.invalid} invalid runs)` : ''}`,
  );
}

async function clientCredentials() {
  for (const alg of ['ES256', 'RS256']) {
    await withTessera({ alg }, async ({ server, issuer, fixtures }) => {
      const options = {
        url: `${issuer}/oauth/token`,
        method: 'POST',
        headers: { ...form, authorization: basic(fixtures.cc.id, fixtures.cc.secret) },
        body: 'grant_type=client_credentials',
      };
      await ok(options.url, options);
      const idleRss = rssMb(server.child.pid);
      await withPeer({ alg }, async ({ metadata, auth }) => {
        const peerOptions = {
          url: metadata.token_endpoint,
          method: 'POST',
          headers: { ...form, authorization: auth },
          body: 'grant_type=client_credentials&scope=read:agents',
        };
        await ok(peerOptions.url, peerOptions);
        // ES256 also in turns with the do-nothing server (same client id and secret), the issue's
        // measure of what the endpoint's own work costs, and with the same server writing its
        // answers at the end of the turn as Tessera does (BATCH=1), for what that alone gains.
        const credentials = { sign: true, clientId: fixtures.cc.id, clientSecret: fixtures.cc.secret };
        const bareSystems = alg === 'ES256' ? [credentials, { ...credentials, batch: true }] : [];
        const [tessera, peer, bare, bareBatched] = await withBareServers(bareSystems, (bares) =>
          measureAlternating(
            [
              { name: `tessera cc ${alg}`, options, pid: server.child.pid },
              { name: `peer cc ${alg}`, options: peerOptions },
              ...bares.map(({ server: b, options: o }, i) => ({
                name: `bare ${i}`,
                options: o,
                pid: b.child.pid,
              })),
            ],
            timing,
          ),
        );
        if (bare !== undefined)
          record('client_credentials', 'ceiling', 'bare Fastify + secret hash + ES256 JWT, in turns', bare);
        if (bareBatched !== undefined)
          record(
            'client_credentials',
            'ceiling',
            'the same, answers written at the end of the turn (BATCH=1), in turns',
            bareBatched,
          );
        const extra = { idleRss, afterRss: rssMb(server.child.pid) };
        if (alg === 'ES256' && tessera.rps !== null) {
          // Evenly paced, open loop (bench/lib/paced.mjs): a warm-up, then the measured run.
          const paced = { ...options, rate: Math.floor(tessera.rps.median / 2) };
          await pacedRun({ ...paced, duration: timing.warmup });
          const half = await pacedRun({ ...paced, duration: timing.duration });
          extra.halfLoadP99 = half.valid ? half.p99 : null;
          const { latencies, ...halfLoad } = half;
          extra.halfLoad = halfLoad;
        }
        record('client_credentials', 'tessera', `client_credentials ${alg}`, tessera, extra);
        record('client_credentials', 'peer', `client_credentials ${alg}`, peer);
      });
    });
  }
}

async function introspection() {
  await withTessera({}, async ({ issuer, fixtures }) => {
    const { access_token } = await ok(`${issuer}/oauth/token`, {
      method: 'POST',
      headers: { ...form, authorization: basic(fixtures.cc.id, fixtures.cc.secret) },
      body: 'grant_type=client_credentials',
    });
    const options = {
      url: `${issuer}/oauth/introspect`,
      method: 'POST',
      headers: { ...form, authorization: basic(fixtures.rs.id, fixtures.rs.secret) },
      body: `token=${access_token}`,
    };
    if ((await ok(options.url, options)).active !== true) throw new Error('tessera: token not active');
    // oidc-provider introspects the tokens it stores: opaque ones.
    await withPeer({ format: 'opaque' }, async ({ metadata, auth }) => {
      const peerToken = await ok(metadata.token_endpoint, {
        method: 'POST',
        headers: { ...form, authorization: auth },
        body: 'grant_type=client_credentials&scope=read:agents',
      });
      const peerOptions = {
        url: metadata.introspection_endpoint,
        method: 'POST',
        headers: { ...form, authorization: auth },
        body: `token=${peerToken.access_token}`,
      };
      if ((await ok(peerOptions.url, peerOptions)).active !== true) throw new Error('peer: token not active');
      const [tessera, peer] = await measureAlternating(
        [
          { name: 'tessera introspection', options },
          { name: 'peer introspection', options: peerOptions },
        ],
        timing,
      );
      record('introspection', 'tessera', 'introspection', tessera);
      record('introspection', 'peer', 'introspection', peer);
    });
  });
}

async function refreshRotation() {
  for (const dialect of ['sqlite', 'postgres']) {
    for (const size of refreshSizes) {
      log(`  seeding ${size} refresh tokens (${dialect})…`);
      await withTessera({ dialect, seed: size }, async ({ issuer, fixtures }) => {
        const chains = tokenChains(Array.from({ length: chainsNeeded }, (_, i) => seededToken(i)));
        const options = {
          url: `${issuer}/oauth/token`,
          requests: [
            {
              method: 'POST',
              path: '/oauth/token',
              headers: { ...form, authorization: basic(fixtures.app.id, fixtures.app.secret) },
              setupRequest: (request) => ({
                ...request,
                body: `grant_type=refresh_token&refresh_token=${chains.take()}`,
              }),
              onResponse: (status, body) => chains.returned(status, body),
            },
          ],
        };
        record(
          'refresh',
          'tessera',
          `refresh_token ${dialect} ${size.toLocaleString('en')}`,
          await measure('refresh', options, timing),
          {
            dialect,
            size,
          },
        );
      });
    }
  }
}

async function sessionApi() {
  await withTessera({}, async ({ server, issuer }) => {
    const login = {
      url: `${issuer}/login`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench', password: 'bench-password-123' }),
    };
    await ok(login.url, login);
    // Login runs and argon2-alone runs in turns on the same core, so both see the same machine.
    const loginLoad = { ...login, connections: 4 };
    await runOnce({ ...loginLoad, duration: timing.warmup });
    const loginRuns = [];
    const argon2Runs = [];
    const argon2Cpu = [];
    for (let i = 0; i < timing.runs; i += 1) {
      // autocannon ends a run by closing its connections, and the server still checks the
      // passwords they had sent: let those finish, or they count against the next run's address.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const cpuBefore = cpuSeconds(server.child.pid);
      const run = await runOnce({ ...loginLoad, duration: timing.duration });
      if (run.total > 0) run.cpuPerRequest = ((cpuSeconds(server.child.pid) - cpuBefore) * 1e6) / run.total;
      loginRuns.push(run);
      const argon2 = JSON.parse(
        execFileSync(
          'taskset',
          ['-c', '0', process.execPath, join(root, 'bench/peer/argon2.mjs'), String(timing.duration)],
          { encoding: 'utf8' },
        ),
      );
      argon2Runs.push(argon2.perSecond);
      argon2Cpu.push(argon2.cpuPerVerification);
    }
    const loginSummary = summarise('login', loginRuns);
    record('session', 'tessera', 'POST /login', loginSummary);
    argon2Cpu.sort((a, b) => a - b);
    log(
      `  ${''.padEnd(48)} CPU per login ${loginSummary.cpuPerRequest?.median.toFixed(0)} µs, per argon2id verification alone ${argon2Cpu[Math.floor(argon2Cpu.length / 2)].toFixed(0)} µs`,
    );
    argon2Runs.sort((a, b) => a - b);
    results.push({
      group: 'ceiling',
      system: 'ceiling',
      name: 'argon2id verify (one core)',
      opsPerSecond: argon2Runs[Math.floor(argon2Runs.length / 2)],
      range: [argon2Runs[0], argon2Runs.at(-1)],
    });

    const pool = [];
    for (let i = 0; i < chainsNeeded; i += 1) pool.push((await ok(login.url, login)).refresh_token);
    const chains = tokenChains(pool);
    const refresh = {
      url: `${issuer}/token`,
      requests: [
        {
          method: 'GET',
          path: '/token',
          setupRequest: (request) => ({ ...request, headers: { authorization: `Bearer ${chains.take()}` } }),
          onResponse: (status, body) => chains.returned(status, body),
        },
      ],
    };
    record(
      'session',
      'tessera',
      'GET /token (refresh token)',
      await measure('session refresh', refresh, timing),
    );
  });
}

async function userinfo() {
  await withTessera({}, async ({ issuer, fixtures }) => {
    const { access_token } = await ok(`${issuer}/oauth/token`, {
      method: 'POST',
      headers: { ...form, authorization: basic(fixtures.app.id, fixtures.app.secret) },
      body: 'grant_type=password&username=bench&password=bench-password-123&scope=openid%20profile',
    });
    const options = { url: `${issuer}/oauth/userinfo`, headers: { authorization: `Bearer ${access_token}` } };
    await ok(options.url, options);
    record('userinfo', 'tessera', 'GET /oauth/userinfo', await measure('userinfo', options, timing));
  });
}

async function verifyMiddleware() {
  await withTessera({}, async ({ issuer, fixtures }) => {
    const { access_token } = await ok(`${issuer}/oauth/token`, {
      method: 'POST',
      headers: { ...form, authorization: basic(fixtures.cc.id, fixtures.cc.secret) },
      body: 'grant_type=client_credentials',
    });
    // Both APIs run at once on the server core and are loaded in turns.
    const apis = [];
    try {
      for (const [system, name] of [
        ['tessera', '@tessera/verify (Fastify API)'],
        ['jose', 'jose.jwtVerify (same Fastify API)'],
      ]) {
        const port = nextPort++;
        apis.push({
          system,
          name,
          url: `http://127.0.0.1:${port}/agents`,
          server: await startServer({
            name: `verify-api (${system})`,
            args: [join(root, 'bench/peer/verify-api.mjs')],
            env: { PORT: String(port), ISSUER: issuer, VERIFY: system },
            core: 0,
            readyUrl: `http://127.0.0.1:${port}/healthz`,
          }),
        });
      }
      const headers = { authorization: `Bearer ${access_token}` };
      for (const api of apis) await ok(api.url, { headers });
      const measured = await measureAlternating(
        apis.map((api) => ({ name: `verify ${api.system}`, options: { url: api.url, headers } })),
        timing,
      );
      for (const [index, api] of apis.entries()) record('verify', api.system, api.name, measured[index]);
    } finally {
      for (const api of apis) await api.server.stop();
    }
    // Raw jose.jwtVerify on the same token, one core (this process, core 1).
    const keys = createLocalJWKSet(await ok(`${issuer}/oauth/jwks`));
    const verifyOnce = () =>
      jwtVerify(access_token, keys, { issuer, audience: issuer, typ: 'at+jwt', algorithms: ['ES256'] });
    for (let i = 0; i < 500; i += 1) await verifyOnce();
    const runs = [];
    for (let r = 0; r < timing.runs; r += 1) {
      const end = performance.now() + timing.duration * 1000;
      const start = performance.now();
      let count = 0;
      while (performance.now() < end) {
        await verifyOnce();
        count += 1;
      }
      runs.push(count / ((performance.now() - start) / 1000));
    }
    runs.sort((a, b) => a - b);
    results.push({
      group: 'ceiling',
      system: 'ceiling',
      name: 'jose.jwtVerify ES256 (one core)',
      opsPerSecond: runs[1],
      range: [runs[0], runs.at(-1)],
    });
  });
}

/** The do-nothing Fastify server on core 0 (`bench/peer/bare-fastify.mjs`). */
async function withBareFastify(
  { sign, batch = false, clientId = 'client', clientSecret = 'bench-client-secret' },
  work,
) {
  const port = nextPort++;
  const bare = await startServer({
    name: 'bare-fastify',
    args: [join(root, 'bench/peer/bare-fastify.mjs')],
    env: {
      PORT: String(port),
      SIGN: sign ? '1' : '0',
      BATCH: batch ? '1' : '0',
      CLIENT_ID: clientId,
      CLIENT_SECRET: clientSecret,
    },
    core: 0,
    readyUrl: `http://127.0.0.1:${port}/healthz`,
  });
  try {
    return await work({
      server: bare,
      options: {
        url: `http://127.0.0.1:${port}/token`,
        method: 'POST',
        headers: { ...form, authorization: basic(clientId, clientSecret) },
        body: 'grant_type=client_credentials',
      },
    });
  } finally {
    await bare.stop();
  }
}

/** Several do-nothing servers at once (each on core 0, loaded in turns by the caller). */
function withBareServers(systems, work, started = []) {
  if (started.length === systems.length) return work(started);
  return withBareFastify(systems[started.length], (bare) =>
    withBareServers(systems, work, [...started, bare]),
  );
}

async function ceilings() {
  for (const [sign, name] of [
    [false, 'bare Fastify form POST'],
    [true, 'bare Fastify form POST + node:crypto ES256 JWT'],
  ]) {
    await withBareFastify({ sign }, async ({ options }) => {
      if (sign) await ok(options.url, options);
      record('ceiling', 'ceiling', name, await measure(name, options, timing));
    });
  }
  const signing = JSON.parse(
    execFileSync(
      'taskset',
      [
        '-c',
        '0',
        process.execPath,
        join(root, 'bench/sign.mjs'),
        String(Math.min(timing.duration, 3)),
        '--json',
      ],
      {
        encoding: 'utf8',
      },
    ),
  );
  results.push({
    group: 'ceiling',
    system: 'ceiling',
    name: 'ES256 sign, node:crypto (one core)',
    opsPerSecond: signing.nodeCrypto.median,
  });
  results.push({
    group: 'ceiling',
    system: 'ceiling',
    name: 'ES256 sign, jose (one core)',
    opsPerSecond: signing.jose.median,
  });
}

/**
 * The bench's own Redis database (14; the tests use 0, 5 and 13), as it has its own PostgreSQL
 * database, and a key prefix of this run's, whose keys are deleted afterwards.
 */
function benchRedis() {
  const url = new URL(process.env.TESSERA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  url.pathname = '/14';
  return { url: url.href, prefix: `tessera-bench-${process.pid}-${Date.now()}:` };
}

async function withRedis(url, work) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 5000 });
  try {
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

function dropRedisKeys({ url, prefix }) {
  return withRedis(url, async (redis) => {
    const keys = [];
    let cursor = '0';
    // Bounded: SCAN visits each key at most a few times, and the database holds only the bench's.
    for (let pass = 0; pass < 10_000; pass += 1) {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      keys.push(...found);
      cursor = next;
      if (cursor === '0') break;
    }
    if (keys.length > 0) await redis.del(...keys);
  });
}

/** Several prepared Tesseras at once (each with its own database), all on core 0. */
async function withTesseras(list, work, started = []) {
  if (started.length === list.length) return work(started);
  return withTessera(list[started.length], (tessera) => withTesseras(list, work, [...started, tessera]));
}

function logCpu(cpu) {
  if (cpu !== undefined && cpu !== null)
    log(
      `  ${''.padEnd(48)} ${cpu.median.toFixed(1)} µs of server CPU per request [${cpu.min.toFixed(1)}–${cpu.max.toFixed(1)}]`,
    );
}

/** Sends `request` until Redis holds `key` (bounded: 30 tries, 100 ms apart). */
async function countedInRedis(url, key, request) {
  for (let attempt = 0; attempt < 30; attempt += 1) {
    await ok(request.url, request);
    if ((await withRedis(url, (r) => r.exists(key))) === 1) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/**
 * What the limiter costs: client_credentials ES256 on three servers alike but for their limits
 * (off; on in this process; on through Redis), loaded in turns. The limited ones have budgets
 * the load never reaches, so every request is counted and none refused.
 */
async function rateLimitCost() {
  const redis = benchRedis();
  const variants = [
    { limits: 'off', env: { ...budgetsOutOfReach, TESSERA_RATE_LIMITING: 'false' } },
    { limits: 'in-process', env: budgetsOutOfReach },
    {
      limits: 'Redis',
      env: { ...budgetsOutOfReach, TESSERA_REDIS_URL: redis.url, TESSERA_REDIS_PREFIX: redis.prefix },
    },
  ];
  try {
    await withTesseras(variants, async (tesseras) => {
      const systems = [];
      for (const [index, { server, issuer, fixtures }] of tesseras.entries()) {
        const { limits } = variants[index];
        const options = {
          url: `${issuer}/oauth/token`,
          method: 'POST',
          headers: { ...form, authorization: basic(fixtures.cc.id, fixtures.cc.secret) },
          body: 'grant_type=client_credentials',
        };
        // The setting took: a limited answer carries the headers, an unlimited one none.
        const response = await fetch(options.url, options);
        await response.arrayBuffer();
        const limited = response.headers.has('x-ratelimit-limit');
        if (response.status !== 200 || limited !== (limits !== 'off'))
          throw new Error(
            `limits ${limits}: answered ${response.status}, X-RateLimit-Limit ${limited ? 'present' : 'absent'}`,
          );
        // …and the Redis one counts in Redis, not in its fallback (which it uses until its
        // connection is ready, moments after start).
        const key = `${redis.prefix}rl:token:client:${fixtures.cc.id}`;
        if (limits === 'Redis' && !(await countedInRedis(redis.url, key, options)))
          throw new Error(`limits on through Redis: no ${key} in ${redis.url}`);
        systems.push({ name: `limits ${limits}`, options, pid: server.child.pid });
      }
      const { cc } = tesseras[0].fixtures;
      const measured = await withBareFastify(
        { sign: true, clientId: cc.id, clientSecret: cc.secret },
        ({ server, options }) =>
          measureAlternating([...systems, { name: 'bare', options, pid: server.child.pid }], timing),
      );
      const bare = measured[variants.length];
      record('rate limits', 'ceiling', 'bare Fastify + secret hash + ES256 JWT, in turns', bare);
      logCpu(bare.cpuPerRequest);
      for (const [index, { limits }] of variants.entries()) {
        const name =
          limits === 'off'
            ? 'client_credentials ES256, limits off'
            : `client_credentials ES256, limits on (${limits})`;
        record('rate limits', 'tessera', name, measured[index], { limits });
        logCpu(measured[index].cpuPerRequest);
      }
    });
  } finally {
    await dropRedisKeys(redis);
  }
}

/**
 * A guess flood from one address, as an attacker without a botnet makes it: 64 connections of
 * wrong passwords, spread over many usernames (each username + address pair has its own free
 * failures before the backoff, so spraying gets the most password checks out of one address)
 * and including the victim's. Sprayed names that exist or not cost the same (no timing oracle).
 */
const floodUsernames = [
  'bench',
  ...['admin', 'root', 'alice', 'bob', 'carol', 'dave', 'eve', 'mallory', 'oscar', 'peggy', 'trent'],
  ...Array.from({ length: 52 }, (_, i) => `user${i + 1}`),
];
/** Legitimate sign-ins per second during the flood: paced, each from its own loopback address. */
const legitRate = 10;
const legitAddress = (i) => `127.0.0.${2 + (i % 200)}`;

/** Starts the flood; resolves once its first answer arrived, with `done` for its counts. */
async function startFlood({ url, duration }) {
  const child = spawn(
    process.execPath,
    [
      join(root, 'bench/lib/flood.mjs'),
      JSON.stringify({ url, duration, connections: 64, usernames: floodUsernames }),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  let errors = '';
  child.stderr.on('data', (d) => {
    errors += d;
  });
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => {
        child.kill('SIGKILL');
        reject(new Error(`the flood did not end within ${duration + 30} s`));
      },
      (duration + 30) * 1000,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      const last = output.trim().split('\n').at(-1);
      if (code !== 0 || last === undefined || !last.startsWith('{'))
        reject(new Error(`the flood failed (${code}): ${errors}${output}`));
      else resolve(JSON.parse(last));
    });
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the flood did not start within 15 s')), 15_000);
    child.stdout.on('data', (d) => {
      output += d;
      if (output.includes('flooding\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
    done.catch((error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  return { done };
}

/** p50, p99 and max of pooled latencies, with the count and the failed requests. */
function latencySummary(runs) {
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? null;
  return {
    count: latencies.length,
    failed: runs.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
    p50: at(0.5),
    p99: at(0.99),
    max: latencies.at(-1) ?? null,
  };
}

/**
 * A legitimate sign-in's latency with and without a guess flood, in turns (idle run, flood run,
 * …). No flood warm-up: the flood's first seconds, before the defences have counted anything,
 * are part of what the legitimate user meets. p99 is over every legitimate sign-in of the runs.
 * Twice: with the default limits, and with the login budget out of reach, where only the
 * brute-force defence and the bound on queued password checks stand between the flood and argon2.
 */
async function guessFlood() {
  for (const [variant, env] of [
    ['default limits', {}],
    ['login budget out of reach', { TESSERA_RATE_LIMITS: `login=${budgetOutOfReach}` }],
  ]) {
    await withTessera({ env }, async ({ issuer }) => {
      const url = `${issuer}/login`;
      const legit = {
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'bench', password: 'bench-password-123' }),
        rate: legitRate,
        connections: 8,
        localAddress: legitAddress,
      };
      await pacedRun({ ...legit, duration: timing.warmup });
      const idle = [];
      const flooded = [];
      const floods = [];
      for (let i = 0; i < timing.runs; i += 1) {
        idle.push(await pacedRun({ ...legit, duration: timing.duration }));
        // The flood outlasts the legitimate run it surrounds.
        const flood = await startFlood({ url, duration: timing.duration + 1 });
        flooded.push(await pacedRun({ ...legit, duration: timing.duration }));
        floods.push(await flood.done);
      }
      const statuses = {};
      for (const flood of floods)
        for (const [status, count] of Object.entries(flood.statuses))
          statuses[status] = (statuses[status] ?? 0) + count;
      const floodRps = floods.map((f) => f.rps).sort((a, b) => a - b);
      const entry = {
        group: 'guess flood',
        system: 'tessera',
        name: `legitimate login during a guess flood (${variant})`,
        variant,
        legitRate,
        usernames: floodUsernames.length,
        idle: latencySummary(idle),
        flood: latencySummary(flooded),
        floodStatuses: statuses,
        floodErrors: floods.reduce((sum, f) => sum + f.errors, 0),
        floodRps: floodRps[Math.floor(floodRps.length / 2)],
      };
      results.push(entry);
      const ms = (v) => (v === null ? '–' : v.toFixed(1));
      log(
        `  ${variant.padEnd(28)} idle p99 ${ms(entry.idle.p99)} ms, flood p99 ${ms(entry.flood.p99)} ms (legit failed: ${entry.idle.failed}/${entry.flood.failed}); flood ${Math.round(entry.floodRps)} req/s ${JSON.stringify(statuses)}`,
      );
    });
  }
}

async function startup() {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-start-'));
  const port = nextPort++;
  const start = (name) =>
    startServer({
      name,
      args: [tesseraBin, 'serve'],
      env: {
        TESSERA_DATABASE_URL: join(dir, 'tessera.db'),
        PORT: String(port),
        HOST: '127.0.0.1',
        TESSERA_LOG_LEVEL: 'warn',
        TESSERA_ISSUER: `http://127.0.0.1:${port}`,
      },
      core: 0,
      readyUrl: `http://127.0.0.1:${port}/.well-known/openid-configuration`,
    });
  try {
    const server = await start('tessera (first start)');
    const firstStart = server.startMs;
    await server.stop();
    const again = await start('tessera (second start)');
    const startRss = rssMb(again.child.pid);
    // Idle: no request for 30 s after the first. V8 gives back what start-up left in its heap
    // (its memory reducer runs once allocation has stopped for a while), as any idle server sees.
    await new Promise((resolve) => setTimeout(resolve, 30_000));
    const idleRss = rssMb(again.child.pid);
    await again.stop();
    results.push({
      group: 'startup',
      system: 'tessera',
      name: 'start to first 200 (first start, empty dir)',
      ms: firstStart,
    });
    results.push({
      group: 'startup',
      system: 'tessera',
      name: 'start to first 200 (later start)',
      ms: again.startMs,
      startRss,
      idleRss,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await ensureBenchDatabase();
const started = new Date();
log(
  `Tessera benchmark (${quick ? 'quick' : 'full'}): warm-up ${timing.warmup} s, ${timing.runs} runs of ${timing.duration} s`,
);
for (const [title, step] of [
  ['start-up', startup],
  ['ceilings', ceilings],
  ['client_credentials', clientCredentials],
  ['introspection', introspection],
  ['session API', sessionApi],
  ['userinfo', userinfo],
  ['rate limits', rateLimitCost],
  ['guess flood', guessFlood],
  ['@tessera/verify', verifyMiddleware],
  ['refresh_token rotation', refreshRotation],
]) {
  if (only !== undefined && !only.includes(title)) continue;
  log(`\n== ${title}`);
  await step();
}
if (only !== undefined) {
  for (const r of results)
    log(
      JSON.stringify({
        name: r.name,
        system: r.system,
        rps: r.rps,
        p99: r.p99,
        ops: r.opsPerSecond,
        ms: r.ms,
        startRss: r.startRss,
        idleRss: r.idleRss,
        afterRss: r.afterRss,
        halfLoadP99: r.halfLoadP99,
        idle: r.idle,
        flood: r.flood,
        floodStatuses: r.floodStatuses,
        floodRps: r.floodRps,
        cpuPerRequest: r.cpuPerRequest,
      }),
    );
  process.exit(0);
}

const versions = {
  node: process.version,
  tessera: JSON.parse(readFileSync(join(root, 'packages/server/package.json'), 'utf8')).version,
  'oidc-provider': JSON.parse(readFileSync(join(root, 'node_modules/oidc-provider/package.json'), 'utf8'))
    .version,
  fastify: JSON.parse(readFileSync(join(root, 'node_modules/fastify/package.json'), 'utf8')).version,
  autocannon: JSON.parse(readFileSync(join(root, 'node_modules/autocannon/package.json'), 'utf8')).version,
};
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGb: Math.round(totalmem() / 2 ** 30),
};
const finished = new Date();
writeFileSync(
  join(root, 'bench/results.json'),
  `${JSON.stringify({ results, versions, machine, started, finished, quick, timing }, null, 2)}\n`,
);
writeReport({ results, versions, machine, started, finished, quick, timing, root });
log('\nwrote bench/RESULTS.md and bench/chart.svg');
