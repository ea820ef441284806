import type { UserStore } from '../accounts/stores.js';
import type { AuditStore } from '../audit/audit-event.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../platform/clock.js';
import { InvalidInputError, NotFoundError } from '../platform/errors.js';
import type { InvalidationPublisher } from '../platform/invalidation/invalidation-bus.js';
import { randomId, randomToken } from '../platform/random.js';
import { hashSecret } from '../platform/secret-hash.js';
import type { RunInTransaction } from '../platform/transaction.js';
import type { Client, ClientType, GrantKind, GrantType } from './client.js';
import {
  clientName,
  clientType,
  defaultScopes,
  idTokenAlg,
  rateLimit,
  rateLimitTier,
  requireRedirectUri,
  ttl,
  uniqueUris,
} from './client-validation.js';
import type { ClientStore, ScopeStore } from './stores.js';

export interface CreateClientInput {
  readonly name: string;
  readonly type: string;
  readonly grantTypes?: readonly string[];
  readonly redirectUris?: readonly string[];
  readonly postLogoutRedirectUris?: readonly string[];
  readonly scopes?: readonly string[];
  readonly ownerUsername?: string;
  readonly accessTokenTtl?: number;
  readonly refreshTokenTtl?: number;
  readonly firstParty?: boolean;
  readonly idTokenSignedResponseAlg?: string;
  /** May introspect any token (a resource server). */
  readonly introspection?: boolean;
  /** A configured tier name; null clears it. */
  readonly rateLimitTier?: string | null;
  /** Requests per minute, winning over the tier; null clears it. */
  readonly rateLimit?: number | null;
}

/** `client update`: each field given replaces the client's; the type and owner stay. */
export type UpdateClientInput = Partial<Omit<CreateClientInput, 'type' | 'ownerUsername'>>;

export interface IssuedSecret {
  readonly client: Client;
  /** The plain secret: returned once, never stored. */
  readonly secret: string | undefined;
}

/** Who performs a management action, for the audit log. */
export interface Actor {
  readonly actor: string;
  readonly ip?: string | null;
  readonly userAgent?: string | null;
}

const maxGraceSeconds = 30 * 86_400;

interface ClientServiceDeps {
  readonly clients: ClientStore;
  readonly scopes: ScopeStore;
  readonly users: UserStore;
  readonly transaction: RunInTransaction<{ clients: ClientStore; audit: AuditStore }>;
  /** Every change is published after its commit: client caches here and on every instance drop it. */
  readonly invalidations: InvalidationPublisher;
  readonly audit: AuditLog;
  readonly clock: Clock;
  /** The grants the token endpoint serves, in the order error messages list them. */
  readonly grants: readonly GrantKind[];
  /** The rate-limit tiers configured (TESSERA_RATE_LIMIT_TIERS). */
  readonly rateLimitTiers: readonly string[];
}

/** Registering, listing, rotating and revoking OAuth clients. */
export class ClientService {
  readonly #deps: ClientServiceDeps;

  constructor(deps: ClientServiceDeps) {
    this.#deps = deps;
  }

