// The ceilings for a form POST answered with JSON: Fastify with nothing else, and (SIGN=1) the
// do-nothing token endpoint: it authenticates a client's Basic credentials against a SHA-256 hash
// of the secret (constant-time) and signs an RFC 9068-shaped ES256 JWT with node:crypto, with no
// store and no logging: the least a token endpoint does.
// BATCH=1: each answer is sent at the end of the event loop's turn (setImmediate), as Tessera
// writes its answers (packages/server/src/http/plugins/batched-writes.ts), for comparison.
// Run: PORT=… [SIGN=1] [BATCH=1] [CLIENT_ID=… CLIENT_SECRET=…] node bench/peer/bare-fastify.mjs
import { createHash, generateKeyPairSync, randomUUID, sign, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const header = encode({ alg: 'ES256', typ: 'at+jwt', kid: 'bench' });
const issuer = 'http://127.0.0.1';

function signedToken() {
  const iat = Math.floor(Date.now() / 1000);
  const claims = { iss: issuer, sub: 'client', aud: issuer, exp: iat + 3600, iat, jti: randomUUID() };
  const input = `${header}.${encode({ ...claims, client_id: 'client', scope: 'read:agents' })}`;
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

const clientId = process.env.CLIENT_ID ?? 'client';
const secretHash = createHash('sha256')
  .update(process.env.CLIENT_SECRET ?? 'bench-client-secret')
  .digest();

/** Basic credentials of the one client, its secret compared by hash in constant time. */
function authenticated(authorization) {
  if (authorization === undefined || !authorization.startsWith('Basic ')) return false;
  const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0 || decodeURIComponent(decoded.slice(0, colon)) !== clientId) return false;
  const presented = createHash('sha256')
    .update(decodeURIComponent(decoded.slice(colon + 1)))
    .digest();
  return timingSafeEqual(presented, secretHash);
}

const app = Fastify();
app.addContentTypeParser(
  'application/x-www-form-urlencoded',
  { parseAs: 'string' },
  (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body)));
  },
);
app.get('/healthz', async () => ({ ok: true }));
app.post(
  '/token',
  process.env.SIGN === '1'
    ? async (request, reply) => {
        if (!authenticated(request.headers.authorization))
          return reply.code(401).send({ error: 'invalid_client' });
        const answer = { access_token: signedToken(), token_type: 'Bearer', expires_in: 3600 };
        if (process.env.BATCH === '1') await new Promise((resolve) => setImmediate(resolve));
        return answer;
      }
    : async (request) => ({ ok: true, grant_type: request.body.grant_type }),
);
await app.listen({ port: Number(process.env.PORT ?? 9200), host: '127.0.0.1' });
process.stdout.write('bare fastify listening\n');
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
