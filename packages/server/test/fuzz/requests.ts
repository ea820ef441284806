import { type Body, formBody, jsonBody, type Parameters, strangeBody } from './bodies.js';
import type { Fixtures, Template } from './fixtures.js';
import { breakFraming, type FuzzRequest } from './framing.js';
import { authorization, cookie, type Header, otherHeaders } from './headers.js';
import { encodeValue, fuzzJsonValue, fuzzString, percentEncode, randomText } from './inputs.js';
import type { Prng } from './prng.js';
import type { Route } from './routes.js';

const otherMethods = [
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'HEAD',
  'TRACE',
  'get',
  'FOO',
  'PROPFIND',
];
const unknownNames = ['foo', 'a[b]', 'a.b', '__proto__', 'constructor', 'resource', 'request', 'request_uri'];
const formType = 'application/x-www-form-urlencoded';

/** What a request is before it is put on the wire. */
interface Draft {
  readonly method: string;
  readonly path: string;
  /** The path is the route's, not disguised. */
  readonly exact: boolean;
  readonly routePath: string;
  readonly parameters: Array<[string, unknown]>;
  /** Where the parameters travel. */
  readonly encoding: 'query' | 'form' | 'json' | 'strange';
  readonly headers: Header[];
  /** How likely each encoded name or value is damaged. */
  readonly damage: number;
}

/**
 * Request `index` of a run: a route from the app's own table, then either a near-valid request
 * (a template that succeeded while the fixtures were made, with a parameter or two or a header
 * changed) or chaos (any subset of the route's parameters, any values, any encoding); now and
 * then its HTTP framing is broken too.
 */
export function generateRequest(rng: Prng, routes: readonly Route[], fixtures: Fixtures): FuzzRequest {
  const route = rng.pick(routes);
  const templates = fixtures.templates.filter((t) => t.path === route.path);
  const draft =
    templates.length > 0 && rng.chance(0.45)
      ? fromTemplate(rng, rng.pick(templates), fixtures)
      : chaos(rng, route, fixtures);
  const request = toRequest(rng, draft, route, fixtures);
  return rng.chance(0.06) ? breakFraming(rng, request) : request;
}

function fromTemplate(rng: Prng, template: Template, fixtures: Fixtures): Draft {
  const parameters: Array<[string, unknown]> = Object.entries(template.params);
  // One in ten goes unchanged: valid requests under the same load, refresh rotation included.
  const changes = rng.chance(0.1) ? 0 : rng.int(1, 2);
  for (let i = 0; i < changes; i += 1) mutate(rng, parameters, fixtures);
  const headers = template.headers.map(([name, value]): Header => {
    if (rng.chance(0.85)) return [name, value];
    return [name, name === 'Cookie' ? cookie(rng, fixtures) : authorization(rng, fixtures)];
  });
  const encodings = ['query', 'form', 'json', 'strange'] as const;
  return {
    method: template.method,
    path: template.path,
    exact: true,
    routePath: template.path,
    parameters,
    encoding: rng.chance(0.9) ? template.encoding : rng.pick(encodings),
    headers,
    damage: 0.02,
  };
}

/** One change to a valid parameter list: a value mangled or of the wrong type, one dropped, repeated or added. */
function mutate(rng: Prng, parameters: Array<[string, unknown]>, fixtures: Fixtures): void {
  const at = rng.int(0, parameters.length - 1);
  const [name, value] = parameters[at] ?? ['', ''];
  const change =
    parameters.length === 0 ? 'add' : rng.pick(['value', 'value', 'value', 'type', 'drop', 'repeat', 'add']);
  const valid = typeof value === 'string' ? [value] : [];
  if (change === 'value') parameters[at] = [name, fuzzString(rng, valid)];
  else if (change === 'type') parameters[at] = [name, fuzzJsonValue(rng, valid)];
  else if (change === 'drop') parameters.splice(at, 1);
  else if (change === 'repeat') parameters.push([name, rng.chance(0.5) ? value : fuzzString(rng, valid)]);
  else parameters.push([rng.pick([...unknownNames, ...Object.keys(fixtures.values)]), fuzzString(rng, [])]);
}

/**
 * Chaos: any subset of the route's documented parameters with any values. For a route no template
 * covers (a new one), often a near-valid request instead: every documented parameter with a real
 * value where one is known, and real credentials, so its code behind the first check is reached too.
 */
