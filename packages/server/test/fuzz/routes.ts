import { onSessionApi } from '../../src/http/session-api/paths.js';
import type { App } from '../../src/http/types.js';

/** The error shape a route answers in (SPEC: OAuth JSON, the session API's envelope, or a page). */
export type Family = 'oauth' | 'session' | 'page';

export interface Route {
  /** The registered path; `*` and `:name` segments are filled in per request. */
  readonly path: string;
  readonly methods: readonly string[];
  readonly family: Family;
  /** Parameter names the route documents, in its query or its body. */
  readonly parameters: readonly string[];
  /** The body types it documents (none for a route without a body). */
  readonly bodyTypes: readonly string[];
}

interface Operation {
  readonly tags?: readonly string[];
  readonly parameters?: ReadonlyArray<{ readonly name: string }>;
  readonly requestBody?: {
    readonly content?: Record<string, { readonly schema?: { readonly properties?: object } }>;
  };
  readonly responses?: Record<string, { readonly content?: Record<string, { readonly schema?: object }> }>;
}

/**
 * Every route the app registered, from Fastify's own route tree (so a new route is fuzzed without
 * an edit here), with what its OpenAPI operation says about its parameters and error shape.
 */
export async function enumerateRoutes(app: App): Promise<Route[]> {
  const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, Operation>>;
  };
  return routeTree(app.printRoutes({ commonPrefix: false })).map(({ path, methods }) => {
    // OpenAPI writes a path parameter as {name} where Fastify writes :name.
    const operations = Object.values(document.paths[path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')] ?? {});
    const parameters = new Set<string>();
    const bodyTypes = new Set<string>();
    for (const operation of operations) {
      for (const parameter of operation.parameters ?? []) parameters.add(parameter.name);
      for (const [type, content] of Object.entries(operation.requestBody?.content ?? {})) {
        bodyTypes.add(type);
        for (const name of Object.keys(content.schema?.properties ?? {})) parameters.add(name);
      }
    }
    return {
      path,
      methods,
      family: familyOf(path, operations),
      parameters: [...parameters],
      bodyTypes: [...bodyTypes],
    };
  });
}

/**
 * Pages are the routes documented with HTML (a string) as their 4xx answer, or tagged `pages`;
 * the session API is the set of paths its own module names; everything else speaks RFC 6749.
 */
function familyOf(path: string, operations: readonly Operation[]): Family {
  if (onSessionApi(path)) return 'session';
  const isPage = operations.some(
    (operation) =>
      operation.tags?.includes('pages') === true ||
      Object.entries(operation.responses ?? {}).some(
        ([status, response]) =>
          status.startsWith('4') &&
          Object.values(response.content ?? {}).some(
            (content) => (content.schema as { type?: unknown } | undefined)?.type === 'string',
          ),
      ),
  );
  return isPage ? 'page' : 'oauth';
}

/**
 * Parses `printRoutes({ commonPrefix: false })`: one node per line, four columns of indent per
 * level, the node's label (a piece of the path, appended to its parent's) and its methods.
 */
export function routeTree(printed: string): Array<{ path: string; methods: string[] }> {
  const routes: Array<{ path: string; methods: string[] }> = [];
  const stack: string[] = [];
  for (const line of printed.split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (match === null) continue;
    const depth = (match[1] as string).length / 4;
    stack.length = depth;
    stack.push(match[2] as string);
    if (match[3] === undefined) continue;
    routes.push({ path: stack.join(''), methods: match[3].split(',').map((m) => m.trim()) });
  }
  return routes;
}

/** The family whose shape an answer must have: the route's, or the not-found handler's. */
export function expectedFamily(routes: readonly Route[], method: string, path: string): Family {
  const route = routes.find((r) => r.path === path && r.methods.includes(method));
  if (route !== undefined) return route.family;
  return onSessionApi(path) ? 'session' : 'oauth';
}
