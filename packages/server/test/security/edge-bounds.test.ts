// Issue 15, "bounds at the edge": U+0000 in a client id or username answered 500 on PostgreSQL
// (error 22021) on every route family, CR/LF in a page parameter answered 500, and unknown client
// ids of any length were cached. Every identifier and parameter is now bounded and free of
// control characters, refused with a 400 in the route's own error shape, on both dialects.
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeUrl, pkcePair } from '../helpers/browser.js';
import { describeEachDialect } from '../helpers/databases.js';
import {
  basic,
  createMachineClient,
  createPerson,
  form,
  formHeaders,
  startTestServer,
  type TestServer,
} from '../helpers/test-server.js';

const redirectUri = 'https://app.example/cb';
const postLogoutUri = 'https://app.example/bye';
/** Control characters a request can carry once decoded: NUL, CR/LF, other C0, DEL. */
const namedControls: ReadonlyArray<readonly [string, string]> = [
  ['NUL', '\u0000'],
  ['CR LF', '\r\n'],
  ['SOH', '\u0001'],
  ['ESC', '\u001b'],
  ['DEL', '\u007f'],
];
const controls = namedControls.map(([, character]) => character);
const notAllowed = 'contains characters that are not allowed';

describeEachDialect('bounds at the edge', (dialect) => {
  let server: TestServer;
  let machine: { clientId: string; clientSecret: string };
  let passwordClient: { id: string; secret: string };
  let publicClientId: string;
  let address = 0;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    await createPerson(server.services, { username: 'alice' });
    machine = await createMachineClient(server.services, { introspection: true });
    const cli = await server.services.clients.create(
      { name: 'cli', type: 'confidential', grantTypes: ['password'], scopes: [] },
      { actor: 'test' },
    );
    passwordClient = { id: cli.client.id, secret: cli.secret as string };
    const app = await server.services.clients.create(
      {
        name: 'App',
        type: 'public',
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: [redirectUri],
        postLogoutRedirectUris: [postLogoutUri],
        scopes: ['openid'],
      },
      { actor: 'test' },
    );
    publicClientId = app.client.id;
  });
  afterAll(() => server.close());

  /** Each request from its own address, so that rate limits per address never decide an answer here. */
  function send(options: InjectOptions): Promise<LightMyRequestResponse> {
    address += 1;
    return server.app.inject({
      ...options,
      remoteAddress: `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`,
    });
  }

  function expectOAuthError(
    response: LightMyRequestResponse,
    status: number,
    error: string,
    description: string,
  ) {
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status,
      body: { error, error_description: description },
    });
  }

  function expectSessionError(
    response: LightMyRequestResponse,
    status: number,
    code: string,
    message: string,
  ) {
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status,
      body: { errors: [{ message, extensions: { code } }] },
    });
  }

  function expectBadRequestPage(response: LightMyRequestResponse) {
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers.location).toBeUndefined();
    expect(response.body).toContain('<h1>Bad request</h1>');
  }

  const token = (payload: Record<string, string>, headers: Record<string, string> = {}) =>
    send({
      method: 'POST',
      url: '/oauth/token',
      headers: { ...formHeaders, ...headers },
      payload: form(payload),
    });

  describe('OAuth endpoints: invalid_request, or invalid_client for Basic credentials', () => {
    it.each(namedControls)('a client_id holding %s is refused before any lookup', async (_, control) => {
      const response = await token({ grant_type: 'client_credentials', client_id: `a${control}b` });
      expectOAuthError(response, 400, 'invalid_request', `Parameter 'client_id' ${notAllowed}`);
    });

    it('as JSON too, and with a secret', async () => {
      const response = await send({
        method: 'POST',
        url: '/oauth/token',
        payload: { grant_type: 'client_credentials', client_id: 'a\u0000b', client_secret: 'x' },
      });
      expectOAuthError(response, 400, 'invalid_request', `Parameter 'client_id' ${notAllowed}`);
      const secret = await token({
        grant_type: 'client_credentials',
        client_id: machine.clientId,
        client_secret: 's\u0000',
      });
      expectOAuthError(secret, 400, 'invalid_request', `Parameter 'client_secret' ${notAllowed}`);
    });

    it('an over-long client_id is refused, up to the body limit', async () => {
      for (const length of [256, 60_000]) {
        const response = await token({ grant_type: 'client_credentials', client_id: 'c'.repeat(length) });
        expectOAuthError(
          response,
          400,
          'invalid_request',
          "Parameter 'client_id' is too long (at most 255 characters)",
        );
      }
    });

    it.each([
      ['a NUL in the id', basic('a\u0000b', 'secret')],
      ['a raw NUL in the id', `Basic ${Buffer.from('a\u0000b:secret').toString('base64')}`],
      ['CR/LF in the secret', basic('client', 'se\r\ncret')],
      ['an over-long id', basic('c'.repeat(256), 'secret')],
      ['an over-long secret', basic('client', 's'.repeat(513))],
    ])('Basic credentials with %s are malformed credentials', async (_, authorization) => {
      for (const url of ['/oauth/token', '/oauth/introspect', '/oauth/revoke']) {
        const response = await send({
          method: 'POST',
          url,
          headers: { ...formHeaders, authorization },
          payload: form(url === '/oauth/token' ? { grant_type: 'client_credentials' } : { token: 'x' }),
        });
        expectOAuthError(response, 401, 'invalid_client', 'malformed Basic credentials');
        expect(response.headers['www-authenticate']).toBe('Basic realm="tessera", charset="UTF-8"');
      }
    });

    it('the password grant refuses a username with control characters or longer than any username', async () => {
      const auth = { authorization: basic(passwordClient.id, passwordClient.secret) };
      for (const control of controls) {
        const response = await token(
          { grant_type: 'password', username: `al${control}ice`, password: 'p' },
          auth,
        );
        expectOAuthError(response, 400, 'invalid_request', `Parameter 'username' ${notAllowed}`);
      }
      const long = await token({ grant_type: 'password', username: 'u'.repeat(151), password: 'p' }, auth);
      expectOAuthError(
        long,
        400,
        'invalid_request',
        "Parameter 'username' is too long (at most 150 characters)",
      );
    });

    it('a password may hold any character: it is only hashed, so a NUL is just a wrong password', async () => {
      const response = await token(
        { grant_type: 'password', username: 'alice', password: 'correct\u0000horse' },
        { authorization: basic(passwordClient.id, passwordClient.secret) },
      );
      expectOAuthError(response, 400, 'invalid_grant', 'Invalid username or password');
    });

    it('bounds the other token parameters: scope, code_verifier, refresh_token, unknown ones', async () => {
      const auth = { authorization: basic(machine.clientId, machine.clientSecret) };
      const cases: Array<[Record<string, string>, string]> = [
        [
          { grant_type: 'client_credentials', scope: 's'.repeat(4097) },
          "Parameter 'scope' is too long (at most 4096 characters)",
        ],
        [{ grant_type: 'client_credentials', scope: 'read\u0000' }, `Parameter 'scope' ${notAllowed}`],
        [
          { grant_type: 'authorization_code', code: 'c', code_verifier: 'v'.repeat(129) },
          "Parameter 'code_verifier' is too long (at most 128 characters)",
        ],
        // RFC 7636 §4.1: unreserved characters only.
        [
          { grant_type: 'authorization_code', code: 'c', code_verifier: `${'v'.repeat(42)}!` },
          `Parameter 'code_verifier' ${notAllowed}`,
        ],
        [{ grant_type: 'authorization_code', code: 'c\u0000' }, `Parameter 'code' ${notAllowed}`],
        [{ grant_type: 'refresh_token', refresh_token: 'r\r\n' }, `Parameter 'refresh_token' ${notAllowed}`],
        [
          { grant_type: 'refresh_token', refresh_token: 'r'.repeat(8193) },
          "Parameter 'refresh_token' is too long (at most 8192 characters)",
        ],
        [{ grant_type: 'client_credentials\u0000' }, `Parameter 'grant_type' ${notAllowed}`],
        [{ grant_type: 'client_credentials', unknown: 'x\u0000' }, `Parameter 'unknown' ${notAllowed}`],
        [
          { grant_type: 'client_credentials', unknown: 'x'.repeat(2049) },
          "Parameter 'unknown' is too long (at most 2048 characters)",
        ],
      ];
      for (const [payload, description] of cases) {
        expectOAuthError(await token(payload, auth), 400, 'invalid_request', description);
      }
    });

    it('introspection and revocation bound the token', async () => {
      const auth = { ...formHeaders, authorization: basic(machine.clientId, machine.clientSecret) };
      for (const url of ['/oauth/introspect', '/oauth/revoke']) {
        const nul = await send({ method: 'POST', url, headers: auth, payload: form({ token: 'a\u0000b' }) });
        expectOAuthError(nul, 400, 'invalid_request', `Parameter 'token' ${notAllowed}`);
        const long = await send({
          method: 'POST',
          url,
          headers: auth,
          payload: form({ token: 't'.repeat(8193) }),
        });
        expectOAuthError(
          long,
          400,
          'invalid_request',
          "Parameter 'token' is too long (at most 8192 characters)",
        );
        const hint = await send({
          method: 'POST',
          url,
          headers: auth,
          payload: form({ token: 't', token_type_hint: '\r\n' }),
        });
        expectOAuthError(hint, 400, 'invalid_request', `Parameter 'token_type_hint' ${notAllowed}`);
      }
      // Well-formed but unknown tokens are still answered as RFC 7662 and RFC 7009 say.
      const inactive = await send({
        method: 'POST',
        url: '/oauth/introspect',
        headers: auth,
        payload: form({ token: 'unknown' }),
      });
      expect({ status: inactive.statusCode, body: inactive.json() }).toEqual({
        status: 200,
        body: { active: false },
      });
    });

    it('revocation refuses a public client named with control characters, in the body or X-Client-Id', async () => {
      const body = await send({
        method: 'POST',
        url: '/oauth/revoke',
        headers: formHeaders,
        payload: form({ token: 't', client_id: 'a\u0000b' }),
      });
      expectOAuthError(body, 400, 'invalid_request', `Parameter 'client_id' ${notAllowed}`);
      for (const named of ['a\u0000b', 'a\u0001b', 'c'.repeat(256)]) {
        const header = await send({
          method: 'POST',
          url: '/oauth/revoke',
          headers: { ...formHeaders, 'x-client-id': named },
          payload: form({ token: 't' }),
        });
        expectOAuthError(header, 400, 'invalid_request', 'X-Client-Id is not a valid client id');
      }
      const known = await send({
        method: 'POST',
        url: '/oauth/revoke',
        headers: { ...formHeaders, 'x-client-id': publicClientId },
        payload: form({ token: 'unknown' }),
      });
      expect(known.statusCode).toBe(200);
    });

    it('userinfo by POST bounds access_token', async () => {
      const response = await send({
        method: 'POST',
        url: '/oauth/userinfo',
        headers: formHeaders,
        payload: form({ access_token: 'a\u0000b' }),
      });
      expectOAuthError(response, 400, 'invalid_request', `Parameter 'access_token' ${notAllowed}`);
    });
  });

  describe('pages: the HTML error page, never a redirect', () => {
    const pkce = pkcePair();
    const authorization = () => ({
      response_type: 'code',
      client_id: publicClientId,
      redirect_uri: redirectUri,
      scope: 'openid',
      state: 'xyz',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    });

    it('the authorization request, whatever parameter holds the control character', async () => {
      const valid = await send({ method: 'GET', url: authorizeUrl(authorization()) });
      expect(valid.statusCode).toBe(303);
      for (const name of [
        'client_id',
        'redirect_uri',
        'state',
        'nonce',
        'scope',
        'login_hint',
        'claims',
        'anything',
      ]) {
        for (const control of controls) {
          const response = await send({
            method: 'GET',
            url: authorizeUrl({ ...authorization(), [name]: `v${control}` }),
          });
          expectBadRequestPage(response);
        }
      }
      // A parameter's name is kept on the interaction record too.
      expectBadRequestPage(await send({ method: 'GET', url: `${authorizeUrl(authorization())}&a%00b=1` }));
      // A repeated parameter is bounded as well.
      expectBadRequestPage(await send({ method: 'GET', url: `${authorizeUrl(authorization())}&state=%00` }));
    });

    it('over-long authorization parameters', async () => {
      const cases: Record<string, number> = {
        client_id: 256,
        redirect_uri: 2049,
        state: 2049,
        nonce: 513,
        scope: 4097,
      };
      for (const [name, length] of Object.entries(cases)) {
        expectBadRequestPage(
          await send({
            method: 'GET',
            url: authorizeUrl({ ...authorization(), [name]: 'x'.repeat(length) }),
          }),
        );
      }
      const many = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`extra${i}`, '1']));
      expectBadRequestPage(await send({ method: 'GET', url: authorizeUrl({ ...authorization(), ...many }) }));
    });

    it('resuming, signing in and consenting with an interaction id that cannot be one', async () => {
      for (const control of ['%00', '%0D%0A', '%7F']) {
        expectBadRequestPage(
          await send({ method: 'GET', url: `/oauth/authorize/resume?interaction=a${control}b` }),
        );
        expectBadRequestPage(await send({ method: 'GET', url: `/signin?interaction=a${control}b` }));
        expectBadRequestPage(await send({ method: 'GET', url: `/consent?interaction=a${control}b` }));
      }
      expectBadRequestPage(await send({ method: 'GET', url: `/consent?interaction=${'i'.repeat(129)}` }));
      expectBadRequestPage(await send({ method: 'GET', url: '/signin?login_hint=al%0D%0Aice' }));
      for (const url of ['/signin', '/consent']) {
        const response = await send({
          method: 'POST',
          url,
          headers: formHeaders,
          payload: form({
            csrf_token: 'x',
            interaction: 'a\r\nb',
            decision: 'allow',
            username: 'alice',
            password: 'p',
          }),
        });
        expectBadRequestPage(response);
      }
    });

    it('the sign-in form refuses a username with control characters or longer than any username', async () => {
      for (const username of ['a\u0000b', 'a\r\nb', 'u'.repeat(151)]) {
        const response = await send({
          method: 'POST',
          url: '/signin',
          headers: formHeaders,
          payload: form({ csrf_token: 'x', username, password: 'p' }),
        });
        expectBadRequestPage(response);
      }
    });

    it('CR/LF that could reach a Location header: consent’s old return_to, and logout', async () => {
      // The browser flow no longer carries a return_to: it is ignored, and nothing is redirected.
      const consent = await send({ method: 'GET', url: '/consent?return_to=%0D%0ASet-Cookie:%20x=1' });
      expect(consent.statusCode).toBe(400);
      expect(consent.headers.location).toBeUndefined();
      const logout = { client_id: publicClientId, post_logout_redirect_uri: postLogoutUri, state: 's' };
      for (const name of ['client_id', 'post_logout_redirect_uri', 'state', 'id_token_hint']) {
        const query = new URLSearchParams({ ...logout, [name]: 'x\r\nSet-Cookie: x=1' });
        expectBadRequestPage(await send({ method: 'GET', url: `/oauth/logout?${query}` }));
      }
      const confirm = await send({
        method: 'POST',
        url: '/oauth/logout',
        headers: formHeaders,
        payload: form({ csrf_token: 'x', decision: 'logout', ...logout, state: 's\r\n' }),
      });
      expectBadRequestPage(confirm);
      // A well-formed request is still asked about (no id_token_hint): a page, not an error.
      const ask = await send({ method: 'GET', url: `/oauth/logout?${new URLSearchParams(logout)}` });
      expect(ask.statusCode).toBe(200);
    });
  });

  describe('session API: the BAD_REQUEST envelope', () => {
    it.each(namedControls)('/login refuses a username holding %s', async (_, control) => {
      const response = await send({
        method: 'POST',
        url: '/login',
        payload: { username: `al${control}ice`, password: 'p' },
      });
      expectSessionError(response, 400, 'BAD_REQUEST', `Field 'username' ${notAllowed}`);
    });

    it('/login refuses a username longer than any username', async () => {
      const response = await send({
        method: 'POST',
        url: '/login',
        payload: { username: 'u'.repeat(151), password: 'p' },
      });
      expectSessionError(
        response,
        400,
        'BAD_REQUEST',
        "Field 'username' is too long (at most 150 characters)",
      );
    });

    it('a password holding a NUL is just a wrong password', async () => {
      const response = await send({
        method: 'POST',
        url: '/login',
        payload: { username: 'alice', password: 'correct\u0000horse' },
      });
      expectSessionError(response, 401, 'INVALID_CREDENTIALS', 'Invalid username or password');
    });

    it('/token, /me and /logout take only credentials, which a control character makes invalid', async () => {
      const refresh = await send({
        method: 'GET',
        url: '/token',
        headers: { cookie: 'tessera_refresh=a%00b' },
      });
      expectSessionError(refresh, 401, 'UNAUTHENTICATED', 'Invalid authentication token');
      for (const [method, url] of [
        ['GET', '/token'],
        ['GET', '/me'],
        ['POST', '/logout'],
      ] as const) {
        const response = await send({
          method,
          url,
          headers: { authorization: 'Bearer a\u0001b.c\u0000d.e' },
        });
        expectSessionError(response, 401, 'UNAUTHENTICATED', 'Invalid authentication token');
      }
    });
  });

  describe('over the wire', () => {
    let port: number;
    beforeAll(async () => {
      await server.app.listen({ port: 0, host: '127.0.0.1' });
      port = (server.app.server.address() as { port: number }).port;
    });

    /** Writes a raw request, since Node's own client refuses to send a control character in a header. */
    function raw(text: string): Promise<string> {
      return new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(text));
        let answer = '';
        socket.setEncoding('latin1');
        socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
        socket.on('data', (chunk: string) => {
          answer += chunk;
        });
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });
    }

    it('a control character in a header is refused by Node in the route’s shape', async () => {
      const revoke = await raw(
        'POST /oauth/revoke HTTP/1.1\r\nHost: x\r\nX-Client-Id: a\u0000b\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\ntoken=t',
      );
      expect(revoke).toMatch(/^HTTP\/1\.1 400 /);
      expect(revoke.slice(revoke.indexOf('\r\n\r\n') + 4)).toBe(
        '{"error":"invalid_request","error_description":"bad request"}',
      );
      const me = await raw('GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\u0001b\r\n\r\n');
      expect(me).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(me.slice(me.indexOf('\r\n\r\n') + 4))).toEqual({
        errors: [{ message: 'Bad Request', extensions: { code: 'BAD_REQUEST' } }],
      });
    });

    it('a NUL sent percent-encoded in a body reaches the schema and is refused there', async () => {
      const body = 'grant_type=client_credentials&client_id=a%00b';
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest(
          { port, host: '127.0.0.1', method: 'POST', path: '/oauth/token', headers: formHeaders },
          (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => {
              text += chunk;
            });
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
          },
        );
        request.on('error', reject);
        request.end(body);
      });
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toEqual({
        error: 'invalid_request',
        error_description: `Parameter 'client_id' ${notAllowed}`,
      });
    });
  });

  describe('the client cache', () => {
    it('is not filled by unknown client ids, whatever their length or channel', async () => {
      const { clientDirectory } = server.services;
      for (const id of [machine.clientId, passwordClient.id, publicClientId]) clientDirectory.invalidate(id);
      expect(clientDirectory.size).toBe(0);
      for (let i = 0; i < 40; i += 1) {
        const id = `unknown-${i}-${'x'.repeat(200)}`;
        const response =
          i % 2 === 0
            ? await token({ grant_type: 'client_credentials', client_id: id, client_secret: 's' })
            : await token({ grant_type: 'client_credentials' }, { authorization: basic(id, 's') });
        expectOAuthError(response, 401, 'invalid_client', 'client authentication failed');
      }
      for (let i = 0; i < 5; i += 1) {
        const response = await token({
          grant_type: 'client_credentials',
          client_id: `${i}${'x'.repeat(60_000)}`,
        });
        expect(response.statusCode).toBe(400);
      }
      for (let i = 0; i < 1_000; i += 1) expect(await clientDirectory.find(`guess-${i}`)).toBeUndefined();
      expect(clientDirectory.size).toBe(0);

      const known = await token(
        { grant_type: 'client_credentials' },
        { authorization: basic(machine.clientId, machine.clientSecret) },
      );
      expect(known.statusCode).toBe(200);
      expect(clientDirectory.size).toBe(1);
    });
  });
});
