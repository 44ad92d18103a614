import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../src/dev/postgres';
import { startDevTemporal } from '../src/dev/temporal';
import { workflowsPath } from '../src/temporal/workflows-path';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalUiUrl: string;
    postgresUrl: string;
    workflowBundlePath: string;
  }
}

interface Services {
  temporalAddress: string;
  temporalUiUrl: string;
  postgresUrl: string;
  workflowBundlePath: string;
  stop(): Promise<void>;
}

/**
 * The `workflow` and `integration` projects both name this setup; they share
 * one set of servers, kept on `globalThis` of the main process (each project
 * may load this module anew) and stopped when the last project is done.
 */
const shared = globalThis as { notifyTestServices?: { services: Promise<Services>; users: number } };

/**
 * One real Temporal dev server and one real PostgreSQL for the whole run;
 * each test file gets its own database and task queue on them. With
 * TEMPORAL_ADDRESS / DATABASE_URL set, those servers are used instead.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  shared.notifyTestServices ??= { services: startServices(), users: 0 };
  const entry = shared.notifyTestServices;
  entry.users += 1;
  const services = await entry.services;
  project.provide('temporalAddress', services.temporalAddress);
  project.provide('temporalUiUrl', services.temporalUiUrl);
  project.provide('postgresUrl', services.postgresUrl);
  project.provide('workflowBundlePath', services.workflowBundlePath);
  return async () => {
    entry.users -= 1;
    if (entry.users > 0) return;
    shared.notifyTestServices = undefined;
    await services.stop();
  };
}

async function startServices(): Promise<Services> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'notify-test-'));
  const log = (msg: string) => process.stderr.write(`[test-setup] ${msg}\n`);
  const stops: (() => Promise<void>)[] = [];

  const started = await Promise.allSettled([
    process.env.TEMPORAL_ADDRESS
      ? Promise.resolve({ address: process.env.TEMPORAL_ADDRESS, uiUrl: externalUiUrl(process.env.TEMPORAL_ADDRESS, log), stop: async () => {} })
      : startDevTemporal({ dataDir: path.join(dir, 'temporal'), log }),
    process.env.DATABASE_URL
      ? Promise.resolve({ url: process.env.DATABASE_URL, stop: async () => {} })
      : startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), log: () => undefined }),
    bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietLogger }),
  ] as const);
  const [temporalResult, postgresResult, bundleResult] = started;
  if (temporalResult.status === 'fulfilled') stops.push(() => temporalResult.value.stop());
  if (postgresResult.status === 'fulfilled') stops.push(() => postgresResult.value.stop());
  if (temporalResult.status === 'rejected' || postgresResult.status === 'rejected' || bundleResult.status === 'rejected') {
    // Leave nothing running behind a failed setup, or the test runner never exits.
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    const failure = started.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    throw failure.reason;
  }
  const temporal = temporalResult.value;
  const postgres = postgresResult.value;
  const bundle = bundleResult.value;

  const workflowBundlePath = path.join(dir, 'workflow-bundle.js');
  await fs.writeFile(workflowBundlePath, bundle.code);

  return {
    temporalAddress: temporal.address,
    temporalUiUrl: temporal.uiUrl,
    postgresUrl: postgres.url,
    workflowBundlePath,
    async stop() {
      for (const stop of stops.reverse()) {
        const started = Date.now();
        await stop().catch((err: unknown) => log(`teardown step failed: ${String(err)}`));
        log(`teardown step took ${Date.now() - started} ms`);
      }
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

/**
 * The Temporal UI next to an external Temporal: TEMPORAL_UI_URL, or else port
 * 8233 on the frontend's host (where docker-compose.yml and the dev server put
 * it), so the tests of run and schedule links work there too.
 */
function externalUiUrl(address: string, log: (msg: string) => void): string {
  const configured = process.env.TEMPORAL_UI_URL?.trim().replace(/\/+$/, '');
  if (configured) return configured;
  const host = address.slice(0, address.lastIndexOf(':')) || '127.0.0.1';
  const assumed = `http://${host}:8233`;
  log(`TEMPORAL_ADDRESS is set without TEMPORAL_UI_URL: assuming the Temporal UI at ${assumed} (set TEMPORAL_UI_URL if it is elsewhere)`);
  return assumed;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`[bundle] ${message}\n`),
  error: (message: string) => process.stderr.write(`[bundle] ${message}\n`),
};
