import type { User } from '../accounts/user.js';
import type { Actor } from '../audit/actor.js';
import type { Clock } from '../platform/clock.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../platform/errors.js';
import { type Client, type ClientKind, type ClientSecret, clientKinds, secretIsValid } from './client.js';
import type { ClientService, RotatedSecret } from './client-service.js';
import { builtInScopes } from './scope.js';
import type { ClientStore, ClientUsageStore, ScopeStore } from './stores.js';
import { type UsageDay, usageDays } from './usage-report.js';

export interface OwnClientInput {
  readonly name: string;
  readonly kind: string;
  /** Without: `openid profile email` for a personal client, none for an API key. */
  readonly scopes?: readonly string[];
}

export interface CreatedOwnClient {
  readonly client: Client;
  /** Shown once; only its hash is kept. */
  readonly secret: string;
}

/** A client with the secrets that still work (two during a rotation overlap). */
export interface OwnClient {
  readonly client: Client;
  readonly secrets: readonly ClientSecret[];
}

/** Clients one person may own at once: enough for every app and script, not a store of rows. */
export const maxOwnClients = 50;

const signInScopes: ReadonlySet<string> = new Set(builtInScopes.map((s) => s.name));

interface OwnClientsDeps {
  readonly clients: ClientService;
  readonly store: ClientStore;
  readonly scopes: ScopeStore;
  readonly usage: ClientUsageStore;
  readonly clock: Clock;
}

/**
 * The self-service side of clients: what a signed-in person may do with clients of their own.
 * - `personal` (SPEC's personal API client): confidential, the password grant (and refresh
 *   tokens); it authenticates its owner only (the password grant's owner rule).
 * - `api_key`: confidential, client credentials, tokens for the key itself.
 * Either takes any registered scope except the restricted ones (SPEC), an API key no OpenID
 * Connect scope (its tokens sign no one in). The rate-limit tier is an administrator's to set:
 * nothing here changes it. Another person's client, or a revoked one, is "not found".
 */
export class OwnClients {
  readonly #deps: OwnClientsDeps;

  constructor(deps: OwnClientsDeps) {
    this.#deps = deps;
  }

  async create(owner: User, input: OwnClientInput, by: Actor): Promise<CreatedOwnClient> {
    if (owner.kind !== 'user') throw new InvalidInputError('a service account cannot own clients');
    const kind = clientKind(input.kind);
    const scopes = await this.#grantable(
      kind,
      input.scopes ?? (kind === 'personal' ? ['openid', 'profile', 'email'] : []),
    );
    if ((await this.#deps.store.listOwnedBy(owner.id)).length >= maxOwnClients) {
      throw new ConflictError(`you may own at most ${maxOwnClients} clients; delete one first`);
    }
    const issued = await this.#deps.clients.create(
      {
        name: input.name,
        type: 'confidential',
        kind,
        grantTypes: kind === 'personal' ? ['password', 'refresh_token'] : ['client_credentials'],
        scopes,
        ownerUserId: owner.id,
      },
      by,
    );
    return { client: issued.client, secret: issued.secret as string };
  }

  /** The person's clients, oldest first, each with the secrets that still work. */
  async list(owner: User): Promise<OwnClient[]> {
    const now = this.#deps.clock.now();
    const clients = (await this.#deps.store.listOwnedBy(owner.id)).filter((c) => isOwnKind(c.kind));
    return Promise.all(
      clients.map(async (client) => ({
        client,
        secrets: (await this.#deps.store.secretsOf(client.id)).filter((s) => secretIsValid(s, now)),
      })),
    );
  }

  async get(owner: User, clientId: string): Promise<Client> {
    const client = await this.#deps.store.findById(clientId);
    // Only the clients a person made themself: one an admin registered with them as owner (perhaps
    // with restricted scopes) stays the admin's to rotate and revoke.
    if (
      client === undefined ||
      client.ownerUserId !== owner.id ||
      client.revokedAt !== null ||
      !isOwnKind(client.kind)
    ) {
      throw new NotFoundError(`you have no client with id '${clientId}'`);
    }
    return client;
  }

  async rotate(owner: User, clientId: string, overlapSeconds: number, by: Actor): Promise<RotatedSecret> {
    await this.get(owner, clientId);
    return this.#deps.clients.rotateSecret(clientId, overlapSeconds, by);
  }

  /** Revokes the client: refused at once here, and on every instance once the invalidation arrives. */
  async revoke(owner: User, clientId: string, by: Actor): Promise<void> {
    await this.get(owner, clientId);
    await this.#deps.clients.revoke(clientId, by);
  }

  async usage(owner: User, clientId: string, days: number): Promise<UsageDay[]> {
    await this.get(owner, clientId);
    return usageDays(this.#deps.usage, clientId, days, this.#deps.clock.now());
  }

  /** SPEC: "scopes no wider than the owner may grant": registered, and not restricted. */
  async #grantable(kind: ClientKind, names: readonly string[]): Promise<string[]> {
    const unique = [...new Set(names)];
    for (const name of unique) {
      const scope = await this.#deps.scopes.findByName(name);
      if (scope === undefined) throw new InvalidInputError(`unknown scope '${name}'`);
      if (scope.restricted) {
        throw new InvalidInputError(`the scope '${name}' is restricted: only an administrator can grant it`);
      }
      if (kind === 'api_key' && signInScopes.has(name)) {
        throw new InvalidInputError(`an API key takes API scopes; '${name}' is for signing people in`);
      }
    }
    return unique;
  }
}

function clientKind(value: string): ClientKind {
  if ((clientKinds as readonly string[]).includes(value)) return value as ClientKind;
  throw new InvalidInputError(`the kind must be one of ${clientKinds.join(', ')}`);
}

function isOwnKind(kind: string | null): boolean {
  return (clientKinds as readonly (string | null)[]).includes(kind);
}
