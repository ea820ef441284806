// A Fastify API protected by @tessera/verify (built package), for the verify-vs-jose scenario.
// Run: PORT=… ISSUER=… node bench/peer/verify-api.mjs
import Fastify from 'fastify';
import { requireScopes } from '../../packages/verify/dist/adapters/fastify.js';
import { createVerifier } from '../../packages/verify/dist/index.js';

const verifier = createVerifier({ issuer: process.env.ISSUER, audience: process.env.ISSUER });
const app = Fastify();
app.get('/agents', { preHandler: requireScopes(verifier, 'read:agents') }, async (request) => ({
  sub: request.auth.sub,
}));
app.get('/healthz', async () => ({ ok: true }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
