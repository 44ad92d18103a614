import { createDemoAdminKey, DEMO_COMPANY_ID, demoUsersNotice, ensureAdminKey, ensureDemoUsers, resetDemoPassword, seedDemo } from '../db/seed';
import { runWithDatabase } from './with-database';

/**
 * `npm run seed`: creates the demo company on an empty database and prints its
 * API key and the demo users' passwords once. `npm run seed -- --new-key`:
 * also, when the company exists already, makes a new key with every role for
 * it and prints that (the way back in when the first key was lost, e.g.
 * because a worker seeded first). `npm run seed -- --new-password <login>`:
 * sets a new random password for that demo user, prints it and ends the
 * user's sessions.
 */
const USAGE = 'usage: npm run seed [-- --new-key] [-- --new-password <login>]';
const args = process.argv.slice(2);
let newKey = false;
let newPasswordFor: string | undefined;
const unknown: string[] = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (arg === '--new-key') newKey = true;
  else if (arg === '--new-password' && args[i + 1] !== undefined && !args[i + 1]!.startsWith('--')) newPasswordFor = args[++i];
  else unknown.push(arg);
}
if (unknown.length > 0) {
  process.stderr.write(`unknown argument ${unknown.join(' ')}\n${USAGE}\n`);
  process.exit(2);
}

runWithDatabase(async ({ db }, config) => {
  const result = await seedDemo(db);
  if (config.adminApiKey) await ensureAdminKey(db, config.adminApiKey);
  if (result.created) {
    process.stdout.write(`Demo company "${DEMO_COMPANY_ID}" created. API key (shown once, every role): ${result.apiKey}\n`);
    process.stdout.write(`Demo users (passwords shown once; sign in at /console):\n${demoUsersNotice(result.users ?? [])}\n`);
  } else {
    const users = await ensureDemoUsers(db);
    if (users.length > 0) process.stdout.write(`Demo users created (passwords shown once; sign in at /console):\n${demoUsersNotice(users)}\n`);
    if (newKey) {
      const key = await createDemoAdminKey(db);
      process.stdout.write(`New API key for the demo company "${DEMO_COMPANY_ID}" (shown once, every role): ${key}\n`);
    }
    if (newPasswordFor !== undefined && !users.some((u) => u.login === newPasswordFor)) {
      const password = await resetDemoPassword(db, newPasswordFor);
      process.stdout.write(`New password for "${newPasswordFor}" of the demo company (shown once; their sessions ended): ${password}\n`);
    }
    if (!newKey && newPasswordFor === undefined) {
      process.stdout.write(
        `The demo company "${DEMO_COMPANY_ID}" already exists; its key and passwords were shown when it was created.\n` +
          'Run `npm run seed -- --new-key` for a new key with every role, `npm run seed -- --new-password <login>` for a new password.\n',
      );
    }
  }
});
