import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChangeFeed, type ChangeFeed } from '../../src/db/change-feed';
import { createDatabase, type Database, type Db } from '../../src/db/client';
import { createApiKeyRepository, generateApiKey } from '../../src/db/repositories/api-keys';
import { createSecretBox } from '../../src/secrets';
import { startApi, type RunningApi } from '../../src/server';
import { createHarness, createTestDatabase, TEST_SECRETS_KEY, type Harness } from '../helpers/harness';
import { until } from '../helpers/scenario';
import { countStatements } from '../helpers/statements';

/**
 * The API keeps API keys in memory between changes (issue 14: no lookup of
 * the key per request). Revocation still takes effect at once in the process
 * that revoked, within moments in every other process sharing the database,
 * and not at all from memory while a process cannot hear changes.
 */
describe('API keys kept in memory', () => {
  let h: Harness;
  /** A second API process on the same database: its own pool, its own change feed. */
  let other: { database: Database; feed: ChangeFeed; api: RunningApi };
  /**
   * A third API process whose feed listens on another database: it never hears
   * this database's changes, as if every notification came late.
   */
  let deaf: { database: Database; feed: ChangeFeed; api: RunningApi };
  /** Statements of each API's pool. */
  const statements = new Map<Db, ReturnType<typeof countStatements>>();
  /** How many statements `db`'s pool has sent that read `api_keys` (the key lookups). */
  const keyReads = { get: (db: Db) => statements.get(db)!.texts.filter((t) => /^select .* from "api_keys"/i.test(t)).length };
  const countKeyReads = (db: Db) => statements.set(db, countStatements(db));

  beforeAll(async () => {
    h = await createHarness({ worker: false });
    const database = createDatabase(h.databaseUrl);
    const feed = createChangeFeed(h.databaseUrl);
    const api = await startApi({
      db: database.db,
      secrets: createSecretBox(TEST_SECRETS_KEY),
      temporal: { address: h.temporalAddress, namespace: 'default', taskQueue: h.taskQueue },
      changes: feed,
    });
    other = { database, feed, api };
    countKeyReads(h.db);
    countKeyReads(database.db);
    const deafDatabase = createDatabase(h.databaseUrl);
    countKeyReads(deafDatabase.db);
    const deafFeed = createChangeFeed(await createTestDatabase());
    deaf = {
      database: deafDatabase,
      feed: deafFeed,
      api: await startApi({
        db: deafDatabase.db,
        secrets: createSecretBox(TEST_SECRETS_KEY),
        temporal: { address: h.temporalAddress, namespace: 'default', taskQueue: h.taskQueue },
        changes: deafFeed,
      }),
    };
  });
  afterAll(async () => {
    await deaf?.api.stop();
    await deaf?.feed.close();
    await deaf?.database.close();
    await other?.api.stop();
    await other?.feed.close();
    await other?.database.close();
    await h?.close();
  });

  const here = (key: string) => h.request({ method: 'GET', url: '/v1/event-types', key });
  const there = (key: string) => other.api.app.inject({ method: 'GET', url: '/v1/event-types', headers: { authorization: `Bearer ${key}` } });
  const listening = async () => {
    // Each feed starts listening at its first lookup.
    await here(h.apiKey);
    await there(h.apiKey);
    const feeds = [h.changes, other.feed];
    await until(() => feeds.every((f) => f.listening) || undefined, 'the feeds listening');
  };

  /** A new key with the events role, made through the first API (as an administrator would). */
  const newKey = async (): Promise<{ id: number; key: string }> => {
    const res = await h.request({ method: 'POST', url: '/v1/api-keys', payload: { name: `cache ${Date.now()}`, roles: ['events:write', 'templates:read'] } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: number; key: string };
  };
  const revoke = async (id: number) => {
    const res = await h.request({ method: 'DELETE', url: `/v1/api-keys/${id}` });
    expect(res.statusCode, res.body).toBe(204);
  };

  /**
   * Asks with `key` until an answer comes from memory (no key read): the
   * notification of the key's own creation may still be on its way and empty
   * the cache once more. Returns that answer's status.
   */
  const untilInMemory = (ask: (key: string) => Promise<{ statusCode: number }>, db: Db, key: string) =>
    until(async () => {
      const reads = keyReads.get(db);
      const { statusCode } = await ask(key);
      return keyReads.get(db) === reads ? statusCode : undefined;
    }, 'an answer from memory', 5_000);

  it('reads a key from the database once, then answers from memory', async () => {
    await listening();
    const { key } = await newKey();
    const before = keyReads.get(h.db);
    expect((await here(key)).statusCode).toBe(200);
    expect(keyReads.get(h.db)).toBe(before + 1);
    expect(await untilInMemory(here, h.db, key)).toBe(200);
    const reads = keyReads.get(h.db);
    for (let i = 0; i < 5; i++) expect((await here(key)).statusCode).toBe(200);
    expect(keyReads.get(h.db)).toBe(reads);
  });

  it('refuses a revoked key on the very next request in the process that revoked it, without waiting for the notification', async () => {
    const call = (opts: { method: 'GET' | 'POST' | 'DELETE'; url: string; key: string; payload?: object }) =>
      deaf.api.app.inject({ method: opts.method, url: opts.url, headers: { authorization: `Bearer ${opts.key}` }, ...(opts.payload ? { payload: opts.payload } : {}) });
    await call({ method: 'GET', url: '/v1/event-types', key: h.apiKey });
    await until(() => deaf.feed.listening || undefined, 'the deaf feed listening');
    const created = await call({ method: 'POST', url: '/v1/api-keys', key: h.apiKey, payload: { name: 'revoked here', roles: ['templates:read'] } });
    expect(created.statusCode, created.body).toBe(201);
    const { id, key } = created.json() as { id: number; key: string };
    expect((await call({ method: 'GET', url: '/v1/event-types', key })).statusCode).toBe(200);
    // Kept in memory: only the revocation itself can make the next answer differ.
    expect(await untilInMemory((k) => call({ method: 'GET', url: '/v1/event-types', key: k }), deaf.database.db, key)).toBe(200);
    expect((await call({ method: 'DELETE', url: `/v1/api-keys/${id}`, key: h.apiKey })).statusCode).toBe(204);
    const refused = await call({ method: 'GET', url: '/v1/event-types', key });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
  });

  it('refuses a revoked key within moments in another API process', async () => {
    await listening();
    const { id, key } = await newKey();
    expect((await there(key)).statusCode).toBe(200);
    // Served from the other process's memory: revocation must reach it by the notification.
    expect(await untilInMemory(there, other.database.db, key)).toBe(200);
    await revoke(id);
    const revokedAt = Date.now();
    await until(async () => (await there(key)).statusCode === 401 || undefined, 'the other API to refuse the revoked key', 2_000);
    expect(Date.now() - revokedAt).toBeLessThan(2_000);
  });

  it('accepts, within moments, a key another process created after this one refused it', async () => {
    await listening();
    const key = generateApiKey();
    // Refused, and the refusal is kept in memory: the next ones are not read again.
    expect(await untilInMemory(there, other.database.db, key)).toBe(401);
    // Another process (here: the first API's pool) stores that very value, as ADMIN_API_KEY does at a start.
    expect(await createApiKeyRepository(h.db).ensure(h.companyId, 'made elsewhere', key, ['templates:read'])).toBe('active');
    await until(async () => (await there(key)).statusCode === 200 || undefined, 'the other API to accept the new key', 2_000);
  });

  it('reads every key from the database while the change feed is not listening, so a revocation anywhere counts at once', async () => {
    await listening();
    const { id, key } = await newKey();
    expect((await there(key)).statusCode).toBe(200);
    // Both feeds' connections are the ones that have LISTENed; end them from the server side.
    await h.db.execute(sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'LISTEN%'`);
    await until(() => !other.feed.listening || undefined, 'the feed to notice');
    const reads = keyReads.get(other.database.db);
    expect((await there(key)).statusCode).toBe(200);
    expect((await there(key)).statusCode).toBe(200);
    expect(keyReads.get(other.database.db)).toBe(reads + 2);
    // Revoked by the first API while the other hears nothing: the other refuses it on its next request all the same.
    await revoke(id);
    if (!other.feed.listening) expect((await there(key)).statusCode).toBe(401);
    await until(() => other.feed.listening || undefined, 'the feed to reconnect', 15_000);
    expect((await there(key)).statusCode).toBe(401);
  });
});
