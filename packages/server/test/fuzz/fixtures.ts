import type { App } from '../../src/http/types.js';
import type { Services } from '../../src/services.js';
import { authorizeUrl, pkcePair, TestBrowser } from '../helpers/browser.js';
import { codeOf, formFields, signInAndConsent } from '../helpers/sign-in-flow.js';
import { basic, createPerson } from '../helpers/test-server.js';
import type { Header } from './headers.js';
import { postLogoutUri, redirectUri, templatesOf } from './templates.js';

/**
 * Real credentials and tokens of the server under test, so that mutated requests get past the
 * first check and reach the code behind it: a valid client with a bad scope, a valid token in a
 * malformed header, a valid CSRF token beside an oversized field.
 */
export interface Fixtures {
  /** Valid values by parameter name (the fuzzer also tries others). */
  readonly values: Readonly<Record<string, readonly string[]>>;
  /** Values for path parameters (`:client_id`), apart: an admin API call may revoke or delete what it names. */
  readonly pathValues: Readonly<Record<string, readonly string[]>>;
  /** Ready-made Authorization header values. */
  readonly authorizations: readonly string[];
  /** Ready-made Cookie header values. */
  readonly cookies: readonly string[];
  readonly origins: readonly string[];
  /** Requests that succeeded while the fixtures were made: near-valid requests start from them. */
  readonly templates: readonly Template[];
}

/** A valid request; the fuzzer changes a parameter or two, or a header, and sends it. */
export interface Template {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** Where the parameters travel. */
  readonly encoding: 'query' | 'form' | 'json';
  readonly params: Readonly<Record<string, string>>;
  readonly headers: readonly Header[];
}

const password = 'correct horse battery';

