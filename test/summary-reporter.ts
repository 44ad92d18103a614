import { mkdirSync, writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the run's totals as one plain line, `tests: N passed, N failed, N skipped`, which any CI log
 * reader understands, and keeps it in `test-results/summary.txt` so `.ci/run` can end its output with it
 * (the global teardown may still log after the reporter).
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
      // A file that fails to load has no tests to count, yet the run failed.
      if (module.state() === 'failed' && ![...module.children.allTests()].some((t) => t.result().state === 'failed')) failed += 1;
    }
    failed += unhandledErrors.length;
    const line = `tests: ${passed} passed, ${failed} failed, ${skipped} skipped`;
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/summary.txt', `${line}\n`);
    process.stdout.write(`\n${line}\n`);
  }
}
