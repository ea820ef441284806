import type { Migration } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-sessions-and-service-accounts.js';
import * as m0003 from './0003-browser-sign-in.js';
import * as m0004 from './0004-interactions.js';
import * as m0005 from './0005-client-introspection.js';
import * as m0006 from './0006-instance-settings.js';
import * as m0007 from './0007-client-rate-limits.js';
import * as m0008 from './0008-api-keys.js';
import * as m0009 from './0009-federated-sign-in.js';

/** Every migration, in order. A static list, so migrating works from src (tests) and dist alike. */
export const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-sessions-and-service-accounts': m0002,
  '0003-browser-sign-in': m0003,
  '0004-interactions': m0004,
  '0005-client-introspection': m0005,
  '0006-instance-settings': m0006,
  '0007-client-rate-limits': m0007,
  '0008-api-keys': m0008,
  '0009-federated-sign-in': m0009,
};
