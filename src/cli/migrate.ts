import { runWithDatabase } from './with-database';

/** `npm run db:migrate`: applies the committed migrations in drizzle/. */
runWithDatabase(async () => {
  process.stdout.write('Migrations applied.\n');
});
