import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/databases.js';
import { createPerson } from '../helpers/test-server.js';
import { type Answer, answer, type ListeningServer, startListeningServer } from './listening-server.js';

const redirectUri = 'https://agents.example/callback';

/**
 * A public app (no secret) as existing ones are written (issue 8), with plain fetch: the browser
 * part (a cookie jar that follows redirects and fills the sign-in and consent forms it finds in
 * the HTML), then the JSON code exchange with the PKCE verifier, userinfo, the JSON refresh and the
 * JSON revocation naming the client in `X-Client-Id`.
 */
class PublicAppClient {
  readonly #baseUrl: string;
  readonly #clientId: string;
  /** The user agent's cookies for the server, by name. */
  readonly #jar = new Map<string, string>();

  constructor(baseUrl: string, clientId: string) {
    this.#baseUrl = baseUrl;
    this.#clientId = clientId;
  }

  /** Sends the user through /oauth/authorize, signing in and allowing when asked; returns the code. */
  async authorize(
    scope: string,
    user: { username: string; password: string },
    extra: Record<string, string> = {},
  ): Promise<{ code: string; verifier: string; nonce: string; pages: string[] }> {
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(8).toString('hex');
    const nonce = randomBytes(8).toString('hex');
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: this.#clientId,
      redirect_uri: redirectUri,
      scope,
      state,
      nonce,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...extra,
    });
    const pages: string[] = [];
    let response = await this.#browse('GET', new URL(`/oauth/authorize?${query}`, this.#baseUrl));
    for (let step = 0; step < 12; step += 1) {
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location !== null) {
        if (location.startsWith(redirectUri)) {
          const back = new URL(location);
          if (back.searchParams.get('state') !== state) throw new Error('state mismatch');
          if (back.searchParams.get('iss') !== this.#baseUrl) throw new Error('iss mismatch');
          const code = back.searchParams.get('code');
          if (code === null) throw new Error(`no code: ${location}`);
          return { code, verifier, nonce, pages };
        }
        response = await this.#browse('GET', new URL(location, response.url));
        continue;
      }
      const html = await response.text();
      if (response.status !== 200) throw new Error(`page answered ${response.status}: ${html}`);
      const action = /<form method="post" action="([^"]*)"/.exec(html)?.[1];
      if (action === undefined) throw new Error(`no form on the page: ${html}`);
      const fields = hiddenFields(html);
      if (/name="password"/.test(html)) {
        pages.push('signin');
        Object.assign(fields, user);
      } else if (/name="decision" value="allow"/.test(html)) {
        pages.push('consent');
        fields.decision = 'allow';
      } else {
        throw new Error(`unexpected page: ${html}`);
      }
      response = await this.#browse('POST', new URL(htmlUnescape(action), this.#baseUrl), fields);
    }
    throw new Error('too many redirects');
  }

  /** The code exchange, posted as JSON (the verifier may be left out to see the error). */
  exchange(code: string, verifier: string | undefined): Promise<Answer> {
    return this.#json('/oauth/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: this.#clientId,
      ...(verifier === undefined ? {} : { code_verifier: verifier }),
    });
  }

  refresh(refreshToken: string): Promise<Answer> {
    return this.#json('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: this.#clientId,
    });
  }

  /** RFC 7009 answers 200 with an empty body: the status and the raw body. */
  async revoke(token: string, hint: string): Promise<{ status: number; text: string }> {
    const response = await this.#post(
      '/oauth/revoke',
      { token, token_type_hint: hint },
      { 'x-client-id': this.#clientId },
    );
    return { status: response.status, text: await response.text() };
  }

  async userinfo(accessToken: string): Promise<Answer> {
    const response = await fetch(`${this.#baseUrl}/oauth/userinfo`, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    });
    return answer(response);
  }

  async #json(path: string, body: Record<string, string>): Promise<Answer> {
    return answer(await this.#post(path, body));
  }

  #post(path: string, body: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.#baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  }

  async #browse(method: 'GET' | 'POST', url: URL, form?: Record<string, string>): Promise<Response> {
    const cookie = [...this.#jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        ...(cookie === '' ? {} : { cookie }),
        ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(form === undefined ? {} : { body: new URLSearchParams(form).toString() }),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      if (value === '' || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.#jar.delete(name);
      else this.#jar.set(name, value);
    }
    return response;
  }
}

function htmlUnescape(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Every `<input type="hidden" name="…" value="…">` of the page. */
function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input\b[^>]*>/g)) {
    const input = match[0];
    if (!/\btype="hidden"/.test(input)) continue;
    const name = /\bname="([^"]*)"/.exec(input)?.[1];
    const value = /\bvalue="([^"]*)"/.exec(input)?.[1];
    if (name !== undefined) fields[htmlUnescape(name)] = htmlUnescape(value ?? '');
  }
  return fields;
}

/** The payload of a JWT, as apps read it (they verify it with a library; here only the claims matter). */
function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'));
}

