import path from 'node:path';
import { sql, type ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle, type NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { Pool } from 'pg';
import * as schema from './schema';
import { repoRoot } from '../paths';

/** A database or a transaction on it: repositories take either, so a use case can group their writes. */
export type Db = PgDatabase<NodePgQueryResultHKT, typeof schema, ExtractTablesWithRelations<typeof schema>>;

export interface Database {
  db: Db;
  pool: Pool;
  close(): Promise<void>;
}

/** Opens a pool to `url`; the caller owns it and closes it once. */
export function createDatabase(url: string, opts: { max?: number } = {}): Database {
  // A bounded wait for a connection: an activity must fail and retry rather than hang past its timeout.
  const pool = new Pool({ connectionString: url, max: opts.max ?? 20, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const db = drizzle(pool, { schema });
  return { db, pool, close: () => pool.end() };
}

/** Applies the committed drizzle migrations; safe to run on every start. */
export async function migrateDatabase(db: Db): Promise<void> {
  await migrate(db, { migrationsFolder: path.join(repoRoot, 'drizzle') });
}

/** Asks the database one trivial question: for readiness checks. */
export async function pingDatabase(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}
