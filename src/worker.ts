/**
 * The worker role, composed once: channels from the company settings, the
 * activities over them, the Temporal worker running the workflows, and the
 * per-company jobs a worker keeps alive. `main.ts` and the test harness both
 * start workers through here.
 */
import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../activities';
import type { SendFaults } from '../activities/deps';
import { createEmailChannel, createSmtpTransport } from './channels/email';
import { createDefaultSmsProvider } from './providers/default-sms';
import type { ChangeFeed } from './db/change-feed';
import { createChannelRegistry, type ChannelRegistry } from './providers/registry';
import type { Db } from './db/client';
import { createCompanyRepository } from './db/repositories/companies';
import { createJournalRepository } from './db/repositories/journal';
import { createDeliveryReportHandler, createSendsInFlight } from './providers/delivery-reports';
import { DEFAULT_WORKER_TUNING, type WorkerTuning } from './config';
import { DEFAULT_LIMITS, type Limits } from './domain/limits';
import { createMetrics, type Metrics } from './metrics';
import type { SecretBox } from './secrets';
import { waitForTemporal } from './temporal/connect';
import { ensureJournalRetentionSchedule, ensureSchedules } from './temporal/schedules';
import { ensureTelegramPolling } from './temporal/telegram-polling';
import { workflowsPath } from './temporal/workflows-path';

export interface WorkerDeps {
  db: Db;
  secrets: SecretBox;
  /** `startTimeoutMs`: how long to wait for Temporal and its namespace at start (default 120 s). */
  temporal: { address: string; namespace: string; taskQueue: string; startTimeoutMs?: number | undefined };
  /** The SMTP server of companies that have none of their own. */
  smtpUrl: string;
  /** The built-in default SMS provider (R2); none when unset. */
  smsUrl?: string | undefined;
  /** The Bot API root; Telegram's own when unset. */
  telegramApiRoot?: string | undefined;
  /** Hosts and ranges company providers may reach although internal (`OUTBOUND_ALLOW`). */
  outboundAllow?: readonly string[] | undefined;
  log?: Logger | undefined;
  /** `JOURNAL_RETENTION_DAYS`: the daily journal cleanup's age; undefined: off (its schedule is removed). */
  journalRetentionDays?: number | undefined;
  /** Abuse limits (`loadConfig`): recipients per event, SMS per phone and per company; the defaults when unset. */
  limits?: Limits | undefined;
  /** `PUBLIC_URL`: the base of the console links in managers' alerts. */
  publicUrl?: string | undefined;
  /** The process's metrics, shared with the API in the same process; the worker's own when absent. */
  metrics?: Metrics | undefined;
  /** Configuration changes heard from the database: companies' settings stay in memory between changes. */
  changes?: ChangeFeed | undefined;
  /** A prebuilt workflow bundle; the sources are bundled when absent. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /** Slots, pollers and cache (`loadConfig().worker`); sized for 2 cores when unset. */
  tuning?: WorkerTuning | undefined;
  /**
   * At start, make sure every company has its schedules (R16, R17; one deleted
   * by hand comes back) and its bot is long-polled where no webhook exists.
   * Default true.
   */
  companyJobs?: boolean;
  /** Tests only: faults injected into the send activity (see `SendFaults`). */
  faults?: SendFaults | undefined;
}

export interface RunningWorker {
  worker: Worker;
  /**
   * The worker's connection to Temporal. A client over it in the same process
   * can start workflows eagerly: the server hands the first workflow task to
   * this worker in the start's answer instead of through a poll.
   */
  connection: NativeConnection;
  channels: ChannelRegistry;
  /** Settles when the worker stops; rejects when it fails. */
  done: Promise<void>;
  /** Stops polling, lets running activities finish within the grace time, and closes every connection. */
  stop(): Promise<void>;
}

const DEFAULT_START_TIMEOUT_MS = 120_000;

