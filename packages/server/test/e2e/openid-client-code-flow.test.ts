import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { describeEachDialect } from '../helpers/databases.js';
import { freePort } from '../helpers/listen.js';
import { formFields } from '../helpers/sign-in-flow.js';
import { createPerson, startTestServer, type TestServer } from '../helpers/test-server.js';

const redirectUri = 'https://app.example/callback';
const password = 'correct horse battery';

interface Page {
  readonly status: number;
  readonly location: URL | undefined;
  readonly body: string;
}

/**
 * A browser made of fetch and a cookie jar, against the listening server: follows redirects on
 * the server's own origin and stops at the first one that leaves it (the client's redirect_uri).
 */
class FetchBrowser {
  readonly cookies = new Map<string, string>();
  readonly #origin: string;

  constructor(origin: string) {
    this.#origin = origin;
  }

  async get(url: URL | string): Promise<Page> {
    return this.#send('GET', new URL(url, this.#origin));
  }

  async post(path: string, fields: Record<string, string>): Promise<Page> {
    return this.#send('POST', new URL(path, this.#origin), new URLSearchParams(fields).toString());
  }

  /** Follows redirects within the server; returns the page shown or the redirect that leaves. */
  async follow(page: Page): Promise<Page> {
    let current = page;
    for (let i = 0; i < 10 && current.location?.origin === this.#origin; i += 1) {
      current = await this.get(current.location);
    }
    return current;
  }

  async #send(method: 'GET' | 'POST', url: URL, body?: string): Promise<Page> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0)
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(url, { method, headers, body, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      if (/max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1));
    }
    const location = response.headers.get('location');
    return {
      status: response.status,
      location: location === null ? undefined : new URL(location, url),
      body: await response.text(),
    };
  }
}

