import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/databases.js';
import { createPerson, startTestServer, type TestServer } from '../helpers/test-server.js';

describeEachDialect('CORS for browser apps', (dialect) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(dialect, { env: { TESSERA_CORS_ORIGINS: 'https://app.example.com' } });
    await server.services.clients.create(
      { name: 'SPA', type: 'public', redirectUris: ['https://spa.example/callback'], scopes: ['openid'] },
      { actor: 'test' },
    );
    await createPerson(server.services);
  });
  afterEach(() => server.close());

  it('a public client’s origin may call the token endpoint; other origins get no CORS headers', async () => {
    const preflight = await server.app.inject({
      method: 'OPTIONS',
      url: '/oauth/token',
      headers: {
        origin: 'https://spa.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://spa.example');
    expect(preflight.headers['access-control-allow-methods']).toBe('POST');
    expect(preflight.headers['access-control-allow-headers']).toContain('content-type');
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();

    const post = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { origin: 'https://spa.example', 'content-type': 'application/json' },
      payload: { grant_type: 'client_credentials' },
    });
    expect(post.headers['access-control-allow-origin']).toBe('https://spa.example');
    expect(post.headers.vary).toContain('Origin');

    const evil = await server.app.inject({
      method: 'OPTIONS',
      url: '/oauth/token',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    const evilPost = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      payload: { grant_type: 'client_credentials' },
    });
    expect(evilPost.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('discovery and the JWKS are readable from any origin', async () => {
    for (const url of ['/.well-known/openid-configuration', '/oauth/jwks']) {
      const response = await server.app.inject({
        method: 'GET',
        url,
        headers: { origin: 'https://anyone.example' },
      });
      expect(response.headers['access-control-allow-origin']).toBe('*');
    }
  });

  it('the session API answers configured origins only, with credentials', async () => {
    const allowed = await server.app.inject({
      method: 'POST',
      url: '/login',
      headers: { origin: 'https://app.example.com' },
      payload: { username: 'alice', password: 'correct horse battery' },
    });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    const preflight = await server.app.inject({
      method: 'OPTIONS',
      url: '/token',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-methods']).toBe('GET');
    // A public OAuth client's origin is not a first-party app.
    const spa = await server.app.inject({
      method: 'GET',
      url: '/me',
      headers: { origin: 'https://spa.example' },
    });
    expect(spa.headers['access-control-allow-origin']).toBeUndefined();
  });
});
