import { ConfigError, loadConfig, type Config } from '../config';
import { createDatabase, migrateDatabase, type Database } from '../db/client';
import { startEmbeddedPostgres } from '../dev/postgres';

/**
 * Runs a command against the configured database (the embedded one when
 * DATABASE_URL is unset), migrated first, and exits non-zero with a clear
 * message on failure.
 */
export function runWithDatabase(command: (database: Database, config: Config) => Promise<void>): void {
  const run = async () => {
    const config = loadConfig();
    const pg = config.databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir });
    const database = createDatabase(config.databaseUrl ?? pg!.url);
    try {
      await migrateDatabase(database.db);
      await command(database, config);
    } finally {
      await database.close();
      await pg?.stop();
    }
  };
  run().catch((err: unknown) => {
    process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