function chaos(rng: Prng, route: Route, fixtures: Fixtures): Draft {
  const method = rng.chance(0.88) ? rng.pick(route.methods) : rng.pick(otherMethods);
  const value = (name: string) =>
    rng.chance(0.85)
      ? fuzzString(rng, fixtures.values[name] ?? [])
      : fuzzJsonValue(rng, fixtures.values[name] ?? []);
  const untemplated = !fixtures.templates.some((t) => t.path === route.path);
  const nearValid = untemplated && rng.chance(0.45);
  const parameters: Array<[string, unknown]> = [];
  for (const name of route.parameters) {
    const real = fixtures.values[name];
    if (nearValid)
      parameters.push([name, real !== undefined && rng.chance(0.8) ? rng.pick(real) : value(name)]);
    else if (rng.chance(0.65)) parameters.push([name, value(name)]);
  }
  // Repeated and unknown parameters, now and then hundreds of them: short values then, since the
  // count is what is under test (a few oversized ones would make every such request megabytes).
  const short = (name: string) => {
    const fuzzed = value(name);
    return typeof fuzzed === 'string' ? fuzzed.slice(0, 64) : fuzzed;
  };
  if (rng.chance(0.12) && parameters.length > 0) {
    const [name] = rng.pick(parameters);
    const many = rng.chance(0.1);
    for (let i = 0, times = many ? rng.int(100, 3000) : rng.int(1, 3); i < times; i += 1)
      parameters.push([name, many ? short(name) : value(name)]);
  }
  if (rng.chance(0.1)) {
    const many = rng.chance(0.1);
    for (let i = 0, count = many ? rng.int(60, 300) : rng.int(1, 5); i < count; i += 1) {
      const unknown = rng.chance(0.5) ? rng.pick(unknownNames) : randomText(rng, rng.int(1, 80));
      parameters.push([unknown, many ? short('other') : value('other')]);
    }
  }
  const headers: Header[] = [];
  if (nearValid) headers.push(['Authorization', rng.pick(fixtures.authorizations)]);
  else if (rng.chance(0.35)) headers.push(['Authorization', authorization(rng, fixtures)]);
  if (nearValid && rng.chance(0.5)) headers.push(['Cookie', rng.pick(fixtures.cookies)]);
  else if (rng.chance(0.3)) headers.push(['Cookie', cookie(rng, fixtures)]);
  const hasBody = method !== 'GET' && method !== 'HEAD' ? rng.chance(0.9) : rng.chance(0.04);
  const documented = route.bodyTypes.length > 0 ? route.bodyTypes : [formType, 'application/json'];
  const type = rng.pick(documented);
  const { path, exact } = fuzzPath(rng, route.path, fixtures);
  return {
    method,
    path,
    exact,
    routePath: route.path,
    parameters: rng.chance(0.5) ? parameters : shuffle(rng, parameters),
    encoding: !hasBody ? 'query' : rng.chance(0.15) ? 'strange' : type.includes('json') ? 'json' : 'form',
    headers,
    damage: 1 / 3,
  };
}

function toRequest(rng: Prng, draft: Draft, route: Route, fixtures: Fixtures): FuzzRequest {
  const inQuery = draft.encoding === 'query';
  // A body request may carry a query as well, and the other way round.
  const extra = rng.chance(0.05) ? chaos(rng, route, fixtures).parameters : [];
  const query = inQuery ? draft.parameters : extra;
  const body: Body = inQuery
    ? extra.length === 0
      ? { contentTypes: [], bytes: Buffer.alloc(0) }
      : formBody(rng, extra, draft.damage)
    : draft.encoding === 'json'
      ? jsonBody(rng, draft.parameters)
      : draft.encoding === 'form'
        ? formBody(rng, draft.parameters, draft.damage)
        : strangeBody(rng, draft.parameters);
  const headers = [...draft.headers, ...otherHeaders(rng, fixtures)];
  for (const type of body.contentTypes) headers.push(['Content-Type', type]);
  return {
    method: draft.method,
    version: 'HTTP/1.1',
    target: draft.path + queryString(rng, query, draft.damage),
    headers,
    body: body.bytes,
    close: rng.chance(0.05),
    routedPath: draft.exact ? draft.routePath : undefined,
  };
}

/**
 * The route's path, its `:name` segments filled in (a real value when one is known by that name,
 * or a fuzzed one; percent-encoded, so the router still picks this route) and `*` with anything;
 * now and then disguised, after which the router may pick another route or none.
 */
function fuzzPath(rng: Prng, routePath: string, fixtures: Fixtures): { path: string; exact: boolean } {
  let exact = !routePath.includes('*');
  const filled = routePath.replace(/\*|:([^/]+)/g, (_, name: string | undefined) => {
    const real = name === undefined ? undefined : fixtures.pathValues[name];
    const text = real !== undefined && rng.chance(0.6) ? rng.pick(real) : fuzzString(rng, ['x']);
    if (name !== undefined && rng.chance(0.9)) return percentEncode(text === '' ? 'x' : text);
    exact = false;
    return encodeValue(rng, text);
  });
  if (!exact || !rng.chance(0.1)) return { path: filled, exact };
  const disguised = rng.pick([
    `${filled}/`,
    `/${filled}`,
    `${filled}/..`,
    `${filled}/.`,
    filled.toUpperCase(),
    filled.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`),
    `${filled};jsessionid=1`,
    `${filled}%00`,
    `${filled}%2F`,
    `${filled}%`,
    `${filled}\u00ff`,
    `${filled}#frag`,
    `${filled}/${'x'.repeat(rng.pick([300, 9000]))}`,
    `http://127.0.0.1${filled}`,
    `//evil.example${filled}`,
    filled.replace('/', '\\'),
  ]);
  return { path: disguised, exact: false };
}

function shuffle<T>(rng: Prng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

function queryString(rng: Prng, parameters: Parameters, damage: number): string {
  if (parameters.length === 0) return rng.chance(0.05) ? rng.pick(['?', '?&', '?=', '?&&=&', '??']) : '';
  const pairs = parameters.map(([name, value]) => {
    const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
    return `${encodeValue(rng, name, damage)}=${encodeValue(rng, text, damage)}`;
  });
  return `?${pairs.join('&')}`;
}
