import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { JWK } from 'jose';
import Provider from 'oidc-provider';
import { pkcePair } from './browser.js';
import { freePort } from './listen.js';
import { basic } from './test-server.js';

/**
 * A real upstream OpenID provider for the federated sign-in tests: panva's oidc-provider on
 * 127.0.0.1, behind a small server that finishes its interactions at once as whichever account
 * the test names (no pages), so the authorization code flow can be driven with fetch. Keys and
 * clients can be changed while it runs (a fresh Provider behind the same address), which is how
 * a key rotation upstream is staged.
 */

export interface UpstreamClient {
  readonly client_id: string;
  readonly client_secret?: string;
  readonly redirect_uris: readonly string[];
}

export type Claims = Record<string, unknown>;

export interface UpstreamSigningKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256';
  /** The private JWK (tests sign their own tokens with it). */
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

export function signingKey(alg: 'RS256' | 'ES256' = 'RS256'): UpstreamSigningKey {
  const { privateKey, publicKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomBytes(6).toString('hex');
  return {
    kid,
    alg,
    privateJwk: { ...privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } as JWK,
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } as JWK,
  };
}

export class UpstreamProvider {
  readonly issuer: string;
  /** Claims of each account, by account id (the `sub`). */
  readonly accounts = new Map<string, Claims>();
  /** The account the next interaction signs in as. */
  signInAs = '';
  #keys: UpstreamSigningKey[];
  #clients: UpstreamClient[];
  #provider: Provider;
  readonly #server: Server;

  private constructor(issuer: string, server: Server, keys: UpstreamSigningKey[], clients: UpstreamClient[]) {
    this.issuer = issuer;
    this.#server = server;
    this.#keys = keys;
    this.#clients = clients;
    this.#provider = this.#build();
  }

  static async start(clients: UpstreamClient[] = []): Promise<UpstreamProvider> {
    const port = await freePort();
    const server = createServer();
    const upstream = new UpstreamProvider(`http://127.0.0.1:${port}`, server, [signingKey('RS256')], clients);
    server.on('request', (req, res) => upstream.#handle(req, res));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return upstream;
  }

  /** The keys it signs with, the first one signing. */
  get keys(): readonly UpstreamSigningKey[] {
    return this.#keys;
  }

  /** Publishes (and signs with) these keys from now on. */
  useKeys(keys: UpstreamSigningKey[]): void {
    this.#keys = keys;
    this.#provider = this.#build();
  }

  /** Registers one more client (oidc-provider's clients are fixed per instance: a new one takes over). */
  addClient(client: UpstreamClient): void {
    this.#clients = [...this.#clients.filter((c) => c.client_id !== client.client_id), client];
    this.#provider = this.#build();
  }

  /**
   * Runs the authorization code flow for `client` as account `as`, following redirects with its
   * own cookie jar from `authorizationUrl` (built here when not given) until the provider sends
   * the browser to the client's redirect URI; returns that URL.
   */
  async authorize(authorizationUrl: string, as: string): Promise<URL> {
    this.signInAs = as;
    const jar = new Map<string, string>();
    let url = authorizationUrl;
    for (let hop = 0; hop < 10; hop += 1) {
      const response = await fetch(url, {
        redirect: 'manual',
        headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const [name, ...value] = (pair ?? '').split('=');
        if (name !== undefined && name !== '') jar.set(name.trim(), value.join('='));
      }
      const location = response.headers.get('location');
      await response.arrayBuffer();
      if (location === null)
        throw new Error(`upstream answered ${response.status} without a redirect at ${url}`);
      const next = new URL(location, url);
      if (next.origin !== this.issuer) return next;
      url = next.href;
    }
    throw new Error('upstream redirected too often');
  }

  /** An id_token for `client` as account `as`, through the real code flow (a relying party's view). */
  async idToken(client: UpstreamClient, as: string, options: { nonce?: string } = {}): Promise<string> {
    const { verifier, challenge } = pkcePair();
    const redirectUri = client.redirect_uris[0] as string;
    const query = new URLSearchParams({
      client_id: client.client_id,
      response_type: 'code',
      scope: 'openid email profile groups',
      redirect_uri: redirectUri,
      state: randomBytes(8).toString('hex'),
      nonce: options.nonce ?? randomBytes(8).toString('hex'),
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const back = await this.authorize(`${this.issuer}/auth?${query}`, as);
    const code = back.searchParams.get('code');
    if (code === null) throw new Error(`no code: ${back.href}`);
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      ...(client.client_secret === undefined ? { client_id: client.client_id } : {}),
    });
    const secret = client.client_secret;
    const response = await fetch(`${this.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(secret === undefined ? {} : { authorization: basic(client.client_id, secret) }),
      },
      body,
    });
    const answer = (await response.json()) as { id_token?: string };
    if (answer.id_token === undefined) throw new Error(`no id_token: ${JSON.stringify(answer)}`);
    return answer.id_token;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.url?.startsWith('/interaction/')) {
      this.#interact(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    this.#provider.callback()(req, res);
  }

  /** Signs in as `signInAs` and consents to everything asked, in one step. */
  async #interact(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const provider = this.#provider;
    const details = await provider.interactionDetails(req, res);
    const accountId = this.signInAs;
    const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  #build(): Provider {
    const accounts = this.accounts;
    const provider = new Provider(this.issuer, {
      clients: this.#clients.map((c) => ({
        ...c,
        redirect_uris: [...c.redirect_uris],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: c.client_secret === undefined ? 'none' : 'client_secret_basic',
      })),
      jwks: { keys: this.#keys.map((k) => k.privateJwk) },
      cookies: { keys: ['upstream-test-cookie-key-0123456789'] },
      scopes: ['openid', 'email', 'profile', 'groups'],
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name', 'given_name', 'family_name', 'preferred_username'],
        groups: ['groups'],
      },
      // The claims go into the id_token itself, which is what Tessera reads.
      conformIdTokenClaims: false,
      features: { devInteractions: { enabled: false } },
      pkce: { required: () => true },
      findAccount: (_ctx: unknown, id: string) => ({
        accountId: id,
        claims: async () => ({ sub: id, ...(accounts.get(id) ?? {}) }),
      }),
      ttl: {
        IdToken: 3600,
        AccessToken: 3600,
        AuthorizationCode: 60,
        Interaction: 600,
        Session: 3600,
        Grant: 3600,
      },
    });
    provider.proxy = false;
    return provider;
  }
}
