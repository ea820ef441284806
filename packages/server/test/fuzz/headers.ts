import type { Fixtures } from './fixtures.js';
import { fuzzString, oversized, percentEncode, randomText } from './inputs.js';
import type { Prng } from './prng.js';

export type Header = readonly [string, string];

/** A string's UTF-8 bytes as a latin1 string: how a header value goes on the wire byte for byte. */
export const wire = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

/** Without CR, LF and NUL: a value that stays one header (requests.ts breaks headers on purpose, elsewhere). */
export const headerSafe = (text: string) =>
  text
    .replace(/[\r\n]/g, '')
    .split('\u0000')
    .join('');

const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

/** Authorization: real credentials, or Basic and Bearer in every way they go wrong. */
export function authorization(rng: Prng, fixtures: Fixtures): string {
  const real = rng.pick(fixtures.authorizations);
  const clientIds = fixtures.values.client_id ?? [];
  switch (rng.int(0, 13)) {
    case 0:
    case 1:
    case 2:
      return real;
    case 3:
      return `Basic ${b64(`${fuzzString(rng, clientIds)}:${fuzzString(rng, fixtures.values.client_secret ?? [])}`)}`;
    case 4:
      return `Basic ${b64(rng.pick([':', 'nocolon', ':secret', 'id:', '%ZZ:x', 'a%00b:c', `${percentEncode('\u0000')}:x`]))}`;
    case 5:
      return `Basic ${rng.pick(['', '!!!', '====', 'YQ', b64(rng.bytes(rng.int(1, 48))), oversized(rng, 'QUJD')])}`;
    case 6:
      return `Bearer ${wire(fuzzString(rng, fixtures.values.access_token ?? []))}`;
    case 7:
      return rng.pick([
        'Bearer',
        'Bearer ',
        'Basic',
        'bearer x',
        'BEARER x',
        'Bearer  a b',
        'Bearer\tx',
        'Token x',
      ]);
    case 8:
      return `${rng.pick(['Digest', 'Negotiate', 'DPoP', 'Basic'])} ${real.split(' ')[1] ?? ''}`;
    case 9:
      return `${real} ${real}`;
    case 10:
      return real.replace(/.$/, rng.pick(['A', '.', '=', '']));
    case 11:
      return `Bearer ${oversized(rng, real.split(' ')[1] ?? 'x')}`;
    case 12:
      return headerSafe(wire(randomText(rng, rng.int(1, 40))));
    default:
      return `Bearer ${real.split(' ')[1] ?? ''}.${b64('{"alg":"none"}')}`;
  }
}

/** Cookie: the real jars, or the cookies the server reads, forged, broken and repeated. */
export function cookie(rng: Prng, fixtures: Fixtures): string {
  const real = rng.pick(fixtures.cookies);
  const name = rng.pick([
    'tessera_session',
    'tessera_csrf',
    'tessera_refresh',
    '__Host-tessera_session',
    'x',
  ]);
  switch (rng.int(0, 8)) {
    case 0:
    case 1:
      return real;
    case 2:
      return headerSafe(`${name}=${wire(fuzzString(rng, []))}`);
    case 3:
      return `${name}=s:${b64(rng.bytes(16))}.${b64(rng.bytes(32))}`;
    case 4:
      return `${real}; ${real}`;
    case 5:
      return `${name}=${rng.pick(['%E0%A4%A', '%', '"', '""', '=', ';;;', '%00', 'a b', ''])}`;
    case 6:
      return `${name}=${oversized(rng, 'c')}`;
    case 7:
      return `${real.replace(/=[^;]*/, `=${rng.pick(['', 'A'.repeat(43), 'x'])}`)}`;
    default:
      return rng.pick(['', ';', '=', 'a', '; tessera_csrf=', 'tessera_csrf', '\u00ff=\u00ff']);
  }
}

/** Other request headers the server reads, or that change how it reads the request. */
export function otherHeaders(rng: Prng, fixtures: Fixtures): Header[] {
  const headers: Header[] = [];
  if (rng.chance(0.1))
    headers.push(['Origin', rng.pick([...fixtures.origins, wire(fuzzString(rng, fixtures.origins))])]);
  if (rng.chance(0.05)) headers.push(['X-Client-Id', wire(fuzzString(rng, fixtures.values.client_id ?? []))]);
  if (rng.chance(0.05))
    headers.push(['Accept', rng.pick(['text/html', 'application/json', '*/*', '', 'x/y;q=abc'])]);
  if (rng.chance(0.05)) headers.push(['User-Agent', wire(fuzzString(rng, ['Mozilla/5.0']))]);
  if (rng.chance(0.03)) headers.push(['X-Forwarded-For', rng.pick(['1.2.3.4', '::1, evil', 'garbage', ''])]);
  if (rng.chance(0.03)) headers.push(['Content-Encoding', rng.pick(['gzip', 'br', 'identity', 'x'])]);
  if (rng.chance(0.02))
    headers.push(['Access-Control-Request-Method', rng.pick(['POST', 'GET', 'DELETE', ''])]);
  if (rng.chance(0.01)) headers.push(['Range', 'bytes=0-10']);
  if (rng.chance(0.01)) for (let i = 0; i < rng.int(50, 120); i += 1) headers.push([`X-Fuzz-${i}`, `${i}`]);
  if (rng.chance(0.005)) headers.push(['X-Padding', 'p'.repeat(rng.pick([8_000, 20_000]))]);
  return headers.map(([name, value]) => [name, headerSafe(value)] as const);
}
