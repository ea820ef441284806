import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { createStores } from '../../src/storage/repositories/index.js';
import { describeEachDialect } from '../helpers/databases.js';
import { createPerson, startTestServer, type TestServer } from '../helpers/test-server.js';
import { signingKey, UpstreamProvider } from '../helpers/upstream-provider.js';
import {
  addProvider,
  claims,
  envelope,
  flowApp,
  hmacWithPublicKey,
  oidcLogin,
  signWith,
  unsigned,
  upstreamAccount,
} from './federation-fixtures.js';

/*
 * POST /oidc-login (issue 18) against a real upstream: panva's oidc-provider on 127.0.0.1 issues
 * the id_tokens through its authorization code flow, the way Flow's app obtains them; the tokens
 * it would never issue (wrong audience, expired, unsigned, …) are signed here with its own keys.
 */
describeEachDialect('POST /oidc-login', (dialect) => {
  let upstream: UpstreamProvider;
  let server: TestServer;

  beforeAll(async () => {
    upstream = await UpstreamProvider.start([flowApp]);
  });
  afterAll(() => upstream.close());
  beforeEach(async () => {
    // Upstream tokens are stamped with real time: this server's clock starts there.
    server = await startTestServer(dialect, { clock: new ManualClock(Date.now()) });
  });
  afterEach(() => server.close());

  const me = (token: string) =>
    server.app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } });

  it('answers like /login, its user carrying oidc_issuer and oidc_subject; the account is made from the claims', async () => {
    await addProvider(server.services, upstream);
    const sub = upstreamAccount(upstream, {
      email: 'ann@acme.example',
      email_verified: true,
      given_name: 'Ann',
      family_name: 'Smith',
      name: 'Ann B. Smith',
    });
    const response = await oidcLogin(server.app, { id_token: await upstream.idToken(flowApp, sub) });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json();
    expect(body).toEqual({
      user: {
        id: expect.any(String),
        username: 'ann@acme.example',
        email: 'ann@acme.example',
        first_name: 'Ann',
        last_name: 'Smith',
        is_admin: false,
        groups: [],
        permissions: [],
        oidc_issuer: upstream.issuer,
        oidc_subject: sub,
      },
      access_token: expect.any(String),
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(String(response.headers['set-cookie'])).toContain(`tessera_refresh=${body.refresh_token}`);
    expect(decodeJwt(body.access_token)).toMatchObject({ sub: body.user.id, type: 'user' });
    expect((await me(body.access_token)).json()).toMatchObject({
      id: body.user.id,
      username: 'ann@acme.example',
    });

    const events = await createStores(server.database.handle.db).audit.tail(10);
    const succeeded = events.find((e) => e.type === 'login.succeeded');
    expect(succeeded?.details).toMatchObject({
      via: 'oidc_login',
      amr: 'fed',
      username: `${sub} at ${upstream.issuer}`,
    });
    expect(events.some((e) => e.type === 'federated_identity.linked')).toBe(true);

    // A second sign-in (a new token) is the same account, updated from what the provider now says.
    upstream.accounts.set(sub, { email: 'ann@acme.example', email_verified: true, name: 'Ann Jones' });
    const again = (await oidcLogin(server.app, { id_token: await upstream.idToken(flowApp, sub) })).json();
    expect(again.user).toMatchObject({ id: body.user.id, first_name: 'Ann', last_name: 'Jones' });
  });

  it('refuses the same id_token twice, until it expires', async () => {
    await addProvider(server.services, upstream);
    const sub = upstreamAccount(upstream, { email: 'replay@acme.example', email_verified: true });
    const token = await upstream.idToken(flowApp, sub);
    expect((await oidcLogin(server.app, { id_token: token })).statusCode).toBe(200);
    const replayed = await oidcLogin(server.app, { id_token: token });
    expect(replayed.statusCode).toBe(401);
    expect(replayed.json()).toEqual(envelope('The id_token has already been used', 'UNAUTHENTICATED'));
  });

  it('refuses, in the envelope and without echoing the token, what the checks catch', async () => {
    await addProvider(server.services, upstream);
    const [key] = upstream.keys;
    if (key === undefined) throw new Error('no upstream key');
    const foreign = signingKey('RS256');
    const cases: Array<[string, Promise<string> | string, string]> = [
      [
        'wrong aud',
        signWith(key, claims(upstream, { aud: 'another-app' })),
        "The id_token's audience (aud) does not include the provider's client id",
      ],
      [
        'wrong iss',
        signWith(key, claims(upstream, { iss: 'https://evil.example' })),
        "The id_token's issuer (iss) is not a configured identity provider",
      ],
      [
        'expired',
        signWith(
          key,
          claims(upstream, {
            iat: Math.floor(Date.now() / 1000) - 7200,
            exp: Math.floor(Date.now() / 1000) - 3600,
          }),
        ),
        'The id_token has expired',
      ],
      [
        'alg none',
        unsigned(claims(upstream)),
        "The id_token's signing algorithm is not accepted (none and HMAC never are)",
      ],
      [
        'HS256 with the public key',
        hmacWithPublicKey(key, claims(upstream)),
        "The id_token's signing algorithm is not accepted (none and HMAC never are)",
      ],
      [
        "foreign key, the provider's kid",
        signWith(foreign, claims(upstream), key.kid),
        "The id_token's signature does not verify with the provider's keys",
      ],
      [
        'foreign key, its own kid',
        signWith(foreign, claims(upstream)),
        'The id_token is signed with a key the provider does not publish',
      ],
      [
        'several audiences, no azp',
        signWith(key, claims(upstream, { aud: [flowApp.client_id, 'other'] })),
        "The id_token's authorized party (azp) is not the provider's client id",
      ],
      [
        'issued in the future',
        signWith(key, claims(upstream, { iat: Math.floor(Date.now() / 1000) + 600 })),
        "The id_token's issue time (iat) is in the future",
      ],
      [
        'not valid yet',
        signWith(key, claims(upstream, { nbf: Math.floor(Date.now() / 1000) + 600 })),
        'The id_token is not valid yet (nbf)',
      ],
      ['no sub', signWith(key, claims(upstream, { sub: undefined })), 'The id_token has no subject (sub)'],
      ['not a JWT', 'not-a-jwt', 'The id_token is not a well-formed signed JWT'],
    ];
    for (const [name, pending, message] of cases) {
      const token = await pending;
      const response = await oidcLogin(server.app, { id_token: token });
      expect({ name, status: response.statusCode, body: response.json() }).toEqual({
        name,
        status: 401,
        body: envelope(message, 'UNAUTHENTICATED'),
      });
      expect(response.body).not.toContain(token.split('.')[1] ?? token);
    }
    // A token that passes every check still signs in (the cases above failed for their own reason).
    expect(
      (await oidcLogin(server.app, { id_token: await signWith(key, claims(upstream)) })).statusCode,
    ).toBe(200);
  });

  it('checks the nonce when the app sends one', async () => {
    await addProvider(server.services, upstream);
    const sub = upstreamAccount(upstream, { email: 'nonce@acme.example', email_verified: true });
    const wrong = await oidcLogin(server.app, {
      id_token: await upstream.idToken(flowApp, sub, { nonce: 'n-1' }),
      nonce: 'n-2',
    });
    expect(wrong.json()).toEqual(envelope("The id_token's nonce does not match", 'UNAUTHENTICATED'));
    const right = await oidcLogin(server.app, {
      id_token: await upstream.idToken(flowApp, sub, { nonce: 'n-3' }),
      nonce: 'n-3',
    });
    expect(right.statusCode).toBe(200);
  });

  it('follows a key rotated upstream between two sign-ins (refetch on an unknown kid, after the cooldown)', async () => {
    await addProvider(server.services, upstream);
    const sub = upstreamAccount(upstream, { email: 'rotation@acme.example', email_verified: true });
    const before = upstream.keys;
    try {
      expect(
        (await oidcLogin(server.app, { id_token: await upstream.idToken(flowApp, sub) })).statusCode,
      ).toBe(200);
      const rotated = signingKey('RS256');
      upstream.useKeys([rotated]);
      const signedByNew = await upstream.idToken(flowApp, sub);
      expect(decodeJwt(signedByNew).sub).toBe(sub);

      // Within the cooldown the cached key set is not fetched again: the new kid is unknown.
      const early = await oidcLogin(server.app, { id_token: signedByNew });
      expect(early.json()).toEqual(
        envelope('The id_token is signed with a key the provider does not publish', 'UNAUTHENTICATED'),
      );
      server.clock.advance(31);
      const later = await oidcLogin(server.app, { id_token: await upstream.idToken(flowApp, sub) });
      expect(later.statusCode).toBe(200);
      // The old key is no longer published: a token it signs is refused.
      const old = before[0];
      if (old === undefined) throw new Error('no old key');
      const byOld = await oidcLogin(server.app, { id_token: await signWith(old, claims(upstream)) });
      expect(byOld.json()).toEqual(
        envelope('The id_token is signed with a key the provider does not publish', 'UNAUTHENTICATED'),
      );
    } finally {
      upstream.useKeys([...before]);
    }
  });

  it('maps groups through the configured claim and group map into /me', async () => {
    await addProvider(server.services, upstream, {
      groupsClaim: 'groups',
      groupMap: { 'acme-engineering': 'engineering', 'acme-admins': 'ops' },
    });
    const sub = upstreamAccount(upstream, {
      email: 'grace@acme.example',
      email_verified: true,
      groups: ['acme-engineering', 'acme-admins', 'acme-unmapped'],
    });
    const body = (await oidcLogin(server.app, { id_token: await upstream.idToken(flowApp, sub) })).json();
    expect(body.user.groups).toEqual(['engineering', 'ops']);
    expect((await me(body.access_token)).json().groups).toEqual(['engineering', 'ops']);

    // Groups follow the provider: one removed upstream is removed here at the next sign-in.
    upstream.accounts.set(sub, {
      email: 'grace@acme.example',
      email_verified: true,
      groups: ['acme-engineering'],
    });
    const next = (await oidcLogin(server.app, { id_token: await upstream.idToken(flowApp, sub) })).json();
    expect((await me(next.access_token)).json().groups).toEqual(['engineering']);
  });

  it('with provisioning off, refuses an identity that has no account, clearly', async () => {
    await addProvider(server.services, upstream, { provisioning: false });
    const sub = upstreamAccount(upstream, { email: 'nobody@acme.example', email_verified: true });
    const response = await oidcLogin(server.app, { id_token: await upstream.idToken(flowApp, sub) });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(
      envelope(
        'No account is linked to this identity, and the provider does not create accounts (provisioning is off)',
        'UNAUTHENTICATED',
      ),
    );
    expect(await server.services.users.list()).toEqual([]);
  });

  it('links by verified email only when the provider says so; an email changed upstream never moves the identity', async () => {
    const { user: alice } = await createPerson(server.services, { username: 'alice' });
    const { user: bob } = await createPerson(server.services, { username: 'bob' });
    const provider = await addProvider(server.services, upstream, { provisioning: false });
    const sub = upstreamAccount(upstream, { email: 'alice@example.com', email_verified: true });

    // Without link-by-email, a matching email is not enough.
    const unlinked = await oidcLogin(server.app, { id_token: await upstream.idToken(flowApp, sub) });
    expect(unlinked.statusCode).toBe(401);

    await server.services.federation.providers.update(provider.id, { linkByEmail: true }, { actor: 'test' });
    // An unverified email is not linked either.
    upstream.accounts.set(sub, { email: 'alice@example.com', email_verified: false });
    expect((await oidcLogin(server.app, { id_token: await upstream.idToken(flowApp, sub) })).statusCode).toBe(
      401,
    );

    // Nor while the local address is unverified: anyone may put any email on their own profile.
    upstream.accounts.set(sub, { email: 'alice@example.com', email_verified: true });
    expect((await oidcLogin(server.app, { id_token: await upstream.idToken(flowApp, sub) })).statusCode).toBe(
      401,
    );

    await server.services.users.update('alice', { attributes: { email_verified: true } }, { actor: 'test' });
    const linked = (await oidcLogin(server.app, { id_token: await upstream.idToken(flowApp, sub) })).json();
    expect(linked.user).toMatchObject({ id: alice.id, username: 'alice', oidc_subject: sub });

    // The upstream now says bob's email: still alice's account (whose email follows), never bob's.
    upstream.accounts.set(sub, { email: 'bob@example.com', email_verified: true });
    const moved = (await oidcLogin(server.app, { id_token: await upstream.idToken(flowApp, sub) })).json();
    expect(moved.user).toMatchObject({ id: alice.id, username: 'alice', email: 'bob@example.com' });
    expect(moved.user.id).not.toBe(bob.id);

    // One account may hold several identities: a second subject with alice's verified email joins it.
    await server.services.users.update(
      'alice',
      { email: 'alice@example.com', attributes: { email_verified: true } },
      { actor: 'test' },
    );
    const second = upstreamAccount(upstream, { email: 'alice@example.com', email_verified: true });
    const other = (await oidcLogin(server.app, { id_token: await upstream.idToken(flowApp, second) })).json();
    expect(other.user).toMatchObject({ id: alice.id, oidc_subject: second });
  });

  it('refuses an email outside the allowed domains, and a disabled account as /login does', async () => {
    await addProvider(server.services, upstream, { allowedDomains: ['acme.example'] });
    const outsider = upstreamAccount(upstream, { email: 'eve@evil.example', email_verified: true });
    const refused = await oidcLogin(server.app, { id_token: await upstream.idToken(flowApp, outsider) });
    expect(refused.json()).toEqual(
      envelope("The id_token's email domain is not allowed for this provider", 'UNAUTHENTICATED'),
    );

    const insider = upstreamAccount(upstream, { email: 'dan@acme.example', email_verified: true });
    const first = (
      await oidcLogin(server.app, { id_token: await upstream.idToken(flowApp, insider) })
    ).json();
    await server.services.users.setDisabled({ id: first.user.id }, true, { actor: 'test' });
    const disabled = await oidcLogin(server.app, { id_token: await upstream.idToken(flowApp, insider) });
    expect(disabled.statusCode).toBe(403);
    expect(disabled.json()).toEqual(envelope('Account is disabled', 'FORBIDDEN'));
  });

  it('refuses every token once its provider is removed', async () => {
    const provider = await addProvider(server.services, upstream);
    const sub = upstreamAccount(upstream, { email: 'gone@acme.example', email_verified: true });
    await server.services.federation.providers.delete(provider.id, { actor: 'test' });
    const response = await oidcLogin(server.app, { id_token: await upstream.idToken(flowApp, sub) });
    expect(response.json()).toEqual(
      envelope("The id_token's issuer (iss) is not a configured identity provider", 'UNAUTHENTICATED'),
    );
  });

  it('answers a missing id_token as a bad request, and an unreachable provider as 503', async () => {
    const missing = await oidcLogin(server.app, {});
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual(envelope('Missing required field: id_token', 'BAD_REQUEST'));

    const down = await UpstreamProvider.start([flowApp]);
    await addProvider(server.services, down);
    const token = await signWith(down.keys[0] as never, claims(down));
    await down.close();
    const response = await oidcLogin(server.app, { id_token: token });
    expect(response.statusCode).toBe(503);
    expect(response.json().errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
  });
});
