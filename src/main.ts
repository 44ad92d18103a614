import type { EventIntakeFaults } from './api/routes/events';
import { ConfigError, loadConfig, type Config } from './config';
import { ensureConsoleBuilt } from './console-build';
import { createChangeFeed } from './db/change-feed';
import { createDatabase } from './db/client';
import { demoKeyNotice, demoUsersNotice, prepareDatabase } from './db/seed';
import { waitForDatabase } from './db/wait';
import { startEmbedded, type ProcessRole } from './dev/embedded';
import { createLifecycle } from './lifecycle';
import { createLogger } from './log';
import { createMetrics, serveMetrics } from './metrics';
import { createSecretBox, loadOrCreateLocalSecretsKey } from './secrets';
import { startApi } from './server';
import { closeTemplatePool } from './services/template-pool';
import { installTemporalLogging } from './temporal/logger';
import { startWorker, type RunningWorker } from './worker';

/** `main.ts [api|worker|all]`: one role or both, with a stand-in for every service left unconfigured. */
async function main(role: ProcessRole, config: Config): Promise<void> {
  const log = createLogger(config.logLevel);
  installTemporalLogging(log, { metricsPort: config.metrics.temporalPort });
  const life = createLifecycle(log);
  try {
    const env = life.defer(await startEmbedded(config, role, log));
    const { db, ...database } = createDatabase(env.databaseUrl);
    life.defer({ stop: database.close });
    await waitForDatabase(db, env.databaseUrl, { timeoutMs: config.startTimeoutSeconds * 1000, log: (message) => log.warn(message) });
    // Stopped after the API and the worker: both render in it until they are done.
    life.defer({ stop: closeTemplatePool });
    const seeded = await prepareDatabase(db, config.adminApiKey);
    // Whichever role seeds first makes the key: a worker shows it at once, or it is lost (the API's banner shows it).
    const notices = [...(seeded.apiKey ? [demoKeyNotice(seeded.apiKey)] : []), ...(seeded.users?.length ? [demoUsersNotice(seeded.users)] : [])];
    if (notices.length > 0 && role === 'worker') process.stdout.write(`\n${notices.join('\n')}\n\n`);
    const secrets = createSecretBox(config.secretsKey ?? loadOrCreateLocalSecretsKey(config.dataDir));
    const temporal = { address: env.temporalAddress, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, startTimeoutMs: config.startTimeoutSeconds * 1000 };
    const providers = { smsUrl: env.smsUrl, telegramApiRoot: env.telegramApiRoot, outboundAllow: env.outboundAllow, limits: config.limits };
    // One registry per process: in the all-in-one process the API's /metrics shows the worker's metrics too.
    const metrics = createMetrics({ db });
    const bundle = config.temporal.workflowBundlePath ? { workflowBundle: { codePath: config.temporal.workflowBundlePath } } : {};

    // One feed per process: the worker's configuration caches and the API's key cache hear changes through it.
    const changes = createChangeFeed(env.databaseUrl, { log: (message) => log.warn(message) });
    life.defer({ stop: changes.close });
    let workerConnection: RunningWorker['connection'] | undefined;
    if (role !== 'api') {
      const worker = life.defer(
        await startWorker({ ...providers, ...bundle, db, secrets, temporal, smtpUrl: env.smtpUrl!, log, metrics, tuning: config.worker, publicUrl: config.publicUrl, journalRetentionDays: config.journalRetentionDays, changes }),
      );
      if (config.eagerWorkflowStart) workerConnection = worker.connection;
      worker.done.catch((err: unknown) => {
        log.error({ err }, 'worker stopped');
        void life.exit(1);
      });
    }
    if (role === 'worker') {
      if (config.metrics.port !== undefined) {
        life.defer(await serveMetrics(metrics.registry, config.metrics.port));
        log.info({ port: config.metrics.port }, 'worker metrics on /metrics');
      }
      return void log.info({ taskQueue: temporal.taskQueue }, 'worker running');
    }

    await ensureConsoleBuilt(log);
    const listen = { port: config.port, host: config.host };
    // Sharing the worker's connection lets the API start event workflows eagerly (one round trip less per event).
    const api = life.defer(
      await startApi({ ...providers, db, secrets, temporal: { ...temporal, uiUrl: env.temporalUiUrl }, logger: log, metrics, listen, sessions: config.sessions, workerConnection, eventFaults: chaosFaults(config, log), changes }),
    );
    const lines = [`  Console       ${api.address}/console`, `  API           ${api.address}`, `  OpenAPI UI    ${api.address}/docs`, ...env.banner];
    lines.push(...notices);
    process.stdout.write(`\n${lines.join('\n')}\n\n`);
  } catch (err) {
    log.fatal({ err }, 'start failed');
    await life.exit(1);
  }
}

/** The chaos suite's fault in the event intake (`CHAOS_API_EXIT_AFTER_INSERT`, refused in production by `loadConfig`). */
function chaosFaults(config: Config, log: ReturnType<typeof createLogger>): EventIntakeFaults | undefined {
  const prefix = config.chaosApiExitAfterInsert;
  if (prefix === undefined) return undefined;
  log.warn({ prefix }, 'chaos fault armed: the API kills itself after inserting an event whose id starts with the prefix');
  return {
    afterEventInserted(eventId) {
      if (!eventId.startsWith(prefix)) return;
      log.warn({ eventId }, 'chaos fault: killing the API between the insert and the workflow start');
      process.kill(process.pid, 'SIGKILL');
    },
  };
}

function parseRole(arg: string | undefined): ProcessRole {
  if (arg === undefined || arg === 'all' || arg === 'api' || arg === 'worker') return arg ?? 'all';
  process.stderr.write(`usage: main.ts [api|worker|all], got "${arg}"\n`);
  process.exit(2);
}

try {
  void main(parseRole(process.argv[2]), loadConfig());
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
