/** The session API's paths: errors on them, even before routing, speak its envelope. */
export const sessionApiPaths: ReadonlySet<string> = new Set([
  '/login',
  '/oidc-login',
  '/token',
  '/me',
  '/logout',
]);

/** The admin and self-service APIs answer in the same envelope. */
const envelopePrefixes = ['/admin/api/', '/account/api/'];

/** Whether a request target (path and query) is on the session API, or the admin or self-service API. */
export function onSessionApi(target: string): boolean {
  const path = target.split('?', 1)[0] as string;
  return sessionApiPaths.has(path) || envelopePrefixes.some((prefix) => path.startsWith(prefix));
}
