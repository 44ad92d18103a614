import type { Pool, PoolClient } from 'pg';
import type { Db } from '../../src/db/client';

/** The text of a `query` call's first argument: a string or a query config. */
const textOf = (arg: unknown): string => (typeof arg === 'string' ? arg : ((arg as { text?: string } | undefined)?.text ?? ''));

/**
 * Counts the statements a database handle (`createDatabase`'s pool) sends,
 * those in transactions included; `begin`/`commit`/`rollback` are not
 * counted, so a transaction of two writes counts two. Every statement goes
 * through a connection the pool hands out, so each is noted there.
 */
export function countStatements(db: Db): { readonly texts: readonly string[]; readonly count: number; reset(): void } {
  const texts: string[] = [];
  const pool = (db as unknown as { $client: Pool }).$client;
  const note = (arg: unknown) => {
    const text = textOf(arg);
    if (!/^\s*(begin|commit|rollback)\b/i.test(text)) texts.push(text);
  };
  const wrapped = new WeakSet<PoolClient>();
  // `pool.query` too acquires a connection and queries on it.
  pool.on('acquire', (client: PoolClient) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const clientQuery = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      note(args[0]);
      return clientQuery(...args);
    };
  });
  return {
    texts,
    get count() {
      return texts.length;
    },
    reset() {
      texts.length = 0;
    },
  };
}
