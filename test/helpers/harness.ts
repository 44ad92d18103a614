import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { eq } from 'drizzle-orm';
import { Client as PgClient } from 'pg';
import { inject } from 'vitest';
import { createActivities } from '../../activities';
import { createScheduleActivities } from '../../activities/schedules';
import { buildApp } from '../../src/app';
import { createEmailChannel, createSmtpTransport } from '../../src/channels/email';
import { createApiKeyRepository } from '../../src/db/repositories/api-keys';
import { createDatabase, migrateDatabase, type Database, type Db } from '../../src/db/client';
import { companies } from '../../src/db/schema';
import { type CompanyMode } from '../../src/domain/vocabulary';
import { seedDemo } from '../../src/db/seed';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../../src/dev/smtp-sink';
import type { Role } from '../../src/domain/roles';
import { createNotificationWorker } from '../../src/temporal/worker';
import { createDefaultSmsProvider } from '../../src/providers/default-sms';
import { createChannelRegistry, type ChannelRegistry } from '../../src/providers/registry';
import { createDeliveryReportHandler, createJournalRepository } from '../../src/db/repositories/journal';
import { createSecretBox } from '../../src/secrets';

// The SDK's INFO lines about worker state drown test output; warnings still show.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed in this process.
}

/** The key that encrypts stored secrets in tests (32 bytes, base64). */
export const TEST_SECRETS_KEY = Buffer.alloc(32, 7).toString('base64');

export interface Harness {
  app: FastifyInstance;
  db: Db;
  databaseUrl: string;
  smtp: SmtpSink;
  temporal: Client;
  temporalAddress: string;
  temporalUiUrl: string;
  taskQueue: string;
  companyId: string;
  /** A key with every role. */
  apiKey: string;
  /** Calls the API with the admin key unless another is given. */
  request(opts: InjectOptions & { key?: string | null }): Promise<LightMyRequestResponse>;
  keyWithRoles(roles: Role[]): Promise<string>;
  setMode(mode: CompanyMode): Promise<void>;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Start an in-process worker right away (default true). */
  worker?: boolean;
  mode?: CompanyMode;
  smtp?: SmtpSinkOptions;
  /** The built-in default SMS provider, e.g. a local SMSC's `smpp://...?source=NOTIFY`. */
  smsUrl?: string;
  /** A local Bot API server. */
  telegramApiRoot?: string;
}

/** Creates a fresh PostgreSQL database on the shared test server and returns its URL. */
export async function createTestDatabase(): Promise<string> {
  const adminUrl = inject('postgresUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A company's whole stack for one test file: its own database (migrated and
 * seeded), its own SMTP server and task queue, on the shared real Temporal.
 */
export async function createHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const temporalAddress = inject('temporalAddress');
  const databaseUrl = await createTestDatabase();
  const database: Database = createDatabase(databaseUrl);
  await migrateDatabase(database.db);
  // A company of its own per test file: workflow ids carry the company, and test files share one Temporal.
  const companyId = `demo-${randomBytes(4).toString('hex')}`;
  const seeded = await seedDemo(database.db, companyId);
  if (!seeded.apiKey) throw new Error('seed did not create a key');
  const db = database.db;
  if (opts.mode) await db.update(companies).set({ mode: opts.mode }).where(eq(companies.id, companyId));

  const smtp = await startSmtpSink(opts.smtp);
  const taskQueue = `test-${randomBytes(6).toString('hex')}`;
  const connection = await Connection.connect({ address: temporalAddress });
  const temporal = new Client({ connection });
  const app = await buildApp({
    db,
    temporal,
    taskQueue,
    namespace: 'default',
    temporalUiUrl: inject('temporalUiUrl'),
    secrets: createSecretBox(TEST_SECRETS_KEY),
    telegramApiRoot: opts.telegramApiRoot,
  });

  let worker: { instance: Worker; running: Promise<void>; connection: NativeConnection } | undefined;
  const transport = createSmtpTransport(smtp.url);
  let registry: ChannelRegistry | undefined;

  const harness: Harness = {
    app,
    db,
    databaseUrl,
    smtp,
    temporal,
    temporalAddress,
    temporalUiUrl: inject('temporalUiUrl'),
    taskQueue,
    companyId: companyId,
    apiKey: seeded.apiKey,
    request({ key, ...options }) {
      const headers = { ...(options.headers ?? {}) };
      const token = key === undefined ? seeded.apiKey : key;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      return app.inject({ ...options, headers });
    },
    async keyWithRoles(roles) {
      return (await createApiKeyRepository(db).create(companyId, `test ${roles.join(',')}`, roles)).key;
    },
    async setMode(mode) {
      await db.update(companies).set({ mode }).where(eq(companies.id, companyId));
    },
    async startWorker() {
      if (worker) return;
      const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
      const onDeliveryReport = createDeliveryReportHandler(createJournalRepository(db));
      registry = createChannelRegistry({
        db,
        secrets: createSecretBox(TEST_SECRETS_KEY),
        defaultEmail: createEmailChannel({ transport }),
        defaultSms: opts.smsUrl ? createDefaultSmsProvider(opts.smsUrl, { onDeliveryReport }) : null,
        ...(opts.telegramApiRoot ? { telegramApiRoot: opts.telegramApiRoot } : {}),
        onDeliveryReport,
      });
      const instance = await createNotificationWorker({
        connection: nativeConnection,
        namespace: 'default',
        taskQueue,
        activities: { ...createActivities({ db, channels: registry }), ...createScheduleActivities({ db, channels: registry }) },
        workflowBundle: { codePath: inject('workflowBundlePath') },
        shutdownGraceTime: '2 seconds',
      });
      worker = { instance, running: instance.run(), connection: nativeConnection };
    },
    async stopWorker() {
      if (!worker) return;
      const current = worker;
      worker = undefined;
      current.instance.shutdown();
      await current.running;
      await current.connection.close();
      await registry?.close();
      registry = undefined;
    },
    async close() {
      await harness.stopWorker();
      await app.close();
      await connection.close();
      transport.close();
      await smtp.stop();
      await database.close();
    },
  };
  if (opts.worker !== false) await harness.startWorker();
  return harness;
}
