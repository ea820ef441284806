import { expect, it } from 'vitest';
import { describeDatabase } from './where.js';

it('names a PostgreSQL database without any password, in the userinfo or the query', () => {
  expect(
    describeDatabase({
      kind: 'postgres',
      url: 'postgres://app:s3cret@db.example:5432/tessera?sslpassword=k3y&password=p4ss&sslmode=require',
    }),
  ).toBe('PostgreSQL postgres://app@db.example:5432/tessera');
  expect(describeDatabase({ kind: 'sqlite', path: '/srv/tessera/data/tessera.db' })).toBe(
    'SQLite /srv/tessera/data/tessera.db',
  );
});
