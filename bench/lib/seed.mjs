import { createHash, randomUUID } from 'node:crypto';
import SQLite from 'better-sqlite3';
import pg from 'pg';

const hash = (value) => createHash('sha256').update(value, 'utf8').digest('base64url');
export const seededToken = (i) => `bench-refresh-token-${i}-padding-to-43-chars`;

/**
 * Puts `count` live refresh tokens (and 1 000 sessions to hold them) for `userId` / `clientId`
 * straight into Tessera's tables; token i is seededToken(i).
 */
export async function seedRefreshTokens({ database, userId, clientId, count }) {
  const now = Date.now();
  const far = now + 30 * 86_400_000;
  const sessions = Array.from({ length: 1000 }, () => randomUUID());
  const sessionRow = (id) => [id, userId, clientId, 'oauth', now, '["pwd"]', now, now, far];
  const tokenRow = (i) => [
    randomUUID(),
    hash(seededToken(i)),
    sessions[i % sessions.length],
    clientId,
    'openid profile',
    now,
    far,
    far,
  ];
  if (database.kind === 'sqlite') {
    const db = new SQLite(database.path);
    db.pragma('journal_mode = WAL');
    const insertSession = db.prepare(
      'insert into sessions (id, user_id, client_id, kind, auth_time, amr, created_at, last_active_at, expires_at) values (?,?,?,?,?,?,?,?,?)',
    );
    const insertToken = db.prepare(
      'insert into refresh_tokens (id, token_hash, session_id, client_id, scope, created_at, expires_at, absolute_expires_at) values (?,?,?,?,?,?,?,?)',
    );
    db.transaction(() => {
      for (const id of sessions) insertSession.run(...sessionRow(id));
      for (let i = 0; i < count; i += 1) insertToken.run(...tokenRow(i));
    })();
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await insertMany(
      client,
      'sessions',
      [
        'id',
        'user_id',
        'client_id',
        'kind',
        'auth_time',
        'amr',
        'created_at',
        'last_active_at',
        'expires_at',
      ],
      sessions.map(sessionRow),
    );
    const batch = 2000;
    for (let start = 0; start < count; start += batch) {
      const rows = [];
      for (let i = start; i < Math.min(count, start + batch); i += 1) rows.push(tokenRow(i));
      await insertMany(
        client,
        'refresh_tokens',
        [
          'id',
          'token_hash',
          'session_id',
          'client_id',
          'scope',
          'created_at',
          'expires_at',
          'absolute_expires_at',
        ],
        rows,
      );
    }
    await client.query('analyze refresh_tokens');
  } finally {
    await client.end();
  }
}

async function insertMany(client, table, columns, rows) {
  const values = [];
  const placeholders = rows.map(
    (row, r) => `(${row.map((_, c) => `$${r * columns.length + c + 1}`).join(',')})`,
  );
  for (const row of rows) values.push(...row);
  await client.query(`insert into ${table} (${columns.join(',')}) values ${placeholders.join(',')}`, values);
}
