import type { Actor } from '../../audit/actor.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Clock } from '../../platform/clock.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../platform/errors.js';
import type { InvalidationPublisher } from '../../platform/invalidation/invalidation-bus.js';
import { randomToken } from '../../platform/random.js';
import { redirectUri } from './callback-path.js';
import type { IdentityProvider, IdentityProviderStore } from './identity-provider.js';
import {
  defaultScopes,
  type NewProviderSettings,
  type ProviderSettings,
  validClientId,
  validClientSecret,
  validDomains,
  validGroupMap,
  validGroupsClaim,
  validIssuer,
  validName,
  validScopes,
  validUsernameClaim,
} from './provider-settings.js';
import type { SecretEncryption } from './secret-encryption.js';
import type { UpstreamMetadataCache } from './upstream-metadata.js';

interface IdentityProvidersDeps {
  readonly store: IdentityProviderStore;
  readonly encryption: SecretEncryption;
  readonly metadata: UpstreamMetadataCache;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly invalidations: InvalidationPublisher;
  /** Tessera's own issuer: the providers' redirect URIs live under it. */
  readonly issuer: string;
}

/**
 * Managing upstream providers (CLI `idp …`, admin API): created after their discovery document
 * answers with the same issuer (a typo is caught here, not at the first sign-in), client secrets
 * encrypted at rest, every change audited and published to every process's provider directory.
 */
export class IdentityProviders {
  readonly #deps: IdentityProvidersDeps;

  constructor(deps: IdentityProvidersDeps) {
    this.#deps = deps;
  }

  async create(settings: NewProviderSettings, by: Actor): Promise<IdentityProvider> {
    const issuer = validIssuer(settings.issuer);
    const clientId = validClientId(settings.clientId);
    const existing = await this.#deps.store.list();
    if (existing.some((p) => p.issuer === issuer && p.clientId === clientId))
      throw new ConflictError(`a provider with this issuer and client id exists already`);
    await this.#checkDiscovery(issuer);
    const id = `idp_${randomToken(9)}`;
    const now = this.#deps.clock.now();
    const provider = this.#apply(
      {
        id,
        name: new URL(issuer).hostname,
        issuer,
        clientId,
        encryptedClientSecret: null,
        scopes: defaultScopes,
        usernameClaim: 'email',
        groupsClaim: null,
        groupMap: {},
        allowedDomains: [],
        provisioning: true,
        linkByEmail: false,
        createdAt: now,
        updatedAt: now,
      },
      settings,
    );
    await this.#deps.store.insert(provider);
    await this.#audited('identity_provider.created', provider, by);
    return provider;
  }

  async update(id: string, settings: ProviderSettings, by: Actor): Promise<IdentityProvider> {
    const provider = this.#apply(await this.get(id), settings);
    const updated = { ...provider, updatedAt: this.#deps.clock.now() };
    await this.#deps.store.update(updated);
    await this.#audited('identity_provider.updated', updated, by);
    return updated;
  }

  async delete(id: string, by: Actor): Promise<IdentityProvider> {
    const provider = await this.get(id);
    await this.#deps.store.delete(id);
    await this.#audited('identity_provider.deleted', provider, by);
    return provider;
  }

  async get(id: string): Promise<IdentityProvider> {
    const provider = await this.#deps.store.findById(id);
    if (provider === undefined) throw new NotFoundError(`no identity provider has the id '${id}'`);
    return provider;
  }

  list(): Promise<IdentityProvider[]> {
    return this.#deps.store.list();
  }

  /** The callback to register at the upstream. */
  redirectUri(provider: IdentityProvider): string {
    return redirectUri(this.#deps.issuer, provider.id);
  }

  /** The provider's client secret, decrypted; null for a public client. */
  clientSecret(provider: IdentityProvider): string | null {
    const encrypted = provider.encryptedClientSecret;
    return encrypted === null ? null : this.#deps.encryption.decrypt(encrypted, provider.id);
  }

  #apply(provider: IdentityProvider, settings: ProviderSettings): IdentityProvider {
    const secret = settings.clientSecret;
    return {
      ...provider,
      name: settings.name === undefined ? provider.name : validName(settings.name),
      encryptedClientSecret:
        secret === undefined
          ? provider.encryptedClientSecret
          : this.#encrypted(validClientSecret(secret), provider.id),
      scopes: settings.scopes === undefined ? provider.scopes : validScopes(settings.scopes),
      usernameClaim:
        settings.usernameClaim === undefined
          ? provider.usernameClaim
          : validUsernameClaim(settings.usernameClaim),
      groupsClaim:
        settings.groupsClaim === undefined ? provider.groupsClaim : validGroupsClaim(settings.groupsClaim),
      groupMap: settings.groupMap === undefined ? provider.groupMap : validGroupMap(settings.groupMap),
      allowedDomains:
        settings.allowedDomains === undefined
          ? provider.allowedDomains
          : validDomains(settings.allowedDomains),
      provisioning: settings.provisioning ?? provider.provisioning,
      linkByEmail: settings.linkByEmail ?? provider.linkByEmail,
    };
  }

  #encrypted(secret: string | null, providerId: string): string | null {
    return secret === null ? null : this.#deps.encryption.encrypt(secret, providerId);
  }

  async #checkDiscovery(issuer: string): Promise<void> {
    this.#deps.metadata.forget(issuer);
    try {
      await this.#deps.metadata.metadata(issuer);
    } catch (error) {
      throw new InvalidInputError(
        `the issuer's discovery document is not usable: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  async #audited(
    type: 'identity_provider.created' | 'identity_provider.updated' | 'identity_provider.deleted',
    provider: IdentityProvider,
    by: Actor,
  ): Promise<void> {
    await this.#deps.audit.record({
      type,
      ...by,
      subject: `idp:${provider.id}`,
      details: { issuer: provider.issuer, client_id: provider.clientId, name: provider.name },
    });
    this.#deps.metadata.forget(provider.issuer);
    await this.#deps.invalidations.publish('identity-provider', provider.id);
  }
}
