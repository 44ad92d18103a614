import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import pino, { type Logger } from 'pino';
import { createActivities } from '../activities';
import { createScheduleActivities } from '../activities/schedules';
import { buildApp } from './app';
import { createEmailChannel, createSmtpTransport } from './channels/email';
import { createDefaultSmsProvider } from './providers/default-sms';
import { createChannelRegistry } from './providers/registry';
import { createDeliveryReportHandler, createJournalRepository } from './db/repositories/journal';
import { ConfigError, loadConfig, type Config } from './config';
import { createDatabase, migrateDatabase, type Database } from './db/client';
import { ensureAdminKey, seedDemo } from './db/seed';
import { startEmbeddedPostgres } from './dev/postgres';
import { startSmtpSink } from './dev/smtp-sink';
import { startDevTemporal } from './dev/temporal';
import { installTemporalLogging } from './temporal/logger';
import { ensureTelegramPolling } from './temporal/telegram-polling';
import { companies } from './db/schema';
import { ensureSchedules } from './temporal/schedules';
import { createNotificationWorker } from './temporal/worker';
import { createSecretBox, loadOrCreateLocalSecretsKey } from './secrets';

type Role = 'api' | 'worker' | 'all';

/** Values that must never reach a log line, wherever they appear. */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  '*.password',
  '*.pass',
  '*.token',
  '*.apiKey',
  'config.smtpUrl',
  'config.databaseUrl',
];

function createLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    redact: { paths: LOG_REDACT_PATHS, censor: '[secret]' },
  });
}

