/**
 * Where an upstream provider sends the browser back (the redirect_uri to register there): one
 * per provider, so a code can only ever be exchanged with the provider that issued it (a defence
 * against mix-up attacks, with the `iss` response parameter when the provider sends it).
 */
export function callbackPath(providerId: string): string {
  return `/signin/oidc/callback/${encodeURIComponent(providerId)}`;
}

export function redirectUri(issuer: string, providerId: string): string {
  return `${issuer.replace(/\/+$/, '')}${callbackPath(providerId)}`;
}
