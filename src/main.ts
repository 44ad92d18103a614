import { ConfigError, loadConfig, type Config } from './config';
import { createDatabase, migrateDatabase } from './db/client';
import { ensureAdminKey, seedDemo } from './db/seed';
import { startEmbedded, type ProcessRole } from './dev/embedded';
import { createLogger } from './log';
import { createSecretBox, loadOrCreateLocalSecretsKey } from './secrets';
import { startApi } from './server';
import { installTemporalLogging } from './temporal/logger';
import { startWorker } from './worker';

/** `main.ts [api|worker|all]`: one role or both, with a stand-in for every service left unconfigured. */
async function main(role: ProcessRole, config: Config): Promise<void> {
  const log = createLogger(config.logLevel);
  installTemporalLogging(log);
  const stops: (() => Promise<void>)[] = [];
  const shutdown = async (code: number) => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => log.warn({ err }, 'shutdown step failed'));
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  try {
    const env = await startEmbedded(config, role, log);
    stops.push(env.stop);
    const database = createDatabase(env.databaseUrl);
    stops.push(() => database.close());
    await migrateDatabase(database.db);
    const seeded = await seedDemo(database.db);
    if (config.adminApiKey) await ensureAdminKey(database.db, config.adminApiKey);
    const secrets = createSecretBox(config.secretsKey ?? loadOrCreateLocalSecretsKey(config.dataDir));
    const temporal = { address: env.temporalAddress, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue };
    const providers = { smsUrl: env.smsUrl, telegramApiRoot: env.telegramApiRoot };
    const bundle = config.temporal.workflowBundlePath;

    if (role !== 'api') {
      const worker = await startWorker({ ...providers, db: database.db, secrets, temporal, smtpUrl: env.smtpUrl!, log, ...(bundle ? { workflowBundle: { codePath: bundle } } : {}) });
      stops.push(worker.stop);
      worker.done.catch((err: unknown) => {
        log.error({ err }, 'worker stopped');
        void shutdown(1);
      });
    }
    if (role === 'worker') return void log.info({ taskQueue: temporal.taskQueue }, 'worker running');

    const listen = { port: config.port, host: config.host };
    const api = await startApi({ ...providers, db: database.db, secrets, temporal: { ...temporal, uiUrl: env.temporalUiUrl }, logger: log, listen });
    stops.push(api.stop);
    const lines = [
      `  API           ${api.address}`,
      `  OpenAPI UI    ${api.address}/docs`,
      ...(env.temporalUiUrl ? [`  Temporal UI   ${env.temporalUiUrl}`] : []),
      ...env.banner,
      ...(seeded.apiKey ? [`  Demo API key  ${seeded.apiKey}   (shown once; it has every role)`] : []),
    ];
    process.stdout.write(`\n${lines.join('\n')}\n\n`);
  } catch (err) {
    log.fatal({ err }, 'start failed');
    await shutdown(1);
  }
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