  async create(input: CreateClientInput, by: Actor): Promise<IssuedSecret> {
    const { clock, transaction, audit } = this.#deps;
    const type = clientType(input.type);
    const grants = await this.#grants(type, input.grantTypes);
    const redirectUris = uniqueUris(input.redirectUris ?? [], '--redirect-uri');
    requireRedirectUri(grants, redirectUris);
    const now = clock.now();
    const client: Client = {
      id: randomId(), // a UUID: never begins with '-', so it is never taken for an option (issue 13)
      name: clientName(input.name),
      type,
      grantTypes: grants,
      redirectUris,
      postLogoutRedirectUris: uniqueUris(input.postLogoutRedirectUris ?? [], '--post-logout-redirect-uri'),
      scopes: await this.#knownScopes(input.scopes ?? defaultScopes(grants)),
      ownerUserId: await this.#ownerId(input.ownerUsername),
      accessTokenTtl: ttl('--access-token-ttl', input.accessTokenTtl),
      refreshTokenTtl: ttl('--refresh-token-ttl', input.refreshTokenTtl),
      firstParty: input.firstParty ?? false,
      idTokenSignedResponseAlg: idTokenAlg(input.idTokenSignedResponseAlg),
      introspection: input.introspection ?? false,
      rateLimitTier: rateLimitTier(input.rateLimitTier, this.#deps.rateLimitTiers),
      rateLimit: rateLimit(input.rateLimit),
      createdAt: now,
      updatedAt: now,
      revokedAt: null,
    };
    const secret = type === 'confidential' ? randomToken(32) : undefined;
    await transaction(async (stores) => {
      await stores.clients.insert(client);
      if (secret !== undefined) {
        await stores.clients.insertSecret({
          id: randomId(),
          clientId: client.id,
          hash: hashSecret(secret),
          createdAt: now,
          expiresAt: null,
        });
      }
      await audit.record(
        {
          type: 'client.created',
          ...by,
          subject: `client:${client.id}`,
          clientId: client.id,
          details: { name: client.name },
        },
        stores.audit,
      );
    });
    // A new public client brings browser origins (CORS) with it.
    await this.#deps.invalidations.publish('client', client.id);
    return { client, secret };
  }

  /** Changes a client's registration; its id, type, owner and secrets stay. */
  async update(clientId: string, input: UpdateClientInput, by: Actor): Promise<Client> {
    const { clock, transaction, audit, invalidations } = this.#deps;
    const client = await this.get(clientId);
    if (client.revokedAt !== null) throw new InvalidInputError(`client '${clientId}' is revoked`);
    const grantTypes =
      input.grantTypes === undefined ? client.grantTypes : await this.#grants(client.type, input.grantTypes);
    const redirectUris =
      input.redirectUris === undefined
        ? client.redirectUris
        : uniqueUris(input.redirectUris, '--redirect-uri');
    requireRedirectUri(grantTypes, redirectUris);
    const now = clock.now();
    const updated: Client = {
      ...client,
      name: input.name === undefined ? client.name : clientName(input.name),
      grantTypes,
      redirectUris,
      postLogoutRedirectUris:
        input.postLogoutRedirectUris === undefined
          ? client.postLogoutRedirectUris
          : uniqueUris(input.postLogoutRedirectUris, '--post-logout-redirect-uri'),
      scopes: input.scopes === undefined ? client.scopes : await this.#knownScopes(input.scopes),
      accessTokenTtl:
        input.accessTokenTtl === undefined
          ? client.accessTokenTtl
          : ttl('--access-token-ttl', input.accessTokenTtl),
      refreshTokenTtl:
        input.refreshTokenTtl === undefined
          ? client.refreshTokenTtl
          : ttl('--refresh-token-ttl', input.refreshTokenTtl),
      firstParty: input.firstParty ?? client.firstParty,
      idTokenSignedResponseAlg:
        input.idTokenSignedResponseAlg === undefined
          ? client.idTokenSignedResponseAlg
          : idTokenAlg(input.idTokenSignedResponseAlg),
      introspection: input.introspection ?? client.introspection,
      rateLimitTier:
        input.rateLimitTier === undefined
          ? client.rateLimitTier
          : rateLimitTier(input.rateLimitTier, this.#deps.rateLimitTiers),
      rateLimit: input.rateLimit === undefined ? client.rateLimit : rateLimit(input.rateLimit),
      updatedAt: now,
    };
    const changed = Object.keys(input).filter((key) => input[key as keyof UpdateClientInput] !== undefined);
    await transaction(async (stores) => {
      await stores.clients.update(updated);
      await audit.record(
        {
          type: 'client.updated',
          ...by,
          subject: `client:${clientId}`,
          clientId,
          details: { changed: changed.sort().join(' ') },
        },
        stores.audit,
      );
    });
    await invalidations.publish('client', clientId);
    return updated;
  }

  list(): Promise<Client[]> {
    return this.#deps.clients.list();
  }

  async get(clientId: string): Promise<Client> {
    const client = await this.#deps.clients.findById(clientId);
    if (client === undefined) throw new NotFoundError(`no client with id '${clientId}'`);
    return client;
  }

  /** Issues a new secret; the old ones stay valid for `graceSeconds` (0: they stop at once). */
  async rotateSecret(clientId: string, graceSeconds: number, by: Actor): Promise<IssuedSecret> {
    const { clock, transaction, audit, invalidations } = this.#deps;
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > maxGraceSeconds) {
      throw new InvalidInputError(`--grace must be a whole number of seconds from 0 to ${maxGraceSeconds}`);
    }
    const client = await this.get(clientId);
    if (client.revokedAt !== null) throw new InvalidInputError(`client '${clientId}' is revoked`);
    if (client.type !== 'confidential')
      throw new InvalidInputError(`client '${clientId}' is public and has no secret`);
    const now = clock.now();
    const secret = randomToken(32);
    const secretId = randomId();
    await transaction(async (stores) => {
      await stores.clients.insertSecret({
        id: secretId,
        clientId,
        hash: hashSecret(secret),
        createdAt: now,
        expiresAt: null,
      });
      await stores.clients.expireSecrets(clientId, new Date(now.getTime() + graceSeconds * 1000), secretId);
      await audit.record(
        {
          type: 'client.secret_rotated',
          ...by,
          subject: `client:${clientId}`,
          clientId,
          details: { grace_seconds: graceSeconds },
        },
        stores.audit,
      );
    });
    await invalidations.publish('client', clientId);
    return { client, secret };
  }

  /** Revokes the client: its secrets stop working and introspection reports its tokens inactive. */
  async revoke(clientId: string, by: Actor): Promise<Client> {
    const { clock, transaction, audit, invalidations } = this.#deps;
    const client = await this.get(clientId);
    if (client.revokedAt !== null) return client;
    const now = clock.now();
    const revoked: Client = { ...client, revokedAt: now, updatedAt: now };
    await transaction(async (stores) => {
      await stores.clients.update(revoked);
      await audit.record(
        { type: 'client.revoked', ...by, subject: `client:${clientId}`, clientId },
        stores.audit,
      );
    });
    await invalidations.publish('client', clientId);
    return revoked;
  }

  async #grants(type: ClientType, requested: readonly string[] | undefined): Promise<GrantType[]> {
    if (requested === undefined || requested.length === 0) {
      return type === 'public' ? ['authorization_code', 'refresh_token'] : ['client_credentials'];
    }
    const known = this.#deps.grants;
    const result: GrantType[] = [];
    for (const grant of new Set(requested)) {
      const kind = known.find((k) => k.type === grant);
      if (kind === undefined) {
        const names = known.map((k) => k.type).join(', ');
        throw new InvalidInputError(`unknown grant '${grant}'; use one of ${names}`);
      }
      if (type === 'public' && !kind.allowsPublicClients) {
        throw new InvalidInputError(`a public client cannot use the ${grant} grant (it has no secret)`);
      }
      result.push(grant);
    }
    return result;
  }

  async #knownScopes(names: readonly string[]): Promise<string[]> {
    const unique = [...new Set(names)];
    for (const name of unique) {
      if ((await this.#deps.scopes.findByName(name)) === undefined) {
        throw new InvalidInputError(
          `unknown scope '${name}'; create it first with \`npm run tessera -- scope create ${name}\``,
        );
      }
    }
    return unique;
  }

  async #ownerId(username: string | undefined): Promise<string | null> {
    if (username === undefined) return null;
    const owner = await this.#deps.users.findByUsername(username);
    if (owner === undefined) throw new InvalidInputError(`--owner: no user named '${username}'`);
    return owner.id;
  }
}
