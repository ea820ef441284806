/**
 * The origins a client's fetch attaches the access token to: the issuer's and those the app
 * names in `apiOrigins`. Checked once, in the factory: each must be an http(s) URL without a path.
 */
export function tokenOriginsOf(
  issuer: string,
  apiOrigins: readonly string[] | undefined,
  factory: string,
): Set<string> {
  const origins = new Set([new URL(issuer).origin]);
  for (const value of apiOrigins ?? []) {
    const url = URL.canParse(value) ? new URL(value) : undefined;
    if (url === undefined || !/^https?:$/.test(url.protocol) || url.pathname !== '/' || url.search !== '')
      throw new TypeError(
        `${factory}: apiOrigins must be origins such as https://api.example.com (got ${value})`,
      );
    origins.add(url.origin);
  }
  return origins;
}
