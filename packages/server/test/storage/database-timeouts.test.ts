import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DependencyUnavailable, isDependencyUnavailable } from '../../src/platform/unavailable.js';
import { type DatabaseHandle, openDatabase } from '../../src/storage/database.js';
import { type FreshDatabase, freshDatabase, postgresUrl } from '../helpers/databases.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

/**
 * Issue 15, item 1: PostgreSQL's connection and statement timeouts, and the failures they give
 * told apart from bugs (each one is answered 503 by the HTTP error handlers).
 */
const describePostgres = postgresUrl === undefined ? describe.skip : describe;

const connectMs = 500;
const statementMs = 300;
/** statementMs plus the second after which a query with no answer at all is abandoned, plus margin. */
const abandonedWithinMs = statementMs + 1000 + 2500;

describePostgres('PostgreSQL timeouts [postgres]', () => {
  let database: FreshDatabase;
  let proxy: TcpProxy;
  let handle: DatabaseHandle;

  beforeEach(async () => {
    database = await freshDatabase('postgres', { migrate: false });
    proxy = await startTcpProxy(Number(new URL(database.url).port || 5432));
    handle = openDatabase(
      { kind: 'postgres', url: proxy.url(database.url) },
      { timeouts: { connectMs, statementMs } },
    );
  });

  afterEach(async () => {
    proxy.restore();
    await handle.close();
    await proxy.close();
    await database.dispose();
  });

  it('cancels a statement that runs past the statement timeout (57014), an unavailability', async () => {
    const error = await sql`select pg_sleep(2)`.execute(handle.db).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as { code?: string }).code).toBe('57014');
    expect(isDependencyUnavailable(error)).toBe(true);
    // The connection stays good for the next statement.
    await expect(handle.ping()).resolves.toBeUndefined();
  });

  it('lets work run past the statement timeout where asked (migrations)', async () => {
    const slept = await handle.withoutStatementTimeout(async (db) => {
      await sql`select pg_sleep(${(statementMs * 2) / 1000})`.execute(db);
      return 'done';
    });
    expect(slept).toBe('done');
  });

  it('abandons a query on a stalled connection, and recovers once the database answers again', async () => {
    await handle.ping();
    proxy.stall();
    const started = performance.now();
    const error = await handle.ping().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DependencyUnavailable);
    expect(performance.now() - started).toBeLessThan(abandonedWithinMs);
    proxy.restore();
    await expect(handle.ping()).resolves.toBeUndefined();
  });

  it('gives up opening a connection after the connect timeout', async () => {
    proxy.stall();
    const started = performance.now();
    const error = await handle.ping().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDependencyUnavailable(error)).toBe(true);
    expect(performance.now() - started).toBeLessThan(connectMs + 2500);
  });

  it('reports a refused or reset connection as an unavailability', async () => {
    await handle.ping();
    proxy.cut();
    const error = await handle.ping().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDependencyUnavailable(error)).toBe(true);
    proxy.restore();
    await expect(handle.ping()).resolves.toBeUndefined();
  });

  it('does not take a SQL error for an unavailability', async () => {
    const error = await sql`select * from no_such_table`.execute(handle.db).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as { code?: string }).code).toBe('42P01');
    expect(isDependencyUnavailable(error)).toBe(false);
  });
});
