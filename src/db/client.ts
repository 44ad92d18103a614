import path from 'node:path';
import { fillPlaceholders, sql, type ExtractTablesWithRelations, type Placeholder, type SQL } from 'drizzle-orm';
import { drizzle, type NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import { PgDialect, type PgDatabase } from 'drizzle-orm/pg-core';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { Client, Pool, type PoolClient } from 'pg';
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

/**
 * The advisory lock every process takes around its migrations: the API and
 * the workers start together, and drizzle's migrator run twice at once on an
 * empty database fails (`CREATE ... IF NOT EXISTS` is not safe concurrently).
 * A constant of our own (`notify` in ASCII), shared by every deployment of the service.
 */
export const MIGRATION_LOCK_ID = 0x6e6f74696679;

/**
 * Applies the committed drizzle migrations; safe to run on every start and
 * from several processes at once: they take turns, and those after the first
 * find nothing left to do.
 */
export async function migrateDatabase(db: Db): Promise<void> {
  await withAdvisoryLock(db, MIGRATION_LOCK_ID, (locked) => migrate(locked, { migrationsFolder: path.join(repoRoot, 'drizzle') }));
}

/**
 * Runs `work` on one connection holding the PostgreSQL session advisory lock
 * `lockId`, so processes sharing the database run it one at a time; the lock
 * is released (and the connection returned) however `work` ends.
 */
export async function withAdvisoryLock<T>(db: Db, lockId: number, work: (locked: Db) => Promise<T>): Promise<T> {
  const source = (db as { $client?: unknown }).$client;
  if (!(source instanceof Pool) && !(source instanceof Client)) {
    throw new Error('withAdvisoryLock needs a database opened with createDatabase, not a transaction');
  }
  const client: PoolClient | Client = source instanceof Pool ? await source.connect() : source;
  let broken: Error | undefined;
  try {
    await client.query('select pg_advisory_lock($1)', [lockId]);
    try {
      return await work(drizzle(client, { schema }));
    } finally {
      await client.query('select pg_advisory_unlock($1)', [lockId]).catch((err: Error) => {
        // A connection that cannot unlock must not go back to the pool still holding the lock.
        broken = err;
      });
    }
  } finally {
    if (source instanceof Pool) (client as PoolClient).release(broken);
  }
}

/** A statement's values by name, or their placeholders. */
export type StatementArgs<V> = { [K in keyof V]-?: V[K] | Placeholder };

/**
 * A statement written once with drizzle's `sql`, run as the named prepared
 * statement `name` on a pool or client of `createDatabase` (parsed and
 * planned once per connection), and as a plain statement inside a
 * transaction, which has no connection of its own to prepare it on.
 * `names` are the values' names, the statement's placeholders.
 */
export function namedStatement<V extends Record<string, unknown>>(name: string, names: readonly (keyof V & string)[], build: (v: StatementArgs<V>) => SQL) {
  const placeholders = Object.fromEntries(names.map((n) => [n, sql.placeholder(n)])) as StatementArgs<V>;
  const query = new PgDialect().sqlToQuery(build(placeholders));
  const run = async (db: Db, values: StatementArgs<V>): Promise<Record<string, unknown>[]> => {
    const source = (db as { $client?: unknown }).$client;
    if (source instanceof Pool || source instanceof Client) {
      const result = await source.query<Record<string, unknown>>({ name, text: query.sql, values: fillPlaceholders(query.params, values) });
      return result.rows;
    }
    const result = await db.execute(build(values));
    return result.rows as Record<string, unknown>[];
  };
  // The text with its $n parameters: what `explain (generic_plan)` reads.
  return Object.assign(run, { text: query.sql });
}

/** Asks the database one trivial question: for readiness checks. */
export async function pingDatabase(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}
