import type { AuditStore } from '../../audit/audit-event.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Clock } from '../../platform/clock.js';
import type { RunInTransaction } from '../../platform/transaction.js';
import { newAccount } from '../new-account.js';
import type { UserStore } from '../stores.js';
import type { User } from '../user.js';
import type { UpstreamProfile } from './claim-mapping.js';
import type { FederatedIdentityStore, IdentityProvider } from './identity-provider.js';
import { UpstreamTokenRejected } from './upstream-rejection.js';

/** The stores one federated sign-in writes, bound to one transaction. */
export interface FederationStores {
  readonly users: UserStore;
  readonly identities: FederatedIdentityStore;
  readonly audit: AuditStore;
}

interface FederatedAccountsDeps {
  readonly transaction: RunInTransaction<FederationStores>;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

export interface UpstreamIdentity {
  readonly provider: IdentityProvider;
  readonly issuer: string;
  readonly subject: string;
  readonly profile: UpstreamProfile;
}

/**
 * The account an upstream identity signs in to (issue 18 §4). The identity (issuer, subject) is
 * the key: once linked it stays with its account, whatever email the provider asserts later.
 * An unknown identity is linked to the one person with its verified email when the provider has
 * link-by-email, else given a new account when the provider provisions, else refused. The account
 * is then updated from the claims (email, names, and groups when the provider manages them).
 */
export class FederatedAccounts {
  readonly #deps: FederatedAccountsDeps;

  constructor(deps: FederatedAccountsDeps) {
    this.#deps = deps;
  }

  async signIn(identity: UpstreamIdentity): Promise<User> {
    try {
      return await this.#deps.transaction((stores) => this.#signIn(identity, stores));
    } catch (error) {
      if (error instanceof UpstreamTokenRejected) throw error;
      // Two first sign-ins of one identity at once: the loser's insert conflicted; the winner's
      // identity is there now, and this attempt simply signs in to it.
      return this.#deps.transaction((stores) => this.#signIn(identity, stores));
    }
  }

  async #signIn(identity: UpstreamIdentity, stores: FederationStores): Promise<User> {
    const { provider, issuer, subject, profile } = identity;
    const now = this.#deps.clock.now();
    const linked = await stores.identities.find(issuer, subject);
    if (linked !== undefined) {
      const user = await stores.users.findById(linked.userId);
      if (user === undefined) throw new Error('a federated identity outlived its account');
      await stores.identities.recordSignIn(issuer, subject, now, provider.id, profile.email);
      return this.#refresh(user, profile, stores, now);
    }

    const byEmail = await this.#linkable(provider, profile, stores);
    if (byEmail !== undefined) {
      await this.#link(byEmail, identity, stores, now, 'verified_email');
      return this.#refresh(byEmail, profile, stores, now);
    }
    if (!provider.provisioning)
      throw new UpstreamTokenRejected(
        'no account is linked to this identity, and the provider does not create accounts (provisioning is off)',
      );
    return this.#provision(identity, stores, now);
  }

  /** The one person whose verified email is the upstream's verified email, when the provider links by email. */
  async #linkable(
    provider: IdentityProvider,
    profile: UpstreamProfile,
    stores: FederationStores,
  ): Promise<User | undefined> {
    if (!provider.linkByEmail || profile.email === null || profile.emailVerified !== true) return undefined;
    const ids = await stores.identities.peopleWithEmail(profile.email);
    if (ids.length > 1)
      throw new UpstreamTokenRejected(
        'several accounts have this email; an administrator must link the identity to one of them',
      );
    if (ids[0] === undefined) return undefined;
    // The local address must be verified too: a person may set any email on their own profile
    // (PATCH /account/api/profile), and an unverified one must not catch someone's identity.
    const person = await stores.users.findById(ids[0]);
    return person?.attributes.email_verified === true ? person : undefined;
  }

  async #provision(identity: UpstreamIdentity, stores: FederationStores, now: Date): Promise<User> {
    const { provider, profile } = identity;
    const username = profile.username;
    if (username === null)
      throw new UpstreamTokenRejected(
        `the id_token has no usable ${provider.usernameClaim} claim to name a new account`,
      );
    if ((await stores.users.findByUsername(username)) !== undefined)
      throw new UpstreamTokenRejected(
        'an account with this username exists and is not linked to this identity; an administrator must link them',
      );
    const user = newAccount(
      {
        username,
        kind: 'user',
        email: profile.email,
        firstName: profile.firstName ?? '',
        lastName: profile.lastName ?? '',
        groups: profile.groups ?? [],
      },
      now,
    );
    await stores.users.insert(user);
    await this.#deps.audit.record(
      {
        type: 'user.created',
        actor: `idp:${provider.id}`,
        subject: `user:${user.id}`,
        details: { username, via: 'federated_sign_in', issuer: identity.issuer },
      },
      stores.audit,
    );
    await this.#link(user, identity, stores, now, 'provisioned');
    return user;
  }

  async #link(
    user: User,
    identity: UpstreamIdentity,
    stores: FederationStores,
    now: Date,
    how: 'verified_email' | 'provisioned',
  ): Promise<void> {
    await stores.identities.insert({
      issuer: identity.issuer,
      subject: identity.subject,
      userId: user.id,
      providerId: identity.provider.id,
      email: identity.profile.email,
      createdAt: now,
      lastSignInAt: now,
    });
    await this.#deps.audit.record(
      {
        type: 'federated_identity.linked',
        actor: `idp:${identity.provider.id}`,
        subject: `user:${user.id}`,
        details: { issuer: identity.issuer, subject: identity.subject, how },
      },
      stores.audit,
    );
  }

  /** The account with what the provider now says; written only when something changed. */
  async #refresh(user: User, profile: UpstreamProfile, stores: FederationStores, now: Date): Promise<User> {
    const updated: User = {
      ...user,
      email: profile.email ?? user.email,
      firstName: profile.firstName ?? user.firstName,
      lastName: profile.lastName ?? user.lastName,
      groups: profile.groups ?? user.groups,
    };
    const changed =
      updated.email !== user.email ||
      updated.firstName !== user.firstName ||
      updated.lastName !== user.lastName ||
      [...updated.groups].sort().join('\n') !== [...user.groups].sort().join('\n');
    if (!changed) return user;
    const written = { ...updated, updatedAt: now };
    await stores.users.update(written);
    return written;
  }
}
