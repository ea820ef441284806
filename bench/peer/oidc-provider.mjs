// The reference peer: panva's oidc-provider, configured like Tessera for the scenarios compared:
// one confidential client, client_credentials issuing JWT access tokens signed with BENCH_ALG,
// introspection enabled. Run: PORT=… BENCH_ALG=ES256|RS256 node bench/peer/oidc-provider.mjs
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT ?? 9100);
const alg = process.env.BENCH_ALG ?? 'ES256';
const issuer = `http://127.0.0.1:${port}`;

const privateJwk = (key, keyAlg) => ({
  ...key.export({ format: 'jwk' }),
  alg: keyAlg,
  use: 'sig',
  kid: keyAlg,
});
const jwks = {
  keys: [
    privateJwk(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'ES256'),
    privateJwk(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'RS256'),
  ],
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'bench',
      client_secret: 'bench-secret-bench-secret-bench-secret',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'read:agents',
    },
  ],
  jwks,
  scopes: ['read:agents'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => issuer,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'read:agents',
        audience: issuer,
        accessTokenTTL: 3600,
        accessTokenFormat: process.env.BENCH_FORMAT ?? 'jwt',
        jwt: { sign: { alg } },
      }),
    },
  },
});
provider.proxy = false;
provider.listen(port, '127.0.0.1', () => process.stdout.write(`oidc-provider listening on ${issuer}\n`));
process.on('SIGTERM', () => process.exit(0));
