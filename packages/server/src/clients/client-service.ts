import type { UserStore } from '../accounts/stores.js';
import type { Actor } from '../audit/actor.js';
import type { AuditStore } from '../audit/audit-event.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../platform/clock.js';
import { InvalidInputError, NotFoundError } from '../platform/errors.js';
import type { InvalidationPublisher } from '../platform/invalidation/invalidation-bus.js';
import { randomId } from '../platform/random.js';
import { hashSecret } from '../platform/secret-hash.js';
import type { RunInTransaction } from '../platform/transaction.js';
import {
  type Client,
  type ClientKind,
  type ClientType,
  type GrantKind,
  type GrantType,
  secretIsValid,
} from './client.js';
import { clientCursor, clientPosition } from './client-cursor.js';
import { newClientSecret } from './client-secret.js';
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
  /** A personal client's owner, by username (the CLI) or id (the admin API). */
  readonly ownerUsername?: string;
  readonly ownerUserId?: string;
  /** Set for the clients users make themselves (own-clients.ts); null or left out: an administrator's. */
  readonly kind?: ClientKind | null;
  /** Seconds; null (or left out): the server's default. */
  readonly accessTokenTtl?: number | null;
  readonly refreshTokenTtl?: number | null;
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
export type UpdateClientInput = Partial<
  Omit<CreateClientInput, 'type' | 'ownerUsername' | 'ownerUserId' | 'kind'>
>;

export interface IssuedSecret {
  readonly client: Client;
  /** The plain secret: returned once, never stored. */
  readonly secret: string | undefined;
}

export interface RotatedSecret {
  readonly client: Client;
  /** The new secret: returned once, never stored. */
  readonly secret: string;
  /** When the secret it replaces stops working (now, without an overlap); null when there was none. */
  readonly previousSecretExpiresAt: Date | null;
}