export async function createFixtures(app: App, services: Services): Promise<Fixtures> {
  const actor = { actor: 'fuzz' };
  await services.scopes.create('read:agents', {}, actor);
  await createPerson(services, { username: 'alice', password });
  await createPerson(services, { username: 'admin', password, isAdmin: true });
  const bob = await createPerson(services, { username: 'bob', password });
  // What the admin API may change or delete through a path parameter without spoiling the rest.
  const carol = await createPerson(services, { username: 'carol', password });
  const victim = await services.clients.create(
    { name: 'Victim', type: 'confidential', grantTypes: ['client_credentials'], scopes: ['read:agents'] },
    actor,
  );
  const confidential = await services.clients.create(
    {
      name: 'Everything',
      type: 'confidential',
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials', 'password'],
      redirectUris: [redirectUri],
      postLogoutRedirectUris: [postLogoutUri],
      scopes: ['openid', 'profile', 'email', 'read:agents'],
      introspection: true,
    },
    actor,
  );
  const pub = await services.clients.create(
    {
      name: 'Public app',
      type: 'public',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [redirectUri],
      postLogoutRedirectUris: [postLogoutUri],
      scopes: ['openid', 'profile', 'email'],
    },
    actor,
  );
  const clientId = confidential.client.id;
  const secret = confidential.secret as string;

  const inject = async (method: 'GET' | 'POST', url: string, body?: object, headers = {}) =>
    (
      await app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body }) })
    ).json() as Record<string, string>;
  const login = await inject('POST', '/login', { username: 'alice', password });
  const refreshing = await inject('POST', '/login', { username: 'alice', password });
  const leaving = await inject('POST', '/login', { username: 'alice', password });
  // An admin's token: the admin API (and whatever else asks for one) is reached past its first check.
  const administrator = await inject('POST', '/login', { username: 'admin', password });
  const machine = await inject(
    'POST',
    '/oauth/token',
    { grant_type: 'client_credentials', scope: 'read:agents' },
    { authorization: basic(clientId, secret) },
  );
  const personal = await inject(
    'POST',
    '/oauth/token',
    { grant_type: 'password', username: 'alice', password, scope: 'openid profile' },
    { authorization: basic(clientId, secret) },
  );

  // The browser flow: an id_token and tokens from one code; a second code, a pending interaction.
  const browser = new TestBrowser(app);
  const pkce = pkcePair();
  const query = {
    response_type: 'code',
    client_id: pub.client.id,
    redirect_uri: redirectUri,
    scope: 'openid profile email',
    state: 'fuzz-state',
    nonce: 'fuzz-nonce',
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
  };
  const first = codeOf((await signInAndConsent(browser, query, { password })).final) ?? '';
  const exchanged = await inject('POST', '/oauth/token', {
    grant_type: 'authorization_code',
    code: first,
    redirect_uri: redirectUri,
    client_id: pub.client.id,
    code_verifier: pkce.verifier,
  });
  const second = codeOf((await signInAndConsent(browser, query, { password })).final) ?? '';
  // Interactions in progress: one at the sign-in page (a browser with no session), one at consent.
  const stranger = new TestBrowser(app);
  const pending = formFields(await stranger.follow(await stranger.get(authorizeUrl(query))));
  const consenting = formFields(
    await browser.follow(await browser.get(authorizeUrl({ ...query, prompt: 'consent' }))),
  );
  await services.users.setDisabled('bob', true, actor);

  const accessTokens = [
    administrator.access_token,
    login.access_token,
    machine.access_token,
    personal.access_token,
    exchanged.access_token,
  ];
  const refreshTokens = [login.refresh_token, personal.refresh_token, exchanged.refresh_token];
  const jar = (b: TestBrowser) => [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const defined = (values: Array<string | undefined>) => values.filter((v): v is string => v !== undefined);
  return {
    values: {
      client_id: [clientId, pub.client.id],
      client_secret: [secret],
      grant_type: ['authorization_code', 'refresh_token', 'client_credentials', 'password'],
      username: ['alice', 'bob', 'admin'],
      password: [password],
      scope: ['openid', 'openid profile email', 'read:agents'],
      redirect_uri: [redirectUri],
      post_logout_redirect_uri: [postLogoutUri],
      code: [second, first],
      code_verifier: [pkce.verifier],
      code_challenge: [pkce.challenge],
      code_challenge_method: ['S256'],
      response_type: ['code'],
      refresh_token: defined(refreshTokens),
      access_token: defined(accessTokens),
      token: defined([...accessTokens, ...refreshTokens, exchanged.id_token]),
      token_type_hint: ['access_token', 'refresh_token'],
      id_token_hint: defined([exchanged.id_token]),
      interaction: [pending.interaction, consenting.interaction],
      csrf_token: [pending.csrf_token, consenting.csrf_token],
      decision: ['allow', 'deny', 'logout'],
      prompt: ['none', 'login', 'consent'],
      max_age: ['0', '3600'],
      login_hint: ['alice'],
      state: ['fuzz-state'],
      nonce: ['fuzz-nonce'],
      claims: ['{"userinfo":{"email":null}}'],
    },
    pathValues: {
      client_id: [victim.client.id],
      id: [carol.user.id, bob.user.id],
      user_id: [carol.user.id],
      username: ['carol'],
      name: ['read:agents', 'Victim'],
    },
    authorizations: [
      basic(clientId, secret),
      basic(pub.client.id, 'x'),
      ...defined([...accessTokens, ...refreshTokens, services.config.metricsToken]).map(
        (token) => `Bearer ${token}`,
      ),
    ],
    cookies: [jar(browser), jar(stranger), `tessera_refresh=${login.refresh_token}`],
    origins: ['https://app.example', 'https://evil.example', 'null'],
    templates: templatesOf({
      password,
      login,
      refreshing,
      leaving,
      machine,
      personal,
      exchanged,
      clientId,
      secret,
      publicId: pub.client.id,
      second,
      pkce,
      query,
      pending,
      consenting,
      browser: jar(browser),
      stranger: jar(stranger),
      metricsToken: services.config.metricsToken,
    }),
  };
}
