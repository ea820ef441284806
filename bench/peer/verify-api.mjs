// A Fastify API that checks bearer tokens, for the verify scenario. VERIFY=tessera protects the
// route with @tessera/verify (built package); VERIFY=jose with a bare jose.jwtVerify against the
// same remote JWKS and the same claim checks, so the two differ only in the verifying code.
// Run: PORT=… ISSUER=… VERIFY=tessera|jose node bench/peer/verify-api.mjs
import Fastify from 'fastify';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { requireScopes } from '../../packages/verify/dist/adapters/fastify.js';
import { createVerifier } from '../../packages/verify/dist/index.js';

const issuer = process.env.ISSUER;
const app = Fastify();

if (process.env.VERIFY === 'jose') {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/oauth/jwks`));
  const checkWithJose = async (request, reply) => {
    const header = request.headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) return reply.code(401).send({ error: 'invalid_token' });
    try {
      const { payload } = await jwtVerify(header.slice(7), jwks, {
        issuer,
        audience: issuer,
        typ: 'at+jwt',
        algorithms: ['ES256'],
      });
      if (
        !String(payload.scope ?? '')
          .split(' ')
          .includes('read:agents')
      )
        return reply.code(403).send({ error: 'insufficient_scope' });
      request.auth = payload;
    } catch {
      return reply.code(401).send({ error: 'invalid_token' });
    }
  };
  app.get('/agents', { preHandler: checkWithJose }, async (request) => ({ sub: request.auth.sub }));
} else {
  const verifier = createVerifier({ issuer, audience: issuer });
  app.get('/agents', { preHandler: requireScopes(verifier, 'read:agents') }, async (request) => ({
    sub: request.auth.sub,
  }));
}
app.get('/healthz', async () => ({ ok: true }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
