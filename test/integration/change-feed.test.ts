import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createChangeFeed, type ChangeFeed } from '../../src/db/change-feed';
import { createDatabase, migrateDatabase, type Database } from '../../src/db/client';
import { createProviderRepository } from '../../src/db/repositories/providers';
import { companies } from '../../src/db/schema';
import { seedDemo } from '../../src/db/seed';
import { createTestDatabase } from '../helpers/harness';
import { until } from '../helpers/scenario';

/**
 * The worker keeps each company's providers in memory between changes; these
 * show that a change made by any connection (another process, psql) is heard,
 * and that nothing is served from memory while the feed cannot hear.
 */
describe('configuration change feed', () => {
  let database: Database;
  let other: Database;
  let feed: ChangeFeed;
  let url: string;
  const companyId = 'demo-feed';

  beforeAll(async () => {
    url = await createTestDatabase();
    database = createDatabase(url);
    await migrateDatabase(database.db);
    await seedDemo(database.db, companyId);
    // Changes come through a connection of their own, as another process's would.
    other = createDatabase(url, { max: 1 });
    feed = createChangeFeed(url);
  });
  afterAll(async () => {
    await feed?.close();
    await other?.close();
    await database?.close();
  });

  const providers = () => createProviderRepository(database.db);
  let reads = 0;
  const cache = () => {
    const c = feed.cache<string | undefined>();
    return (id: string) =>
      c.get(id, async () => {
        reads++;
        return (await providers().withCompanyState(id))?.company.updatedAt.toISOString();
      });
  };

  it('answers from memory until a company or provider row changes anywhere', async () => {
    const state = cache();
    await state(companyId);
    await until(() => feed.listening || undefined, 'the feed listening');
    reads = 0;
    const first = await state(companyId);
    const again = await state(companyId);
    expect(again).toBe(first);
    expect(reads).toBe(1);

    await other.db.update(companies).set({ updatedAt: sql`now() + interval '1 minute'` }).where(eq(companies.id, companyId));
    // Heard shortly after the commit; from then on the next read goes to the database and sees the change.
    const changed = await until(async () => {
      const now = await state(companyId);
      return now !== first ? now : undefined;
    }, 'the change to be seen');
    expect(new Date(changed!).getTime()).toBeGreaterThan(new Date(first!).getTime());
    const readsAfterChange = reads;
    expect(await state(companyId)).toBe(changed);
    expect(reads).toBe(readsAfterChange);

    // A provider row (insert) counts as much as the company row.
    await other.db.execute(sql`insert into providers (company_id, id, kind, name, config) values (${companyId}, 'feed-test', 'smtp', 'Feed test', '{"host":"smtp.example.com","port":25}'::jsonb)`);
    await until(async () => {
      const before = reads;
      await state(companyId);
      return reads > before || undefined;
    }, 'the provider insert to be heard');
  });

  it('reads the database every time while the feed has lost its connection, and caches again once it is back', async () => {
    const state = cache();
    await state(companyId);
    await until(() => feed.listening || undefined, 'the feed listening');
    await state(companyId);
    // The feed's own connection is the one that has LISTENed; end it from the server side.
    await other.db.execute(sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'LISTEN%'`);
    await until(() => !feed.listening || undefined, 'the feed to notice');
    reads = 0;
    await state(companyId);
    await state(companyId);
    expect(reads).toBe(2);
    await until(() => feed.listening || undefined, 'the feed to reconnect', 15_000);
    await state(companyId);
    reads = 0;
    await state(companyId);
    expect(reads).toBe(0);
  });
});
