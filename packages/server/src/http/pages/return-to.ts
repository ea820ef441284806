import type { RawParams } from '../../oauth/authorize/authorization-request.js';

const authorizePath = '/oauth/authorize';

/**
 * Where the sign-in and consent forms go back to: only ever this server's authorization
 * endpoint (never an absolute URL, so the forms cannot be turned into an open redirect).
 */
export function parseReturnTo(value: string | undefined): RawParams | undefined {
  if (value === undefined || !value.startsWith(`${authorizePath}?`)) return undefined;
  const params: Record<string, string | string[]> = {};
  for (const [key, v] of new URLSearchParams(value.slice(authorizePath.length + 1))) {
    const seen = params[key];
    if (seen === undefined) params[key] = v;
    else if (Array.isArray(seen)) seen.push(v);
    else params[key] = [seen, v];
  }
  return Object.fromEntries(Object.entries(params));
}

export function returnToFor(params: RawParams): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, v as string);
  }
  return `${authorizePath}?${search.toString()}`;
}

/**
 * The authorization request once an interaction is done: after a fresh sign-in, `prompt=login`
 * and `max_age` are satisfied; after consent, `prompt=consent` is. Without this the request
 * would ask for the same interaction again, forever.
 */
export function afterInteraction(params: RawParams, satisfied: 'login' | 'consent'): RawParams {
  const next: Record<string, RawParams[string]> = { ...params };
  const prompt =
    typeof next.prompt === 'string' ? next.prompt.split(' ').filter((p) => p !== satisfied && p !== '') : [];
  if (typeof next.prompt === 'string') {
    if (prompt.length === 0) delete next.prompt;
    else next.prompt = prompt.join(' ');
  }
  if (satisfied === 'login') delete next.max_age;
  return next;
}
