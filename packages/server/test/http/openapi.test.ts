import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

type Operation = {
  responses?: Record<string, unknown>;
  requestBody?: { content?: Record<string, { schema: { properties?: unknown } }> };
};

describeEachDialect('GET /openapi.json', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('is an OpenAPI 3.1 document in which every operation has request and response schemas', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toBe('3.1.0');
    const paths = Object.keys(document.paths);
    for (const path of [
      '/oauth/token',
      '/oauth/introspect',
      '/oauth/revoke',
      '/oauth/jwks',
      '/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server',
    ]) {
      expect(paths).toContain(path);
    }
    for (const [path, operations] of Object.entries(
      document.paths as Record<string, Record<string, Operation>>,
    )) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(
          Object.keys(operation.responses ?? {}).length,
          `${method} ${path} declares its responses`,
        ).toBeGreaterThan(0);
        if (method === 'post' && operation.requestBody !== undefined) {
          const content = operation.requestBody.content ?? {};
          const types = Object.keys(content);
          expect(types.length, `${method} ${path} body types`).toBeGreaterThan(0);
          for (const type of types) {
            expect(['application/json', 'application/x-www-form-urlencoded']).toContain(type);
            expect(content[type]?.schema.properties, `${method} ${path} ${type} schema`).toBeDefined();
          }
        }
      }
    }
    for (const path of ['/oauth/token', '/oauth/introspect', '/oauth/revoke']) {
      expect(Object.keys(document.paths[path].post.requestBody.content).sort()).toEqual([
        'application/json',
        'application/x-www-form-urlencoded',
      ]);
    }
    const token = document.paths['/oauth/token'].post;
    expect(Object.keys(token.responses['200'].content['application/json'].schema.properties).sort()).toEqual([
      'access_token',
      'expires_in',
      'id_token',
      'refresh_token',
      'scope',
      'token_type',
    ]);
    expect(token.responses['4XX'] ?? token.responses['4xx']).toBeDefined();
  });
});
