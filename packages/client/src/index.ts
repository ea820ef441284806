export {
  AuthenticationError,
  type AuthenticationErrorCode,
  ProtocolError,
  RateLimitError,
  TesseraError,
} from './errors.js';
export type { SessionUser } from './first-party/session-api.js';
export {
  createSessionClient,
  type SessionClient,
  type SessionClientOptions,
} from './first-party/session-client.js';
export type { Clock } from './internal/clock.js';
export type { OAuthClientOptions } from './internal/oauth.js';
export type { FetchLike, RateLimitPolicy } from './internal/rate-limit.js';
export type {
  RefreshedEvent,
  SessionEventListener,
  SessionEventMap,
  SessionEvents,
  SessionEventType,
  SignedOutEvent,
  Unsubscribe,
} from './internal/session-events.js';
export {
  type ClientCredentialsOptions,
  clientCredentials,
  type TokenProvider,
} from './machine/client-credentials.js';
export type { AuthorizeOptions, IdTokenClaims, SignInResult } from './pkce/authorization.js';
export { createPublicClient, type PublicClient, type PublicClientOptions } from './pkce/public-client.js';
export type { StateStorage } from './pkce/state-store.js';
export { createIndexedDbStore, type IndexedDbStoreOptions } from './storage/indexeddb.js';
export { createMemoryStore } from './storage/memory.js';
export type { TokenStore, Tokens } from './storage/token-store.js';
