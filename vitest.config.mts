import { defineConfig } from 'vitest/config';

/** Real Temporal and PostgreSQL for the tests that need them, started once for both projects. */
const services = ['test/global-setup.ts'];

export default defineConfig({
  test: {
    // Temporal's native module breaks in worker threads; processes are safe.
    pool: 'forks',
    // The usual report, then one plain totals line (test/summary-reporter.ts).
    reporters: ['default', './test/summary-reporter.ts'],
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    teardownTimeout: 30_000,
    projects: [
      // Pure domain rules and adapters against in-process peers: no Temporal, no PostgreSQL, seconds.
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'workflow', include: ['test/workflow/**/*.test.ts'], globalSetup: services } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: services } },
      // The console in Debian's chromium against the real stack; the console is built first when stale.
      { extends: true, test: { name: 'browser', include: ['test/browser/**/*.test.ts'], globalSetup: ['test/browser/build-console.ts', ...services] } },
    ],
  },
});
