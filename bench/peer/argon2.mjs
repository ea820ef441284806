// argon2id verifications per second on one core, with Tessera's parameters (the /login ceiling).
// Run: node bench/peer/argon2.mjs SECONDS
import { hashPassword, verifyPassword } from '../../packages/server/dist/index.js';

const seconds = Number(process.argv[2] ?? 3);
const hash = await hashPassword('bench-password-123');
for (let i = 0; i < 5; i += 1) await verifyPassword(hash, 'bench-password-123');
const end = performance.now() + seconds * 1000;
let count = 0;
const start = performance.now();
const cpuBefore = process.cpuUsage();
while (performance.now() < end) {
  await verifyPassword(hash, 'bench-password-123');
  count += 1;
}
const cpu = process.cpuUsage(cpuBefore);
console.log(
  JSON.stringify({
    perSecond: count / ((performance.now() - start) / 1000),
    // Every thread's CPU (the verifications run on libuv's pool), per verification, in µs.
    cpuPerVerification: (cpu.user + cpu.system) / count,
  }),
);
