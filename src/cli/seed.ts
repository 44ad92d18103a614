import { ConfigError, loadConfig } from '../config';
import { createDatabase, migrateDatabase } from '../db/client';
import { ensureAdminKey, seedDemo } from '../db/seed';
import { startEmbeddedPostgres } from '../dev/postgres';

/** `npm run seed`: creates the demo company on an empty database and prints its API key once. */
async function main(): Promise<void> {
  const config = loadConfig();
  const pg = config.databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir });
  const database = createDatabase(config.databaseUrl ?? pg!.url);
  try {
    await migrateDatabase(database.db);
    const result = await seedDemo(database.db);
    if (config.adminApiKey) await ensureAdminKey(database.db, config.adminApiKey);
    process.stdout.write(
      result.created
        ? `Demo company created. API key (shown once, every role): ${result.apiKey}\n`
        : 'The demo company already exists; nothing to do.\n',
    );
  } finally {
    await database.close();
    await pg?.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(1);
});
