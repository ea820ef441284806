import { createHash } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import { randomToken } from '../../platform/random.js';
import { hashSecret } from '../../platform/secret-hash.js';
import type { IdentityProvider, PendingFederatedSignInStore } from './identity-provider.js';
import type { IdentityProviders } from './identity-providers.js';
import type { ProviderDirectory } from './provider-directory.js';
import type { Fetch, UpstreamMetadata, UpstreamMetadataCache } from './upstream-metadata.js';
import { UpstreamMisconfigured, UpstreamUnavailable } from './upstream-metadata.js';

/** How long a browser may spend at the upstream provider before the trip must start again. */
export const upstreamTripSeconds = 600;

/** The browser flow cannot continue; `message` is for the person, `status` for the page. */
export class FederatedSignInFailed extends Error {
  override readonly name = 'FederatedSignInFailed';
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

/** What the callback brought back, once checked: the id_token to sign in with, and where to go on. */
export interface UpstreamResult {
  readonly provider: IdentityProvider;
  readonly idToken: string;
  /** The nonce the id_token must carry. */
  readonly nonce: string;
  /** The interaction (authorization request) to resume, or ''. */
  readonly interaction: string;
}

/** What the provider's redirect to the callback carries (RFC 6749 §4.1.2, RFC 9207 `iss`). */
export interface CallbackParameters {
  readonly state?: string | undefined;
  readonly code?: string | undefined;
  readonly error?: string | undefined;
  readonly iss?: string | undefined;
}

interface UpstreamSignInFlowDeps {
  readonly directory: ProviderDirectory;
  readonly providers: IdentityProviders;
  readonly metadata: UpstreamMetadataCache;
  readonly pending: PendingFederatedSignInStore;
  readonly clock: Clock;
  readonly fetch?: Fetch;
  readonly timeoutMs?: number;
}

const expired = () =>
  new FederatedSignInFailed(
    'This sign-in has expired or was already used. Start again from the application.',
    400,
  );

/**
 * The browser's trip to an upstream provider: authorization code with PKCE (S256), a fresh `state`
 * and `nonce` kept server-side with the browser binding and the interaction they belong to, then
 * the code exchanged at the provider's token endpoint for the id_token that signs the person in.
 */
export class UpstreamSignInFlow {
  readonly #deps: UpstreamSignInFlowDeps;

  constructor(deps: UpstreamSignInFlowDeps) {
    this.#deps = deps;
  }

  /** The provider's authorization URL for this browser and interaction. */
  async start(providerId: string, interaction: string, browserKey: string): Promise<string> {
    const provider = await this.#deps.directory.find(providerId);
    if (provider === undefined)
      throw new FederatedSignInFailed('This sign-in provider is not configured (any more).', 404);
    const metadata = await this.#metadata(provider);
    const state = randomToken(32);
    const nonce = randomToken(32);
    const codeVerifier = randomToken(32);
    const now = this.#deps.clock.now();
    await this.#deps.pending.insert({
      stateHash: hashSecret(state),
      providerId: provider.id,
      interaction,
      browserBinding: hashSecret(browserKey),
      nonce,
      codeVerifier,
      createdAt: now,
      expiresAt: new Date(now.getTime() + upstreamTripSeconds * 1000),
    });
    const url = new URL(metadata.authorizationEndpoint);
    const params = {
      response_type: 'code',
      client_id: provider.clientId,
      redirect_uri: this.#deps.providers.redirectUri(provider),
      scope: provider.scopes.join(' '),
      state,
      nonce,
      code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
      code_challenge_method: 'S256',
    };
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url.href;
  }

  /** Checks the callback against the trip it ends (once), and exchanges its code for an id_token. */
  async finish(
    providerId: string,
    callback: CallbackParameters,
    browserKey: string,
  ): Promise<UpstreamResult> {
    if (callback.state === undefined || callback.state === '') throw expired();
    const trip = await this.#deps.pending.take(hashSecret(callback.state), this.#deps.clock.now());
    if (
      trip === undefined ||
      trip.providerId !== providerId ||
      trip.browserBinding !== hashSecret(browserKey)
    )
      throw expired();
    const provider = await this.#deps.directory.find(providerId);
    if (provider === undefined)
      throw new FederatedSignInFailed('This sign-in provider is not configured (any more).', 404);
    // RFC 9207: when the provider names itself, it must be the one this trip went to.
    if (callback.iss !== undefined && callback.iss !== provider.issuer)
      throw new FederatedSignInFailed('The answer did not come from the provider this sign-in went to.', 400);
    if (callback.error !== undefined) {
      const code = /^[a-z_]{1,64}$/.test(callback.error) ? ` (${callback.error})` : '';
      throw new FederatedSignInFailed(`${provider.name} did not sign you in${code}.`, 401);
    }
    if (callback.code === undefined || callback.code === '')
      throw new FederatedSignInFailed(`${provider.name} sent no authorization code.`, 400);
    const idToken = await this.#exchange(provider, callback.code, trip.codeVerifier);
    return { provider, idToken, nonce: trip.nonce, interaction: trip.interaction };
  }

  async #exchange(provider: IdentityProvider, code: string, codeVerifier: string): Promise<string> {
    const metadata = await this.#metadata(provider);
    const secret = this.#deps.providers.clientSecret(provider);
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.#deps.providers.redirectUri(provider),
      code_verifier: codeVerifier,
    });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (secret === null) body.set('client_id', provider.clientId);
    else if (!metadata.tokenEndpointAuthMethods.includes('client_secret_basic')) {
      body.set('client_id', provider.clientId);
      body.set('client_secret', secret);
    } else headers.authorization = basic(provider.clientId, secret);

    const fetcher = this.#deps.fetch ?? ((input, init) => fetch(input, init));
    let answer: unknown;
    try {
      const response = await fetcher(metadata.tokenEndpoint, {
        method: 'POST',
        headers,
        body: body.toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(this.#deps.timeoutMs ?? 5000),
      });
      answer = await response.json();
      if (!response.ok) answer = undefined;
    } catch {
      answer = undefined;
    }
    const idToken = (answer as { id_token?: unknown } | undefined)?.id_token;
    if (typeof idToken !== 'string')
      throw new FederatedSignInFailed(`${provider.name} did not complete the sign-in. Try again.`, 502);
    return idToken;
  }

  async #metadata(provider: IdentityProvider): Promise<UpstreamMetadata> {
    try {
      return await this.#deps.metadata.metadata(provider.issuer);
    } catch (error) {
      if (error instanceof UpstreamUnavailable || error instanceof UpstreamMisconfigured)
        throw new FederatedSignInFailed(
          `${provider.name} cannot be reached right now. Try again later.`,
          502,
        );
      throw error;
    }
  }
}

/** RFC 6749 §2.3.1: both parts form-encoded before Basic encoding. */
function basic(clientId: string, secret: string): string {
  const encode = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}
