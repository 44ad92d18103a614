import { createDemoAdminKey, DEMO_COMPANY_ID, ensureAdminKey, seedDemo } from '../db/seed';
import { runWithDatabase } from './with-database';

/**
 * `npm run seed`: creates the demo company on an empty database and prints its
 * API key once. `npm run seed -- --new-key`: also, when the company exists
 * already, makes a new key with every role for it and prints that (the way
 * back in when the first key was lost, e.g. because a worker seeded first).
 */
const USAGE = 'usage: npm run seed [-- --new-key]';
const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--new-key');
if (unknown.length > 0) {
  process.stderr.write(`unknown argument ${unknown.join(' ')}\n${USAGE}\n`);
  process.exit(2);
}
const newKey = args.includes('--new-key');

runWithDatabase(async ({ db }, config) => {
  const result = await seedDemo(db);
  if (config.adminApiKey) await ensureAdminKey(db, config.adminApiKey);
  if (result.created) {
    process.stdout.write(`Demo company "${DEMO_COMPANY_ID}" created. API key (shown once, every role): ${result.apiKey}\n`);
  } else if (newKey) {
    const key = await createDemoAdminKey(db);
    process.stdout.write(`New API key for the demo company "${DEMO_COMPANY_ID}" (shown once, every role): ${key}\n`);
  } else {
    process.stdout.write(
      `The demo company "${DEMO_COMPANY_ID}" already exists; its key was shown when it was created.\n` +
        'Run `npm run seed -- --new-key` for a new key with every role.\n',
    );
  }
});
