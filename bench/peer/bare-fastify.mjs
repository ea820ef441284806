// The ceilings for a form POST answered with JSON: Fastify with nothing else, and (SIGN=1) the same
// handler also signing an RFC 9068-shaped ES256 JWT with node:crypto, the least a token endpoint does.
// Run: PORT=… [SIGN=1] node bench/peer/bare-fastify.mjs
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
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
    ? async () => ({ access_token: signedToken(), token_type: 'Bearer', expires_in: 3600 })
    : async (request) => ({ ok: true, grant_type: request.body.grant_type }),
);
await app.listen({ port: Number(process.env.PORT ?? 9200), host: '127.0.0.1' });
process.stdout.write('bare fastify listening\n');
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
