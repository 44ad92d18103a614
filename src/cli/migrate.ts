import { ConfigError, loadConfig } from '../config';
import { createDatabase, migrateDatabase } from '../db/client';
import { startEmbeddedPostgres } from '../dev/postgres';

/** `npm run db:migrate`: applies the committed migrations in drizzle/. */
async function main(): Promise<void> {
  const config = loadConfig();
  const pg = config.databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir });
  const database = createDatabase(config.databaseUrl ?? pg!.url);
  try {
    await migrateDatabase(database.db);
    process.stdout.write('Migrations applied.\n');
  } finally {
    await database.close();
    await pg?.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(1);
});
