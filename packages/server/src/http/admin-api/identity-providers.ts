import type { IdentityProvider } from '../../accounts/federation/identity-provider.js';
import { identityProviderJson, identityProviderJsonSchema } from '../../presenters/identity-provider.js';
import type { Services } from '../../services.js';
import { actorOf } from '../api/actor.js';
import { boundedText } from '../schemas/parameters.js';
import { sessionErrorResponses } from '../schemas/session-api.js';
import type { App } from '../types.js';

const tags = ['admin'];
const settings = {
  name: boundedText(100),
  /** Write-only: stored encrypted, never answered. Null removes it (a public client, PKCE only). */
  client_secret: { anyOf: [boundedText(1000), { type: 'null' }] },
  scopes: { type: 'array', items: boundedText(128), maxItems: 50 },
  username_claim: { type: 'string', enum: ['email', 'preferred_username'] },
  groups_claim: { anyOf: [boundedText(200), { type: 'null' }] },
  group_map: { type: 'object', additionalProperties: boundedText(200), maxProperties: 500 },
  allowed_domains: { type: 'array', items: boundedText(253), maxItems: 100 },
  provisioning: { type: 'boolean' },
  link_by_email: { type: 'boolean' },
} as const;
const providerParams = {
  type: 'object',
  properties: { id: boundedText(100) },
  required: ['id'],
} as const;
const providerResponse = { 200: identityProviderJsonSchema, ...sessionErrorResponses } as const;

type SettingsBody = {
  name?: string;
  client_secret?: string | null;
  scopes?: readonly string[];
  username_claim?: string;
  groups_claim?: string | null;
  group_map?: Record<string, string>;
  allowed_domains?: readonly string[];
  provisioning?: boolean;
  link_by_email?: boolean;
};

function settingsOf(body: SettingsBody) {
  return {
    name: body.name,
    clientSecret: body.client_secret,
    scopes: body.scopes,
    usernameClaim: body.username_claim,
    groupsClaim: body.groups_claim,
    groupMap: body.group_map,
    allowedDomains: body.allowed_domains,
    provisioning: body.provisioning,
    linkByEmail: body.link_by_email,
  };
}

/** /admin/api/identity-providers: upstream OpenID providers for federated sign-in (as the CLI's `idp`). */
export function adminIdentityProviderRoutes(app: App, services: Services): void {
  const { providers } = services.federation;
  const json = (provider: IdentityProvider) =>
    identityProviderJson(provider, providers.redirectUri(provider));

  app.get(
    '/identity-providers',
    {
      schema: {
        summary: 'List upstream identity providers',
        tags,
        response: {
          200: {
            type: 'object',
            properties: { identity_providers: { type: 'array', items: identityProviderJsonSchema } },
            required: ['identity_providers'],
          },
          ...sessionErrorResponses,
        },
      },
    },
    async function listIdentityProviders() {
      return { identity_providers: (await providers.list()).map(json) };
    },
  );

  app.post(
    '/identity-providers',
    {
      schema: {
        summary: 'Add an upstream identity provider',
        description:
          "The issuer's discovery document must answer with exactly this issuer. The answer's " +
          'redirect_uri is the callback to register at the provider.',
        tags,
        body: {
          type: 'object',
          properties: { issuer: boundedText(500), client_id: boundedText(500), ...settings },
          required: ['issuer', 'client_id'],
          additionalProperties: false,
        },
        response: { 201: identityProviderJsonSchema, ...sessionErrorResponses },
      },
    },
    async function createIdentityProvider(request, reply) {
      const body = request.body;
      const provider = await providers.create(
        { issuer: body.issuer, clientId: body.client_id, ...settingsOf(body) },
        actorOf(request),
      );
      reply.status(201);
      return json(provider);
    },
  );

  app.get(
    '/identity-providers/:id',
    {
      schema: {
        summary: 'Read an upstream identity provider',
        tags,
        params: providerParams,
        response: providerResponse,
      },
    },
    async function getIdentityProvider(request) {
      return json(await providers.get(request.params.id));
    },
  );

  app.patch(
    '/identity-providers/:id',
    {
      schema: {
        summary: "Change an upstream identity provider's settings (issuer and client id stay)",
        tags,
        params: providerParams,
        body: { type: 'object', properties: settings, additionalProperties: false },
        response: providerResponse,
      },
    },
    async function updateIdentityProvider(request) {
      return json(await providers.update(request.params.id, settingsOf(request.body), actorOf(request)));
    },
  );

  app.delete(
    '/identity-providers/:id',
    {
      schema: {
        summary: 'Remove an upstream identity provider',
        description:
          'Its sign-ins stop at once. The accounts it created and their links stay: adding the ' +
          'provider again (same issuer) signs the same people in to the same accounts.',
        tags,
        params: providerParams,
        response: { 204: { type: 'null' }, ...sessionErrorResponses },
      },
    },
    async function deleteIdentityProvider(request, reply) {
      await providers.delete(request.params.id, actorOf(request));
      reply.status(204).send(null);
    },
  );
}
