import fs from 'node:fs';
import path from 'node:path';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { repoRoot } from '../paths';

/** The workflow sources the worker bundles; the TypeScript ones when present. */
export function workflowsPath(): string {
  const source = path.join(repoRoot, 'workflows', 'index.ts');
  return fs.existsSync(source) ? source : path.join(repoRoot, 'dist', 'workflows', 'index.js');
}

export interface NotificationWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** A prebuilt bundle (tests build one per file); otherwise the sources are bundled now. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
}

export async function createNotificationWorker(opts: NotificationWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: workflowsPath() }),
    shutdownGraceTime: opts.shutdownGraceTime ?? '10 seconds',
  });
}