/** The longest a replaced secret keeps working after a rotation. */
export const maxOverlapSeconds = 30 * 86_400;

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
    const redirectUris = uniqueUris(input.redirectUris ?? [], 'redirect URI');
    requireRedirectUri(grants, redirectUris);
    const now = clock.now();
    const client: Client = {
      id: randomId(), // a UUID: never begins with '-', so it is never taken for an option (issue 13)
      name: clientName(input.name),
      kind: input.kind ?? null,
      type,
      grantTypes: grants,
      redirectUris,
      postLogoutRedirectUris: uniqueUris(input.postLogoutRedirectUris ?? [], 'post-logout redirect URI'),
      scopes: await this.#knownScopes(input.scopes ?? defaultScopes(grants)),
      ownerUserId: await this.#ownerId(input),
      accessTokenTtl: ttl('access token lifetime', input.accessTokenTtl),
      refreshTokenTtl: ttl('refresh token lifetime', input.refreshTokenTtl),
      firstParty: input.firstParty ?? false,
      idTokenSignedResponseAlg: idTokenAlg(input.idTokenSignedResponseAlg),
      introspection: input.introspection ?? false,
      rateLimitTier: rateLimitTier(input.rateLimitTier, this.#deps.rateLimitTiers),
      rateLimit: rateLimit(input.rateLimit),
      createdAt: now,
      updatedAt: now,
      revokedAt: null,
    };
    const secret = type === 'confidential' ? newClientSecret() : undefined;
    await transaction(async (stores) => {
      await stores.clients.insert(client);
      if (secret !== undefined) {
        await stores.clients.insertSecret({
          id: randomId(),
          clientId: client.id,
          hash: hashSecret(secret),
          createdAt: now,
          expiresAt: null,
          lastUsed: null,
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
      input.redirectUris === undefined ? client.redirectUris : uniqueUris(input.redirectUris, 'redirect URI');
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
          : uniqueUris(input.postLogoutRedirectUris, 'post-logout redirect URI'),
      scopes: input.scopes === undefined ? client.scopes : await this.#knownScopes(input.scopes),
      accessTokenTtl:
        input.accessTokenTtl === undefined
          ? client.accessTokenTtl
          : ttl('access token lifetime', input.accessTokenTtl),
      refreshTokenTtl:
        input.refreshTokenTtl === undefined
          ? client.refreshTokenTtl
          : ttl('refresh token lifetime', input.refreshTokenTtl),
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

  /**
   * Issues a new secret. The one in use until now (its predecessor) keeps working for
   * `overlapSeconds` (0: it stops at once), so the client's deployments can switch over without
   * downtime; an older predecessor still in its overlap stops at once: at most two secrets work.
   */
  async rotateSecret(clientId: string, overlapSeconds: number, by: Actor): Promise<RotatedSecret> {
    const { clock, transaction, audit, invalidations } = this.#deps;
    if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > maxOverlapSeconds) {
      throw new InvalidInputError(
        `the rotation overlap must be a whole number of seconds from 0 to ${maxOverlapSeconds}`,
      );
    }
    const client = await this.get(clientId);
    if (client.revokedAt !== null) throw new InvalidInputError(`client '${clientId}' is revoked`);
    if (client.type !== 'confidential')
      throw new InvalidInputError(`client '${clientId}' is public and has no secret`);
    const now = clock.now();
    const secret = newClientSecret();
    const previousSecretExpiresAt = await transaction(async (stores) => {
      // Locked first: two rotations at once would each keep "the" predecessor, leaving three secrets.
      if ((await stores.clients.lock(clientId)) === undefined)
        throw new NotFoundError(`no client with id '${clientId}'`);
      const live = (await stores.clients.secretsOf(clientId)).filter((s) => secretIsValid(s, now));
      // The secret in use is the one without an end (a predecessor in its overlap has one); not
      // simply the newest, since two secrets made in the same millisecond have no order.
      const predecessor = live.find((s) => s.expiresAt === null) ?? live.at(-1);
      for (const older of live) if (older !== predecessor) await stores.clients.endSecret(older.id, now);
      let ends: Date | null = null;
      if (predecessor !== undefined) {
        const overlapEnd = new Date(now.getTime() + overlapSeconds * 1000);
        ends =
          predecessor.expiresAt !== null && predecessor.expiresAt < overlapEnd
            ? predecessor.expiresAt
            : overlapEnd;
        await stores.clients.endSecret(predecessor.id, ends);
      }
      await stores.clients.insertSecret({
        id: randomId(),
        clientId,
        hash: hashSecret(secret),
        createdAt: now,
        expiresAt: null,
        lastUsed: null,
      });
      await audit.record(
        {
          type: 'client.secret_rotated',
          ...by,
          subject: `client:${clientId}`,
          clientId,
          details: { overlap_seconds: overlapSeconds },
        },
        stores.audit,
      );
      return ends;
    });
    await invalidations.publish('client', clientId);
    return { client, secret, previousSecretExpiresAt };
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
        throw new InvalidInputError(`unknown scope '${name}'; create the scope first`);
      }
    }
    return unique;
  }

  async #ownerId(input: Pick<CreateClientInput, 'ownerUsername' | 'ownerUserId'>): Promise<string | null> {
    const { ownerUsername: username, ownerUserId: id } = input;
    if (username !== undefined && id !== undefined) throw new InvalidInputError('name the owner once');
    if (id !== undefined) {
      if ((await this.#deps.users.findById(id)) === undefined)
        throw new InvalidInputError(`no user with id '${id}' to own the client`);
      return id;
    }
    if (username === undefined) return null;
    const owner = await this.#deps.users.findByUsername(username);
    if (owner === undefined) throw new InvalidInputError(`no user named '${username}' to own the client`);
    return owner.id;
  }

  /** One page of clients in creation order, and the cursor of the next page (null after the last). */
  async page(query: ClientListQuery): Promise<{ clients: Client[]; nextCursor: string | null }> {
    const limit = query.limit ?? defaultPageSize;
    if (!Number.isInteger(limit) || limit < 1 || limit > maxPageSize) {
      throw new InvalidInputError(`a page holds 1 to ${maxPageSize} clients`);
    }
    const after = query.cursor === undefined ? undefined : clientPosition(query.cursor);
    // One more than asked: whether it exists says if there is a next page.
    const found = await this.#deps.clients.page({
      search: query.search,
      ownerUserId: query.ownerUserId,
      kind: query.kind,
      after,
      limit: limit + 1,
    });
    const clients = found.slice(0, limit);
    const last = clients.at(-1);
    return { clients, nextCursor: found.length > limit && last !== undefined ? clientCursor(last) : null };
  }

  /**
   * Deletes the client and, in the same transaction, everything issued to it (ClientStore.delete):
   * its sessions, refresh tokens, unexchanged codes and consents are gone, and the access tokens
   * it still holds are refused because they name a client that no longer exists (the one access
   * token check) — here at once, on other instances when the published invalidation arrives, as
   * for a revocation. Its audit events stay.
   */
  async delete(clientId: string, by: Actor): Promise<Client> {
    const { transaction, audit, invalidations } = this.#deps;
    const client = await this.get(clientId);
    await transaction(async (stores) => {
      if (!(await stores.clients.delete(clientId)))
        throw new NotFoundError(`no client with id '${clientId}'`);
      await audit.record(
        {
          type: 'client.deleted',
          ...by,
          subject: `client:${clientId}`,
          clientId,
          details: { name: client.name },
        },
        stores.audit,
      );
    });
    await invalidations.publish('client', clientId);
    return client;
  }
}

/** `page`'s query: a cursor from a previous page, or none for the first. */
export interface ClientListQuery {
  readonly search?: string;
  readonly ownerUserId?: string;
  /** null: the clients an administrator registered. */
  readonly kind?: ClientKind | null;
  readonly cursor?: string;
  readonly limit?: number;
}

const defaultPageSize = 50;
const maxPageSize = 200;