async function main(): Promise<void> {
  const role = parseRole(process.argv[2]);
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config);
  installTemporalLogging(log);
  const cleanups: (() => Promise<void>)[] = [];
  const shutdown = async (code: number) => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((err: unknown) => log.warn({ err }, 'shutdown step failed'));
    }
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  try {
    // Embedded dependencies stand in for every external service that is not configured.
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      log.info('DATABASE_URL unset: starting embedded PostgreSQL');
      const pg = await startEmbeddedPostgres({ dataDir: config.dataDir, log: (m) => log.debug(m) });
      cleanups.push(() => pg.stop());
      databaseUrl = pg.url;
    }
    let temporalAddress = config.temporal.address;
    let temporalUiUrl = config.temporal.uiUrl;
    if (!temporalAddress) {
      log.info('TEMPORAL_ADDRESS unset: starting the Temporal dev server (first start can take a minute)');
      const temporal = await startDevTemporal({
        dataDir: path.join(config.dataDir, 'temporal'),
        ...((await isPortFree(7233)) ? { port: 7233 } : {}),
        ...((await isPortFree(8233)) ? { uiPort: 8233 } : {}),
        namespace: config.temporal.namespace,
        ...(config.temporal.cliPath ? { cliPath: config.temporal.cliPath } : {}),
        log: (m) => log.info(m),
      });
      cleanups.push(() => temporal.stop());
      temporalAddress = temporal.address;
      temporalUiUrl ??= temporal.uiUrl;
    }
    let smtpUrl = config.smtpUrl;
    let mailDir: string | undefined;
    if (!smtpUrl && role !== 'api') {
      mailDir = path.join(config.dataDir, 'mail');
      const sink = await startSmtpSink({ dir: mailDir });
      cleanups.push(() => sink.stop());
      smtpUrl = sink.url;
    }

    // Fully embedded (no external database): local SMS and Telegram peers stand in for providers.
    let smsUrl = config.smsUrl;
    let telegramApiRoot = config.telegramApiRoot;
    const devLines: string[] = [];
    if (!config.databaseUrl && role !== 'api' && (!smsUrl || !telegramApiRoot)) {
      const peers = { ...(await import('./dev/peers/smsc')), ...(await import('./dev/peers/telegram-bot-api')) };
      if (!smsUrl) {
        const smsc = await peers.startSmsc({ balance: 1000 });
        cleanups.push(() => smsc.stop());
        smsUrl = `${smsc.url}?source=NOTIFY&balanceUrl=${encodeURIComponent(smsc.balanceUrl)}`;
        devLines.push(`  SMS (dev SMSC) ${smsc.url.replace(/\/\/[^@]*@/, '//')}  built-in default SMS provider`);
      }
      if (!telegramApiRoot) {
        const token = devTelegramToken(config.dataDir);
        const bot = await peers.startTelegramBotApi({ token, botUsername: 'dev_notify_bot' });
        cleanups.push(() => bot.stop());
        telegramApiRoot = bot.apiRoot;
        devLines.push(`  Telegram (dev) ${bot.apiRoot}  bot token for settings: ${token}`);
      }
    }

    const database: Database = createDatabase(databaseUrl);
    cleanups.push(() => database.close());
    await migrateDatabase(database.db);
    const seeded = await seedDemo(database.db);
    const secrets = createSecretBox(config.secretsKey ?? loadOrCreateLocalSecretsKey(config.dataDir));
    if (config.adminApiKey) await ensureAdminKey(database.db, config.adminApiKey);

    let worker: Worker | undefined;
    if (role !== 'api') {
      const transport = createSmtpTransport(smtpUrl!);
      const onDeliveryReport = createDeliveryReportHandler(createJournalRepository(database.db), (err) =>
        log.error({ err }, 'could not journal a delivery report'),
      );
      const registry = createChannelRegistry({
        db: database.db,
        secrets,
        defaultEmail: createEmailChannel({ transport }),
        defaultSms: smsUrl ? createDefaultSmsProvider(smsUrl, { onDeliveryReport, log: (m) => log.info(m) }) : null,
        ...(telegramApiRoot ? { telegramApiRoot } : {}),
        onDeliveryReport,
        log: (m) => log.info(m),
      });
      const connection = await NativeConnection.connect({ address: temporalAddress });
      worker = await createNotificationWorker({
        connection,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
        activities: { ...createActivities({ db: database.db, channels: registry }), ...createScheduleActivities({ db: database.db, channels: registry }) },
        ...(config.temporal.workflowBundlePath ? { workflowBundle: { codePath: config.temporal.workflowBundlePath } } : {}),
      });
      const running = worker.run();
      cleanups.push(async () => {
        worker?.shutdown();
        await running.catch(() => undefined);
        await connection.close();
        await registry.close();
        transport.close();
      });
      running.catch((err: unknown) => {
        log.error({ err }, 'worker stopped');
        void shutdown(1);
      });

      // Per company, whenever a worker runs: the periodic jobs (R16, R17; one deleted by hand comes back at
      // the next start) and the long polling of bots that have no public webhook.
      const startupClient = new Client({ connection, namespace: config.temporal.namespace });
      const companyIds = (await database.db.select({ id: companies.id }).from(companies)).map((c) => c.id);
      await ensureSchedules({ client: startupClient, taskQueue: config.temporal.taskQueue, companies: companyIds }).then(
        (result) => log.info(result, 'schedules ensured'),
        (err: unknown) => log.error({ err }, 'could not create the schedules'),
      );
      for (const id of companyIds) {
        await ensureTelegramPolling(startupClient, config.temporal.taskQueue, id).catch((err: unknown) =>
          log.warn({ err, companyId: id }, 'could not start Telegram polling'),
        );
      }
    }

    if (role !== 'worker') {
      const connection = await Connection.connect({ address: temporalAddress });
      const temporal = new Client({ connection, namespace: config.temporal.namespace });
      const app = await buildApp({
        db: database.db,
        temporal,
        taskQueue: config.temporal.taskQueue,
        namespace: config.temporal.namespace,
        temporalUiUrl,
        secrets,
        telegramApiRoot,
        logger: log,
      });
      cleanups.push(async () => {
        await app.close();
        await connection.close();
      });
      const address = await app.listen({ port: config.port, host: config.host });
      const lines = [
        '',
        `  API           ${address}`,
        `  OpenAPI UI    ${address}/docs`,
        ...(temporalUiUrl ? [`  Temporal UI   ${temporalUiUrl}`] : []),
        ...(mailDir ? [`  Sent e-mail   ${mailDir} (local SMTP sink at ${smtpUrl})`] : []),
        ...devLines,
        ...(seeded.apiKey ? [`  Demo API key  ${seeded.apiKey}   (shown once; it has every role)`] : []),
        '',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    } else {
      log.info({ taskQueue: config.temporal.taskQueue }, 'worker running');
    }
  } catch (err) {
    log.fatal({ err }, 'start failed');
    await shutdown(1);
  }
}

/** The dev Bot API's token, kept under DATA_DIR so the one saved in the demo settings stays valid. */
function devTelegramToken(dataDir: string): string {
  const file = path.join(dataDir, 'dev-telegram-token');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const token = `${100_000_000 + Math.floor(Math.random() * 899_999_999)}:DEV${randomBytes(16).toString('hex')}`;
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, `${token}\n`);
  return token;
}

/** The dev server's usual ports when they are free, so bookmarks keep working; any free port otherwise. */
function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

function parseRole(arg: string | undefined): Role {
  if (arg === undefined || arg === 'all' || arg === 'api' || arg === 'worker') return arg ?? 'all';
  process.stderr.write(`usage: main.ts [api|worker|all], got "${arg}"\n`);
  process.exit(2);
}

void main();
