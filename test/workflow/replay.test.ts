import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { HISTORIES_DIR } from '../helpers/histories';

/**
 * Recorded runs of representative scenarios (refresh them with
 * `RECORD_HISTORIES=1 npx vitest run test/workflow`). Replaying them against
 * today's workflow code fails when a change breaks determinism, i.e. when
 * workflows already running in production could not continue.
 */
const files = fs.existsSync(HISTORIES_DIR) ? fs.readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.pb')).sort() : [];

describe('recorded workflow histories', () => {
  it('exist for the representative scenarios', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  it('all replay without a determinism violation against the current workflow code', async () => {
    const histories = files.map((file) => ({
      workflowId: path.basename(file, '.pb'),
      history: temporal.api.history.v1.History.decode(fs.readFileSync(path.join(HISTORIES_DIR, file))),
    }));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundlePath') } }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