describeEachDialect(
  'compat: public app (authorization code + PKCE, JSON exchange and revocation)',
  (dialect) => {
    let listening: ListeningServer;
    let clientId: string;
    const alice = { username: 'alice', password: 'correct horse battery' };

    beforeAll(async () => {
      listening = await startListeningServer(dialect);
      const { services } = listening.server;
      await createPerson(services);
      await services.users.update(
        'alice',
        { attributes: { did: 'did:key:z6MkTest', agent_pub_key: 'pk1' } },
        { actor: 'test' },
      );
      await services.scopes.update('profile', { claims: ['did', 'agent_pub_key'] }, { actor: 'test' });
      const issued = await services.clients.create(
        {
          name: 'Agents App',
          type: 'public',
          redirectUris: [redirectUri],
          scopes: ['openid', 'profile', 'email', 'offline_access'],
        },
        { actor: 'test' },
      );
      clientId = issued.client.id;
    });
    afterAll(() => listening.close());

    it('signs in, exchanges the code as JSON, reads did/agent_pub_key/scope at userinfo, revokes with X-Client-Id', async () => {
      const app = new PublicAppClient(listening.baseUrl, clientId);
      const scope = 'openid profile email offline_access';
      const { code, verifier, pages } = await app.authorize(scope, alice);
      expect(pages).toEqual(['signin', 'consent']);

      const missing = await app.exchange(code, undefined);
      expect(missing).toEqual({
        status: 400,
        body: { error: 'invalid_request', error_description: 'Missing required parameter: code_verifier' },
      });

      const exchanged = await app.exchange(code, verifier);
      expect(exchanged.status).toBe(200);
      expect(exchanged.body).toMatchObject({
        access_token: expect.any(String),
        refresh_token: expect.any(String),
        id_token: expect.any(String),
        token_type: 'Bearer',
        scope,
      });
      const { access_token: accessToken, refresh_token: refreshToken } = exchanged.body;

      const userinfo = await app.userinfo(accessToken);
      expect(userinfo.status).toBe(200);
      expect(userinfo.body).toMatchObject({
        sub: expect.any(String),
        preferred_username: 'alice',
        email: 'alice@example.com',
        did: 'did:key:z6MkTest',
        agent_pub_key: 'pk1',
        scope,
        profile_picture: null,
        has_custom_picture: false,
      });

      const revoked = await app.revoke(refreshToken, 'refresh_token');
      expect(revoked).toEqual({ status: 200, text: '' });
      const refused = await app.refresh(refreshToken);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('invalid_grant');
    });

    it('the refresh token works until it is revoked (JSON refresh grant)', async () => {
      const app = new PublicAppClient(listening.baseUrl, clientId);
      const { code, verifier } = await app.authorize('openid profile offline_access', alice);
      const { refresh_token: first } = (await app.exchange(code, verifier)).body;
      const refreshed = await app.refresh(first);
      expect(refreshed.status).toBe(200);
      expect(refreshed.body).toMatchObject({
        access_token: expect.any(String),
        refresh_token: expect.any(String),
      });
      expect(refreshed.body.refresh_token).not.toBe(first);
      expect((await app.revoke(refreshed.body.refresh_token, 'refresh_token')).status).toBe(200);
      expect((await app.refresh(refreshed.body.refresh_token)).body.error).toBe('invalid_grant');
    });

    it('releases no custom claim without its scope, at userinfo and in the ID token', async () => {
      const app = new PublicAppClient(listening.baseUrl, clientId);
      const claims = JSON.stringify({
        id_token: { did: null, agent_pub_key: null },
        userinfo: { did: null, agent_pub_key: null },
      });

      // With profile, the claims parameter puts the attributes in the ID token too.
      const withProfile = await app.authorize('openid profile', alice, { claims });
      const granted = await app.exchange(withProfile.code, withProfile.verifier);
      expect(granted.status).toBe(200);
      expect(jwtPayload(granted.body.id_token)).toMatchObject({
        nonce: withProfile.nonce,
        did: 'did:key:z6MkTest',
        agent_pub_key: 'pk1',
      });

      // A second authorization (same browser, single sign-on) with "openid" only.
      const openidOnly = await app.authorize('openid', alice, { claims });
      expect(openidOnly.pages).not.toContain('signin');
      const tokens = await app.exchange(openidOnly.code, openidOnly.verifier);
      expect(tokens.status).toBe(200);
      expect(tokens.body.scope).toBe('openid');

      const userinfo = await app.userinfo(tokens.body.access_token);
      expect(userinfo.status).toBe(200);
      expect(userinfo.body.scope).toBe('openid');
      expect(userinfo.body).not.toHaveProperty('did');
      expect(userinfo.body).not.toHaveProperty('agent_pub_key');
      expect(userinfo.body).not.toHaveProperty('preferred_username');

      const idToken = jwtPayload(tokens.body.id_token);
      expect(idToken.nonce).toBe(openidOnly.nonce);
      expect(idToken).not.toHaveProperty('did');
      expect(idToken).not.toHaveProperty('agent_pub_key');
    });
  },
);
