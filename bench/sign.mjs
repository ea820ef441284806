// ES256 signing throughput on one core: node:crypto KeyObject vs jose's SignJWT (WebCrypto).
// Why the token endpoint signs with node:crypto (packages/server/src/tokens/jws.ts).
// Run: node bench/sign.mjs [seconds-per-run]
import { generateKeyPairSync, sign } from 'node:crypto';
import { SignJWT } from 'jose';

const seconds = Number(process.argv[2] ?? 3);
const json = process.argv.includes('--json');
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const payload = {
  iss: 'http://localhost:8080',
  sub: 'client',
  aud: 'http://localhost:8080',
  client_id: 'client',
  scope: 'read:agents',
};
const encode = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');

function nodeCrypto() {
  const input = `${encode({ alg: 'ES256', typ: 'at+jwt', kid: 'k' })}.${encode({ ...payload, jti: Math.random() })}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

function jose() {
  return new SignJWT({ ...payload, jti: String(Math.random()) })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k' })
    .sign(privateKey);
}

async function measure(name, fn) {
  for (let i = 0; i < 500; i += 1) await fn(); // warm-up
  const runs = [];
  for (let run = 0; run < 3; run += 1) {
    const end = performance.now() + seconds * 1000;
    let count = 0;
    const start = performance.now();
    while (performance.now() < end) {
      await fn();
      count += 1;
    }
    runs.push(count / ((performance.now() - start) / 1000));
  }
  runs.sort((a, b) => a - b);
  if (!json) {
    console.log(
      `${name.padEnd(12)} ${Math.round(runs[1])} signatures/s  [${Math.round(runs[0])}–${Math.round(runs[2])}]`,
    );
  }
  return { median: runs[1], min: runs[0], max: runs[2] };
}

if (!json) console.log(`Node ${process.version}, ES256, median of 3 runs of ${seconds} s`);
const a = await measure('node:crypto', nodeCrypto);
const b = await measure('jose', jose);
if (json) console.log(JSON.stringify({ nodeCrypto: a, jose: b }));
else console.log(`node:crypto ÷ jose = ${(a.median / b.median).toFixed(2)}`);
