import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createDatabase, migrateDatabase } from '../../src/db/client';
import { DEMO_COMPANY_ID, prepareDatabase, seedDemo } from '../../src/db/seed';
import { repoRoot } from '../../src/paths';
import { createTestDatabase } from '../helpers/harness';

/**
 * Issue 13, finding 2: the API and the workers started together on an empty
 * database crashed in drizzle's migrator (`duplicate key value violates unique
 * constraint "pg_type_typname_nsp_index"`). Processes preparing one database at
 * once must all succeed and leave one schema and one demo company.
 */
describe('several processes preparing one empty database at the same moment', () => {
  const migrationCount = JSON.parse(fs.readFileSync(path.join(repoRoot, 'drizzle', 'meta', '_journal.json'), 'utf8')).entries.length as number;

  it('all succeed, apply each migration once and seed one demo company with one key', async () => {
    const url = await createTestDatabase();
    // Each "process" with its own pool, as the API and every worker have.
    const databases = Array.from({ length: 6 }, () => createDatabase(url, { max: 3 }));
    try {
      const results = await Promise.allSettled(
        databases.map(async ({ db }, i) => (i % 2 === 0 ? prepareDatabase(db, undefined) : migrateDatabase(db).then(() => seedDemo(db)))),
      );
      expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
      const created = results.filter((r) => r.status === 'fulfilled' && r.value.created);
      expect(created).toHaveLength(1);

      const { db } = databases[0]!;
      const applied = await db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
      expect(applied.rows[0]).toEqual({ n: migrationCount });
      const companies = await db.execute(sql`select id from companies`);
      expect(companies.rows).toEqual([{ id: DEMO_COMPANY_ID }]);
      const keys = await db.execute(sql`select company_id from api_keys`);
      expect(keys.rows).toEqual([{ company_id: DEMO_COMPANY_ID }]);
      const tables = await db.execute(sql`select table_name from information_schema.tables where table_schema = 'public' and table_name = 'companies'`);
      expect(tables.rows).toHaveLength(1);

      // Later starts find everything in place.
      await Promise.all(databases.map(({ db: each }) => prepareDatabase(each, undefined)));
      expect((await db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)).rows[0]).toEqual({ n: migrationCount });
    } finally {
      await Promise.all(databases.map((d) => d.close()));
    }
  });
});