export async function startWorker(deps: WorkerDeps): Promise<RunningWorker> {
  const log = deps.log;
  const transport = createSmtpTransport(deps.smtpUrl);
  const metrics = deps.metrics ?? createMetrics({ processMetrics: false });
  const sendsInFlight = createSendsInFlight();
  const onDeliveryReport = createDeliveryReportHandler(createJournalRepository(deps.db), {
    onError: (err, report) => log?.error({ err, companyId: report.companyId, provider: report.provider }, 'could not journal a delivery report'),
    onRecorded: (entry) => {
      metrics.deliveries.inc({ channel: entry.channel ?? 'none', provider: entry.provider ?? 'none', status: entry.status });
      log?.info(
        { companyId: entry.companyId, eventId: entry.eventId, workflowId: entry.workflowId, runId: entry.runId, channel: entry.channel, provider: entry.provider, status: entry.status },
        'delivery report journaled',
      );
    },
    inFlight: sendsInFlight,
  });
  const info = (message: string) => log?.info(message);
  const channels = createChannelRegistry({
    db: deps.db,
    secrets: deps.secrets,
    defaultEmail: createEmailChannel({ transport }),
    defaultSms: deps.smsUrl ? createDefaultSmsProvider(deps.smsUrl, { onDeliveryReport, log: info }) : null,
    ...(deps.telegramApiRoot ? { telegramApiRoot: deps.telegramApiRoot } : {}),
    onDeliveryReport,
    log: info,
    outboundAllow: deps.outboundAllow,
    changes: deps.changes,
  });
  let connection: NativeConnection;
  try {
    connection = await waitForTemporal(
      deps.temporal,
      () => NativeConnection.connect({ address: deps.temporal.address }),
      (c) => c.workflowService.describeNamespace({ namespace: deps.temporal.namespace }),
      { timeoutMs: deps.temporal.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, log: (message) => log?.warn(message) },
    );
  } catch (err) {
    await channels.close();
    transport.close();
    throw err;
  }
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection,
      namespace: deps.temporal.namespace,
      taskQueue: deps.temporal.taskQueue,
      activities: createActivities({ db: deps.db, channels, limits: deps.limits ?? DEFAULT_LIMITS, metrics, publicUrl: deps.publicUrl, faults: deps.faults, sendsInFlight }),
      ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: workflowsPath() }),
      shutdownGraceTime: deps.shutdownGraceTime ?? '10 seconds',
      ...workerOptions(deps.tuning ?? DEFAULT_WORKER_TUNING),
    });
  } catch (err) {
    await connection.close();
    await channels.close();
    transport.close();
    throw err;
  }
  const done = worker.run();

  if (deps.companyJobs !== false) await ensureCompanyJobs(deps, connection);

  let stopped: Promise<void> | undefined;
  return {
    worker,
    connection,
    channels,
    done,
    stop() {
      stopped ??= (async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await done.catch(() => undefined);
        await connection.close();
        await channels.close();
        transport.close();
      })();
      return stopped;
    },
  };
}

/** Temporal's worker options from the tuning: slots, pollers and the cache of runs. */
export function workerOptions(tuning: WorkerTuning): Partial<WorkerOptions> {
  return {
    maxConcurrentWorkflowTaskExecutions: tuning.workflowTaskSlots,
    maxConcurrentActivityTaskExecutions: tuning.activitySlots,
    maxConcurrentLocalActivityExecutions: tuning.localActivitySlots,
    maxConcurrentWorkflowTaskPolls: tuning.pollers,
    maxConcurrentActivityTaskPolls: tuning.pollers,
    maxCachedWorkflows: tuning.cachedWorkflows,
  };
}

/** Per company: its periodic jobs and, where it has no webhook, the long polling of its bot. */
async function ensureCompanyJobs(deps: WorkerDeps, connection: NativeConnection): Promise<void> {
  const client = new Client({ connection, namespace: deps.temporal.namespace });
  const taskQueue = deps.temporal.taskQueue;
  const companyIds = await createCompanyRepository(deps.db).listIds();
  // A longer bound than the API's: a busy cluster at start is no reason to skip them.
  await ensureSchedules({ client, taskQueue, companies: companyIds, callTimeoutMs: 15_000 }).then(
    (result) => deps.log?.info(result, 'schedules ensured'),
    (err: unknown) => deps.log?.error({ err }, 'could not create the schedules'),
  );
  await ensureJournalRetentionSchedule({ client, taskQueue, callTimeoutMs: 15_000 }, deps.journalRetentionDays).then(
    (result) => deps.log?.info({ result, olderThanDays: deps.journalRetentionDays ?? null }, 'journal retention schedule'),
    (err: unknown) => deps.log?.error({ err }, 'could not set up the journal retention schedule'),
  );
  for (const id of companyIds) {
    await ensureTelegramPolling(client, taskQueue, id).catch((err: unknown) =>
      deps.log?.warn({ err, companyId: id }, 'could not start Telegram polling'),
    );
  }
}
