import * as oauth from 'oauth4webapi';
import { epochSeconds } from '../internal/clock.js';
import { createOAuthContext, type OAuthClientOptions, oauthStep } from '../internal/oauth.js';
import { jwtLifetime, renewalDue } from '../internal/renewal.js';
import { singleFlight } from '../internal/single-flight.js';

export interface ClientCredentialsOptions extends OAuthClientOptions {
  readonly clientSecret: string;
  /** Space-separated scopes to ask for; default the client's default scopes. */
  readonly scope?: string;
  /** `client_secret_basic` (default) or `client_secret_post`. */
  readonly authMethod?: 'client_secret_basic' | 'client_secret_post';
  /**
   * Get a new token this many seconds before the cached one expires; default 30, and never more
   * than half of the token's lifetime (so a 20-second token is renewed 10 s before it expires).
   */
  readonly leewaySeconds?: number;
}

/** Hands out a valid access token, fetching a new one only when needed. */
export interface TokenProvider {
  getToken(): Promise<string>;
  /** Forget the cached token (say, after an API answered 401): the next getToken fetches one. */
  invalidate(): void;
}

/**
 * Machine-to-machine: the client-credentials grant behind a cache. A token is reused until
 * `leewaySeconds` (at most half its lifetime) before it expires; concurrent getToken calls while a request is under way share
 * that one request.
 */
export function clientCredentials(options: ClientCredentialsOptions): TokenProvider {
  const context = createOAuthContext(options, 'clientCredentials');
  if (typeof options.clientSecret !== 'string' || options.clientSecret === '')
    throw new TypeError('clientCredentials: clientSecret is required');
  const leewaySeconds = options.leewaySeconds ?? 30;
  if (!(leewaySeconds >= 0)) throw new TypeError('clientCredentials: leewaySeconds must be ≥ 0');
  const authentication =
    options.authMethod === 'client_secret_post'
      ? oauth.ClientSecretPost(options.clientSecret)
      : oauth.ClientSecretBasic(options.clientSecret);
  const parameters = new URLSearchParams(options.scope === undefined ? {} : { scope: options.scope });
  let cached:
    | {
        readonly token: string;
        readonly expiresAt: number | undefined;
        readonly lifetime: number | undefined;
      }
    | undefined;

  const obtain = singleFlight(async () => {
    const as = await context.server();
    const client = context.client();
    const result = await oauthStep(async () =>
      oauth.processClientCredentialsResponse(
        as,
        client,
        await oauth.clientCredentialsGrantRequest(as, client, authentication, parameters, context.http),
      ),
    );
    const tokens = context.tokens(result);
    cached = {
      token: tokens.accessToken,
      expiresAt: tokens.expiresAt,
      lifetime: result.expires_in ?? jwtLifetime(tokens.accessToken),
    };
    return tokens.accessToken;
  });

  return {
    async getToken() {
      if (cached !== undefined) {
        const { token, expiresAt, lifetime } = cached;
        if (!renewalDue(expiresAt, lifetime, leewaySeconds, epochSeconds(context.clock))) return token;
      }
      return obtain();
    },
    invalidate() {
      cached = undefined;
    },
  };
}
