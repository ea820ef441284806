/** The session API's paths: errors on them, even before routing, speak its envelope. */
export const sessionApiPaths: ReadonlySet<string> = new Set(['/login', '/token', '/me', '/logout']);

/** Whether a request target (path and query) is on the session API. */
export function onSessionApi(target: string): boolean {
  return sessionApiPaths.has(target.split('?', 1)[0] as string);
}