describeEachDialect('openid-client: authorization code + PKCE against a listening Tessera', (dialect) => {
  let server: TestServer;
  let issuer: string;

  beforeEach(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    server = await startTestServer(dialect, { env: { TESSERA_ISSUER: issuer }, clock: systemClock });
    await server.app.listen({ port, host: '127.0.0.1' });
    await createPerson(server.services, { username: 'alice' });
  });
  afterEach(() => server.close());

  async function register(type: 'public' | 'confidential') {
    return server.services.clients.create(
      {
        name: `Agents App (${type})`,
        type,
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: [redirectUri],
        scopes: ['openid', 'profile', 'email', 'offline_access'],
      },
      { actor: 'test' },
    );
  }

  /** Signs in and consents in the (fetch) browser; returns the URL the browser is sent back to. */
  async function signInAndConsent(authorizationUrl: URL): Promise<URL> {
    const browser = new FetchBrowser(issuer);
    let page = await browser.follow(await browser.get(authorizationUrl));
    const shown: string[] = [];
    for (let i = 0; i < 3 && page.status === 200; i += 1) {
      if (page.body.includes('name="password"')) {
        shown.push('signin');
        page = await browser.post('/signin', {
          ...formFields(page),
          username: 'alice',
          password,
        });
      } else {
        shown.push('consent');
        page = await browser.post('/consent', {
          ...formFields(page),
          decision: 'allow',
        });
      }
      page = await browser.follow(page);
    }
    expect(shown).toEqual(['signin', 'consent']);
    expect(page.status).toBe(303);
    const back = page.location as URL;
    expect(`${back.origin}${back.pathname}`).toBe(redirectUri);
    return back;
  }

  async function runCodeFlow(config: oidc.Configuration, clientId: string) {
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(issuer);
    expect(metadata.authorization_endpoint).toBe(`${issuer}/oauth/authorize`);
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);

    const pkceCodeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const authorizationUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile email offline_access',
      code_challenge: await oidc.calculatePKCECodeChallenge(pkceCodeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    expect(authorizationUrl.href.startsWith(`${issuer}/oauth/authorize?`)).toBe(true);

    const callback = await signInAndConsent(authorizationUrl);
    expect(callback.searchParams.get('iss')).toBe(issuer);
    expect(callback.searchParams.get('state')).toBe(state);

    // Validates iss (RFC 9207), state, PKCE, and the ID token (signature, iss, aud, nonce, exp, iat).
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.scope).toBe('openid profile email offline_access');
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const alice = await server.services.users.get('alice');
    const claims = tokens.claims();
    expect(claims).toMatchObject({ iss: issuer, aud: clientId, sub: alice.id, nonce, amr: ['pwd'] });
    expect(claims?.auth_time).toEqual(expect.any(Number));

    // The ID token also verifies with jose against the advertised JWKS, RS256 by default.
    const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri as string));
    const { protectedHeader } = await jwtVerify(tokens.id_token as string, jwks, {
      issuer,
      audience: clientId,
    });
    expect(protectedHeader.alg).toBe('RS256');

    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, alice.id);
    expect(userinfo).toMatchObject({
      sub: alice.id,
      preferred_username: 'alice',
      name: 'Alice Liddell',
      email: 'alice@example.com',
      scope: 'openid profile email offline_access',
    });
    // A wrong expected subject is caught by the client.
    await expect(oidc.fetchUserInfo(config, tokens.access_token, 'someone-else')).rejects.toThrow();

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string);
    expect(refreshed.access_token).toEqual(expect.any(String));
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(await oidc.fetchUserInfo(config, refreshed.access_token, alice.id)).toMatchObject({
      sub: alice.id,
    });

    await oidc.tokenRevocation(config, refreshed.refresh_token as string, {
      token_type_hint: 'refresh_token',
    });
    const error = await oidc.refreshTokenGrant(config, refreshed.refresh_token as string).catch((e) => e);
    expect(error).toBeInstanceOf(oidc.ResponseBodyError);
    expect(error).toMatchObject({ status: 400, error: 'invalid_grant' });

    // Replaying the code after all this fails as well.
    const replay = await oidc
      .authorizationCodeGrant(config, callback, {
        pkceCodeVerifier,
        expectedState: state,
        expectedNonce: nonce,
      })
      .catch((e) => e);
    expect(replay).toBeInstanceOf(oidc.ResponseBodyError);
    expect(replay).toMatchObject({ error: 'invalid_grant' });
  }

  it('a public client (token_endpoint_auth_method none) completes the whole flow', async () => {
    const { client } = await register('public');
    const config = await oidc.discovery(new URL(issuer), client.id, undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    await runCodeFlow(config, client.id);
  });

  it('a confidential client (client_secret_basic) completes the whole flow', async () => {
    const { client, secret } = await register('confidential');
    const config = await oidc.discovery(
      new URL(issuer),
      client.id,
      undefined,
      oidc.ClientSecretBasic(secret as string),
      { execute: [oidc.allowInsecureRequests] },
    );
    await runCodeFlow(config, client.id);
  });

  it('a confidential client that omits its secret cannot redeem its code', async () => {
    const { client } = await register('confidential');
    const config = await oidc.discovery(new URL(issuer), client.id, undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    const pkceCodeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const callback = await signInAndConsent(
      oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(pkceCodeVerifier),
        code_challenge_method: 'S256',
        state,
      }),
    );
    const error = await oidc
      .authorizationCodeGrant(config, callback, { pkceCodeVerifier, expectedState: state })
      .catch((e) => e);
    expect(error).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
    expect(error).toMatchObject({ status: 401 });
  });

  it('openid-client refuses a callback whose iss names another server (mix-up)', async () => {
    const { client } = await register('public');
    const config = await oidc.discovery(new URL(issuer), client.id, undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    const pkceCodeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const callback = await signInAndConsent(
      oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(pkceCodeVerifier),
        code_challenge_method: 'S256',
        state,
      }),
    );
    const forged = new URL(callback);
    forged.searchParams.set('iss', 'https://attacker.example');
    const error = await oidc
      .authorizationCodeGrant(config, forged, { pkceCodeVerifier, expectedState: state })
      .catch((e) => e);
    expect(error).toBeInstanceOf(oidc.ClientError);
    expect(error.cause).toMatchObject({
      message: 'unexpected "iss" (issuer) response parameter value',
      cause: { expected: issuer },
    });
    // The genuine callback still works: the forged one never reached the token endpoint.
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier,
      expectedState: state,
    });
    expect(tokens.access_token).toEqual(expect.any(String));
  });
});
