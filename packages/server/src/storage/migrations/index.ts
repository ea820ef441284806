import type { Migration } from 'kysely';
import * as m0001 from './0001-initial.js';

/** Every migration, in order. A static list, so migrating works from src (tests) and dist alike. */
export const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
};
