const forbiddenSchemes = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:']);
const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);
/** As long as the authorize endpoint accepts (http/schemas/parameters.ts). */
const maxRedirectUriLength = 2048;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const controlCharacter = /[\u0000-\u001F\u007F]/;

/**
 * Why a redirect URI cannot be registered, or undefined when it can. OAuth 2.1 §2.3.1 and
 * RFC 9700 §4.1: absolute, no fragment, plain http only for loopback (native apps, RFC 8252),
 * private-use schemes allowed for native apps, script-bearing schemes never.
 */
export function redirectUriProblem(uri: string): string | undefined {
  // The authorize and logout endpoints refuse longer values or control characters, so such a URI could never match.
  if (uri.length > maxRedirectUriLength)
    return `a redirect URI must be at most ${maxRedirectUriLength} characters`;
  if (controlCharacter.test(uri)) return 'a redirect URI must not contain control characters';
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return `'${uri}' is not an absolute URI`;
  }
  if (uri.includes('#')) return `'${uri}' must not contain a fragment`;
  if (forbiddenSchemes.has(parsed.protocol)) return `'${uri}' uses a forbidden scheme`;
  if (parsed.protocol === 'http:' && !loopbackHosts.has(parsed.hostname)) {
    return `'${uri}' must use https (plain http is allowed for localhost only)`;
  }
  if (
    (parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
    parsed.username + parsed.password !== ''
  ) {
    return `'${uri}' must not carry credentials`;
  }
  return undefined;
}
