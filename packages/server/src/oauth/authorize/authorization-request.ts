import type { Client } from '../../clients/client.js';
import type { ClientDirectory } from '../../clients/client-directory.js';
import { isValidScopeName, parseScope } from '../../clients/scope.js';
import type { OAuthErrorCode } from '../errors.js';
import { isValidChallenge } from '../pkce.js';

export type Prompt = 'none' | 'login' | 'consent';

/** A validated authorization request (RFC 6749 §4.1.1, RFC 7636, OIDC Core §3.1.2.1). */
export interface AuthorizationRequest {
  readonly client: Client;
  readonly redirectUri: string;
  readonly scope: readonly string[];
  readonly state: string | undefined;
  readonly nonce: string | undefined;
  readonly codeChallenge: string;
  readonly prompt: ReadonlySet<Prompt>;
  readonly maxAge: number | undefined;
  readonly loginHint: string | undefined;
  readonly claims: string | undefined;
}

/** Nothing can be sent back to the client: unknown client or unregistered redirect URI. Shown as a page. */
export class UntrustedRequest extends Error {
  override readonly name = 'UntrustedRequest';
}

/** An error the client learns of by redirect (RFC 6749 §4.1.2.1), with `state` and `iss`. */
export class RedirectableError extends Error {
  override readonly name = 'RedirectableError';
  readonly code: OAuthErrorCode;
  readonly redirectUri: string;
  readonly state: string | undefined;
  constructor(code: OAuthErrorCode, description: string, redirectUri: string, state: string | undefined) {
    super(description);
    this.code = code;
    this.redirectUri = redirectUri;
    this.state = state;
  }
}

export type RawParams = Readonly<Record<string, string | readonly string[] | undefined>>;

const prompts: ReadonlySet<string> = new Set(['none', 'login', 'consent']);

/**
 * Validates in the order of RFC 6749 §4.1.2.1: first what decides whether a redirect is safe
 * (client, redirect URI: exact string match), then everything else, reported by redirect.
 */
export async function validateAuthorizationRequest(
  params: RawParams,
  clients: ClientDirectory,
): Promise<AuthorizationRequest> {
  const clientId = single(params, 'client_id');
  if (clientId === undefined)
    throw new UntrustedRequest('The request names no client (client_id is missing or repeated).');
  const entry = await clients.find(clientId);
  if (entry === undefined || entry.client.revokedAt !== null)
    throw new UntrustedRequest('The application is not known to Tessera.');
  const { client } = entry;

  const givenRedirect = single(params, 'redirect_uri');
  if (Array.isArray(params.redirect_uri)) throw new UntrustedRequest('The request repeats redirect_uri.');
  const redirectUri =
    givenRedirect ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
  if (redirectUri === undefined || !client.redirectUris.includes(redirectUri)) {
    throw new UntrustedRequest('The redirect URI is not registered for this application.');
  }

  const state = single(params, 'state');
  const fail = (code: OAuthErrorCode, description: string) =>
    new RedirectableError(code, description, redirectUri, state);

  for (const [name, value] of Object.entries(params)) {
    if (Array.isArray(value)) throw fail('invalid_request', `Parameter '${name}' was sent more than once`);
  }
  if (params.request !== undefined) throw fail('request_not_supported', 'request objects are not supported');
  if (params.request_uri !== undefined)
    throw fail('request_uri_not_supported', 'request_uri is not supported');

  const responseType = single(params, 'response_type');
  if (responseType === undefined) throw fail('invalid_request', 'Missing required parameter: response_type');
  if (responseType !== 'code')
    throw fail('unsupported_response_type', 'only response_type=code is supported');
  if (!client.grantTypes.includes('authorization_code')) {
    throw fail('unauthorized_client', 'this client is not allowed the authorization_code grant');
  }

  const codeChallenge = single(params, 'code_challenge');
  if (codeChallenge === undefined)
    throw fail('invalid_request', 'Missing required parameter: code_challenge');
  if (single(params, 'code_challenge_method') !== 'S256') {
    throw fail('invalid_request', 'code_challenge_method must be S256 (plain is not accepted)');
  }
  if (!isValidChallenge(codeChallenge))
    throw fail('invalid_request', 'code_challenge is not a valid S256 challenge');

  const requested = parseScope(single(params, 'scope'));
  for (const scope of requested) {
    if (!isValidScopeName(scope) || !client.scopes.includes(scope)) {
      throw fail('invalid_scope', `scope '${scope}' is not allowed for this client`);
    }
  }
  const scope = requested.length === 0 ? [...client.scopes] : requested;

  const prompt = new Set<Prompt>();
  for (const value of parseScope(single(params, 'prompt'))) {
    if (!prompts.has(value)) throw fail('invalid_request', `prompt '${value}' is not supported`);
    prompt.add(value as Prompt);
  }
  if (prompt.has('none') && prompt.size > 1)
    throw fail('invalid_request', 'prompt=none cannot be combined with other values');

  const rawMaxAge = single(params, 'max_age');
  if (rawMaxAge !== undefined && !/^\d{1,9}$/.test(rawMaxAge))
    throw fail('invalid_request', 'max_age must be a whole number of seconds');

  const claims = single(params, 'claims');
  if (claims !== undefined && !isJsonObject(claims))
    throw fail('invalid_request', 'claims must be a JSON object');

  return {
    client,
    redirectUri,
    scope,
    state,
    nonce: single(params, 'nonce'),
    codeChallenge,
    prompt,
    maxAge: rawMaxAge === undefined ? undefined : Number(rawMaxAge),
    loginHint: single(params, 'login_hint'),
    claims,
  };
}

/** A parameter's value if it was sent once and is not empty. */
function single(params: RawParams, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isJsonObject(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

/** The client's redirect URI with the response parameters added (RFC 9207 `iss` included). */
export function redirectWith(
  redirectUri: string,
  params: Readonly<Record<string, string | undefined>>,
): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(name, value);
  return url.href;
}
