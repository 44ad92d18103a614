import { ensureAdminKey, seedDemo } from '../db/seed';
import { runWithDatabase } from './with-database';

/** `npm run seed`: creates the demo company on an empty database and prints its API key once. */
runWithDatabase(async ({ db }, config) => {
  const result = await seedDemo(db);
  if (config.adminApiKey) await ensureAdminKey(db, config.adminApiKey);
  process.stdout.write(
    result.created
      ? `Demo company created. API key (shown once, every role): ${result.apiKey}\n`
      : 'The demo company already exists; nothing to do.\n',
  );
});
