import { maxClientIdLength, maxClientSecretLength } from '../../clients/credential-form.js';

/**
 * Bounds on every identifier and parameter a request may carry, checked by the route schemas
 * before any handler runs (issue 15): a maximum length, and no C0 control character or DEL.
 * Nothing Tessera issues or registers contains one; PostgreSQL cannot store U+0000 in text
 * (error 22021), and CR or LF must never reach a header. A schema failure is a 400 in the
 * route's own error shape (invalid_request, BAD_REQUEST, the error page).
 *
 * The password is the one free-text value: it is only hashed, never stored or echoed, so it may
 * hold any character, and its length is the password policy's to judge (in constant time).
 */
export const noControlCharacters = '^[^\\u0000-\\u001F\\u007F]*$';

/** A single-line string of at most `maxLength` characters. */
export function boundedText(maxLength: number) {
  return { type: 'string', maxLength, pattern: noControlCharacters } as const;
}

export const clientIdParameter = boundedText(maxClientIdLength);
export const clientSecretParameter = boundedText(maxClientSecretLength);
/** accounts/user-validation.ts: a username is 1 to 150 characters, so a longer one names nobody. */
export const usernameParameter = boundedText(150);
export const passwordParameter = { type: 'string' } as const;
/** Scope tokens are at most 128 characters each (clients/scope.ts). */
export const scopeParameter = boundedText(4096);
export const stateParameter = boundedText(2048);
export const nonceParameter = boundedText(512);
export const uriParameter = boundedText(2048);
/** OIDC Core §3.1.2.1: a hint such as an email address or username. */
export const loginHintParameter = boundedText(512);
/** OIDC Core §5.5: a JSON object; compact JSON fits on one line. */
export const claimsParameter = boundedText(4096);
/** Codes and refresh tokens are 43 characters; access and ID tokens are JWTs of at most a few KB. */
export const tokenParameter = boundedText(8192);
/**
 * RFC 7636 §4.1: unreserved characters, at most 128. A well-formed verifier that is too short is
 * left to the grant, which answers invalid_grant as for any verifier that does not match.
 */
export const codeVerifierParameter = {
  type: 'string',
  maxLength: 128,
  pattern: '^[A-Za-z0-9._~-]*$',
} as const;
/**
 * Interaction ids are 43 base64url characters (oauth/authorize/interactions.ts); any other
 * single-line value just names no interaction, and the sign-in page then signs in on its own.
 */
export const interactionParameter = boundedText(128);
/** Keywords: grant_type, token_type_hint, response_type, prompt, decision, a CSRF token. */
export const keywordParameter = boundedText(256);
/** Any parameter not named here (unknown ones are ignored, RFC 6749 §3.1, but still bounded). */
export const otherParameter = boundedText(2048);

/**
 * A query parameter that may arrive repeated: repeats are refused by whoever reads it (the
 * authorization flow answers them with a redirect when it safely can), but each is bounded.
 */
export function oneOrMore<const Schema extends object>(schema: Schema) {
  return { anyOf: [schema, { type: 'array', items: schema, maxItems: 16 }] } as const;
}

type ParameterSchema =
  | ReturnType<typeof boundedText>
  | typeof passwordParameter
  | typeof codeVerifierParameter;

const oauthParameters: Readonly<Record<string, ParameterSchema>> = {
  grant_type: keywordParameter,
  client_id: clientIdParameter,
  client_secret: clientSecretParameter,
  username: usernameParameter,
  password: passwordParameter,
  scope: scopeParameter,
  redirect_uri: uriParameter,
  code: tokenParameter,
  code_verifier: codeVerifierParameter,
  refresh_token: tokenParameter,
  token: tokenParameter,
  token_type_hint: keywordParameter,
  access_token: tokenParameter,
};

/** The bounds of an OAuth token-endpoint parameter, by its name. */
export function oauthParameter(name: string): ParameterSchema {
  return oauthParameters[name] ?? otherParameter;
}
