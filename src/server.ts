/**
 * The API role, composed once: a Temporal client and the Fastify app over the
 * database. `main.ts` listens on it; the test harness injects requests.
 */
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app';
import type { EventIntakeFaults } from './api/routes/events';
import type { ChangeFeed } from './db/change-feed';
import type { Db } from './db/client';
import type { Limits } from './domain/limits';
import type { SessionPolicy } from './domain/sessions';
import type { Metrics } from './metrics';
import type { SecretBox } from './secrets';
import { waitForTemporal } from './temporal/connect';

export interface ApiDeps {
  db: Db;
  secrets: SecretBox;
  /** `startTimeoutMs`: how long to wait for Temporal and its namespace at start (default 120 s). */
  temporal: { address: string; namespace: string; taskQueue: string; uiUrl?: string | undefined; startTimeoutMs?: number | undefined };
  /** Where the Bot API is, for setting webhooks; Telegram's own when unset. */
  telegramApiRoot?: string | undefined;
  /** Hosts and ranges company providers may name although internal (`OUTBOUND_ALLOW`). */
  outboundAllow?: readonly string[] | undefined;
  /** The built-in default SMS provider (`SMS_URL`): the settings tell the unit its balance is counted in. */
  smsUrl?: string | undefined;
  logger?: Logger | false | undefined;
  /** Abuse limits (`loadConfig`); the defaults when unset. */
  limits?: Limits | undefined;
  /** Console sessions and sign-in limits (`loadConfig`); the defaults when unset. */
  sessions?: SessionPolicy | undefined;
  /** The process's metrics, shared with a worker in the same process; the app's own when absent. */
  metrics?: Metrics | undefined;
  /**
   * The connection of a worker in the same process. The API's client then
   * uses it and asks for Eager Workflow Start: the server hands an event's
   * first workflow task to that worker in the start's answer, sparing a poll.
   * The API does not close it; its worker does.
   */
  workerConnection?: NativeConnection | undefined;
  /** Listen here; without it the app only answers `inject`. */
  listen?: { port: number; host: string } | undefined;
  /** The chaos suite's fault points in the event intake (`CHAOS_API_EXIT_AFTER_INSERT`); never set otherwise. */
  eventFaults?: EventIntakeFaults | undefined;
  /** The process's configuration change feed: API keys are then kept in memory between changes. The caller closes it. */
  changes?: ChangeFeed | undefined;
}

export interface RunningApi {
  app: FastifyInstance;
  temporal: Client;
  /** The address it listens on, when it listens. */
  address: string | undefined;
  stop(): Promise<void>;
}

export async function startApi(deps: ApiDeps): Promise<RunningApi> {
  // The API waits for Temporal before it listens: every call it serves needs it,
  // and an orchestrator sees a process that is up but not yet ready.
  const shared = deps.workerConnection;
  const connection = shared ?? await waitForTemporal(
    deps.temporal,
    (connectTimeoutMs) => Connection.connect({ address: deps.temporal.address, connectTimeout: connectTimeoutMs }),
    (c) => c.workflowService.describeNamespace({ namespace: deps.temporal.namespace }),
    { timeoutMs: deps.temporal.startTimeoutMs ?? 120_000, log: (message) => (deps.logger ? deps.logger.warn(message) : undefined) },
  );
  const temporal = new Client({ connection, namespace: deps.temporal.namespace });
  const app = await buildApp({
    db: deps.db,
    temporal,
    taskQueue: deps.temporal.taskQueue,
    namespace: deps.temporal.namespace,
    temporalUiUrl: deps.temporal.uiUrl,
    secrets: deps.secrets,
    telegramApiRoot: deps.telegramApiRoot,
    outboundAllow: deps.outboundAllow,
    smsUrl: deps.smsUrl,
    logger: deps.logger ?? false,
    limits: deps.limits,
    sessions: deps.sessions,
    metrics: deps.metrics,
    eagerStart: shared !== undefined,
    eventFaults: deps.eventFaults,
    changes: deps.changes,
  });
  const address = deps.listen ? await app.listen(deps.listen) : undefined;
  return {
    app,
    temporal,
    address,
    async stop() {
      await app.close();
      if (!shared) await connection.close();
    },
  };
}
