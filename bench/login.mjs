// POST /login: does an unknown user answer as slowly as a wrong password (timing oracle), and how
// much of a login is argon2? Uses the built server (npm run build first).
// Run: node bench/login.mjs   (pin it with `taskset -c 1` for steadier figures)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildApp,
  createLogger,
  createServices,
  hashPassword,
  loadConfig,
  prepareStorage,
  verifyPassword,
} from '../packages/server/dist/index.js';

const tries = 50;
const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-login-'));
const config = loadConfig({
  TESSERA_DATABASE_URL: join(dir, 'tessera.db'),
  TESSERA_SECRET: 'bench-secret-bench-secret-bench-secret-0000',
  TESSERA_LOG_LEVEL: 'silent',
  // Off: this measures a timing oracle with 155 sign-ins from one address, 50 of them wrong
  // passwords for one user; the login budget (60 a minute per address) and the brute-force
  // backoff (after 5 failures) would answer most with 429 before any password check, hiding the
  // very timing compared here. What the limits cost is measured in run.mjs.
  TESSERA_RATE_LIMITING: 'false',
});
const services = createServices({ config, logger: createLogger('silent') });
await prepareStorage(services);
await services.users.create({ username: 'alice', password: 'correct horse battery' }, { actor: 'bench' });
const app = await buildApp(services);
await app.listen({ port: 0, host: '127.0.0.1' });
const url = `http://127.0.0.1:${app.server.address().port}/login`;

async function login(username, password) {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  await response.arrayBuffer();
  return { ms: performance.now() - started, status: response.status };
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

for (let i = 0; i < 5; i += 1) await login('alice', 'correct horse battery'); // warm-up
const unknown = [];
const wrong = [];
for (let i = 0; i < tries; i += 1) {
  unknown.push((await login(`nobody-${i}`, 'some password')).ms);
  wrong.push((await login('alice', 'wrong password')).ms);
}
const mu = median(unknown);
const mw = median(wrong);
const difference = Math.abs(mu - mw) / Math.max(mu, mw);

const ok = [];
const started = performance.now();
for (let i = 0; i < tries; i += 1) {
  const result = await login('alice', 'correct horse battery');
  if (result.status !== 200) throw new Error(`login answered ${result.status}`);
  ok.push(result.ms);
}
const loginsPerSecond = tries / ((performance.now() - started) / 1000);

const hash = await hashPassword('correct horse battery');
const verifyStarted = performance.now();
for (let i = 0; i < tries; i += 1) await verifyPassword(hash, 'correct horse battery');
const verifiesPerSecond = tries / ((performance.now() - verifyStarted) / 1000);

console.log(`Node ${process.version}, SQLite, ${tries} tries each, sequential`);
console.log(`median unknown user   ${mu.toFixed(1)} ms`);
console.log(`median wrong password ${mw.toFixed(1)} ms`);
console.log(`difference            ${(difference * 100).toFixed(1)} % (goal < 20 %)`);
console.log(`successful logins     ${loginsPerSecond.toFixed(1)}/s (median ${median(ok).toFixed(1)} ms)`);
console.log(`argon2id verify alone ${verifiesPerSecond.toFixed(1)}/s`);
console.log(
  `login ÷ argon2        ${(loginsPerSecond / verifiesPerSecond).toFixed(2)} (share of a login spent in argon2 ≈ ${((loginsPerSecond / verifiesPerSecond) * 100).toFixed(0)} %)`,
);

await app.close();
await services.close();
rmSync(dir, { recursive: true, force: true });
