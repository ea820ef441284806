import { randomBytes } from 'node:crypto';
import { importJWK, type JWTPayload, SignJWT } from 'jose';
import type { IdentityProvider } from '../../src/accounts/federation/identity-provider.js';
import type { NewProviderSettings } from '../../src/accounts/federation/provider-settings.js';
import type { App } from '../../src/http/types.js';
import type { Services } from '../../src/services.js';
import type { UpstreamClient, UpstreamProvider, UpstreamSigningKey } from '../helpers/upstream-provider.js';

/** The app that posts its users' id_tokens to POST /oidc-login (its client at the upstream). */
export const flowApp: UpstreamClient = {
  client_id: 'flow-app',
  client_secret: 'flow-app-secret-0123456789-abcdefghij',
  redirect_uris: ['http://127.0.0.1:9/callback'],
};

export const envelope = (message: string, code: string) => ({ errors: [{ message, extensions: { code } }] });

/** Adds the upstream as a provider of `services`, for the flow app unless told otherwise. */
export function addProvider(
  services: Services,
  upstream: UpstreamProvider,
  settings: Partial<NewProviderSettings> = {},
): Promise<IdentityProvider> {
  return services.federation.providers.create(
    { issuer: upstream.issuer, clientId: flowApp.client_id, name: 'Acme SSO', ...settings },
    { actor: 'test' },
  );
}

/** A fresh upstream account (its `sub`) with these claims. */
export function upstreamAccount(upstream: UpstreamProvider, claims: Record<string, unknown>): string {
  const sub = `user-${randomBytes(6).toString('hex')}`;
  upstream.accounts.set(sub, claims);
  return sub;
}

export function oidcLogin(app: App, body: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: '/oidc-login', payload: body });
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Claims as the upstream would sign them for the flow app; `overrides` change or (undefined) drop some. */
export function claims(upstream: UpstreamProvider, overrides: Record<string, unknown> = {}): JWTPayload {
  const base: Record<string, unknown> = {
    iss: upstream.issuer,
    aud: flowApp.client_id,
    sub: `forged-${randomBytes(4).toString('hex')}`,
    email: 'forged@example.com',
    email_verified: true,
    iat: nowSeconds(),
    exp: nowSeconds() + 300,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined));
}

/** Signs `payload` with `key` (the upstream's own by default): tokens the upstream would never issue. */
export async function signWith(key: UpstreamSigningKey, payload: JWTPayload, kid = key.kid): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid })
    .sign(await importJWK(key.privateJwk, key.alg));
}

/** An unsigned token (`alg: none`). */
export function unsigned(payload: JWTPayload): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}

/** HS256 with the provider's public key as the HMAC secret: the algorithm-confusion attack. */
export async function hmacWithPublicKey(key: UpstreamSigningKey, payload: JWTPayload): Promise<string> {
  const { createPublicKey } = await import('node:crypto');
  const pem = createPublicKey({ key: key.publicJwk as never, format: 'jwk' }).export({
    type: 'spki',
    format: 'pem',
  });
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', kid: key.kid })
    .sign(new TextEncoder().encode(String(pem)));
}
