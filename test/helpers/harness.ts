import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { eq } from 'drizzle-orm';
import { Client as PgClient } from 'pg';
import { inject } from 'vitest';
import { createApiKeyRepository } from '../../src/db/repositories/api-keys';
import { createUserRepository, hashPassword } from '../../src/db/repositories/users';
import { DEFAULT_SESSION_POLICY, type SessionPolicy } from '../../src/domain/sessions';
import { createChangeFeed, type ChangeFeed } from '../../src/db/change-feed';
import { createDatabase, migrateDatabase, type Database, type Db } from '../../src/db/client';
import { companies } from '../../src/db/schema';
import { type CompanyMode } from '../../src/domain/vocabulary';
import { seedDemo } from '../../src/db/seed';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../../src/dev/smtp-sink';
import type { Role } from '../../src/domain/roles';
import { DEFAULT_LIMITS, type Limits } from '../../src/domain/limits';
import { createMetrics } from '../../src/metrics';
import { createSecretBox } from '../../src/secrets';
import { startApi } from '../../src/server';
import { startWorker, type RunningWorker } from '../../src/worker';
import type { SendFaults } from '../../activities/deps';

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
  /** The change feed the file's API and worker share. */
  changes: ChangeFeed;
  /** `http://127.0.0.1:<port>` when started with `listen`. */
  baseUrl: string | undefined;
  /** The demo users' passwords by login (`admin`, `manager`), as the seed printed them. */
  demoPasswords: { admin: string; manager: string };
  /**
   * Calls the API with the admin key unless another is given; with `session`,
   * with that session's cookie instead (and its CSRF token on changes unless `csrf: false`).
   */
  request(opts: InjectOptions & { key?: string | null; session?: TestSession; csrf?: boolean }): Promise<LightMyRequestResponse>;
  keyWithRoles(roles: Role[]): Promise<string>;
  /** Signs in through `POST /v1/session`; fails the test unless it answers 200. */
  signIn(login: string, password: string): Promise<TestSession>;
  /** A new active user of the company with these roles, signed in. */
  userWithRoles(roles: Role[], opts?: { name?: string; login?: string; managerId?: string }): Promise<TestSession & { login: string; password: string }>;
  setMode(mode: CompanyMode): Promise<void>;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

/** A signed-in person as the console holds them: the cookie's token and the CSRF token. */
export interface TestSession {
  userId: number;
  token: string;
  csrfToken: string;
}

/** The session token in a `Set-Cookie` answer of `POST /v1/session`. */
export function sessionTokenOf(res: LightMyRequestResponse): string | undefined {
  const cookies = [res.headers['set-cookie'] ?? []].flat();
  return cookies.map((c) => /^notify_session=([^;]*)/.exec(c)?.[1]).find((v) => v !== undefined && v !== '');
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
  /** `OUTBOUND_ALLOW`: what company providers may reach although internal. Default 127.0.0.1, where the test peers listen. */
  outboundAllow?: string[];
  /** Abuse limits for both the API and the worker; the defaults for what is not given. */
  limits?: Partial<Limits>;
  /** Listen on a free loopback port (for a browser); `baseUrl` then says where. */
  listen?: boolean;
  /** Session lifetimes and sign-in limits of the API; the defaults for what is not given. */
  sessions?: Partial<SessionPolicy>;
  /** `PUBLIC_URL`, the base of console links in messages. Default `http://notify.test`. */
  publicUrl?: string;
  /** Faults injected into the worker's send activity (the duplicate window's tests). */
  faults?: SendFaults;
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
  const passwordOf = (login: string) => {
    const user = seeded.users?.find((u) => u.login === login);
    if (!user) throw new Error(`seed did not create the demo user ${login}`);
    return user.password;
  };
  const db = database.db;
  if (opts.mode) await db.update(companies).set({ mode: opts.mode }).where(eq(companies.id, companyId));

  const smtp = await startSmtpSink(opts.smtp);
  // As in `npm start`: the worker keeps companies' settings, and the API keys, in memory until a change is heard.
  const changes = createChangeFeed(databaseUrl);
  const taskQueue = `test-${randomBytes(6).toString('hex')}`;
  const secrets = createSecretBox(TEST_SECRETS_KEY);
  const outboundAllow = opts.outboundAllow ?? ['127.0.0.1'];
  const temporalOptions = { address: temporalAddress, namespace: 'default', taskQueue };
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  // One registry for the file's API and worker, as in the all-in-one process: /metrics shows both.
  const metrics = createMetrics({ db });
  const api = await startApi({
    db,
    secrets,
    metrics,
    temporal: { ...temporalOptions, uiUrl: inject('temporalUiUrl') },
    telegramApiRoot: opts.telegramApiRoot,
    outboundAllow,
    smsUrl: opts.smsUrl,
    limits,
    ...(opts.listen ? { listen: { host: '127.0.0.1', port: 0 } } : {}),
    sessions: { ...DEFAULT_SESSION_POLICY, ...opts.sessions },
    changes,
  });
  const { app, temporal } = api;

  let worker: RunningWorker | undefined;

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
    changes,
    baseUrl: api.address,
    demoPasswords: { admin: passwordOf('admin'), manager: passwordOf('manager') },
    request({ key, session, csrf, ...options }) {
      const headers = { ...(options.headers ?? {}) };
      const token = key === undefined ? (session ? null : seeded.apiKey) : key;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (session) {
        headers.cookie = `notify_session=${session.token}`;
        if (csrf !== false && !['GET', 'HEAD', 'OPTIONS'].includes(options.method ?? 'GET')) headers['x-csrf-token'] = session.csrfToken;
      }
      return app.inject({ ...options, headers });
    },
    async signIn(login, password) {
      const res = await app.inject({ method: 'POST', url: '/v1/session', payload: { login, password, companyId } });
      if (res.statusCode !== 200) throw new Error(`sign-in of ${login} answered ${res.statusCode}: ${res.body}`);
      const body = res.json() as { user: { id: number }; csrfToken: string };
      return { userId: body.user.id, token: sessionTokenOf(res)!, csrfToken: body.csrfToken };
    },
    async userWithRoles(roles, userOpts = {}) {
      const login = userOpts.login ?? `user-${randomBytes(4).toString('hex')}`;
      const password = randomBytes(9).toString('base64url');
      const created = await createUserRepository(db).create(companyId, {
        login,
        name: userOpts.name ?? `Тестовый Пользователь ${login}`,
        passwordHash: await hashPassword(password),
        roles,
        active: true,
        managerId: userOpts.managerId ?? null,
      });
      if (created === 'login_taken') throw new Error(`login ${login} is taken`);
      return { ...(await harness.signIn(login, password)), login, password };
    },
    async keyWithRoles(roles) {
      return (await createApiKeyRepository(db).create(companyId, `test ${roles.join(',')}`, roles)).key;
    },
    async setMode(mode) {
      await db.update(companies).set({ mode }).where(eq(companies.id, companyId));
    },
    async startWorker() {
      if (worker) return;
      worker = await startWorker({
        db,
        secrets,
        temporal: temporalOptions,
        smtpUrl: smtp.url,
        smsUrl: opts.smsUrl,
        metrics,
        telegramApiRoot: opts.telegramApiRoot,
        outboundAllow,
        limits,
        publicUrl: opts.publicUrl ?? 'http://notify.test',
        workflowBundle: { codePath: inject('workflowBundlePath') },
        shutdownGraceTime: '2 seconds',
        // Tests start the schedules and polling they need themselves.
        companyJobs: false,
        faults: opts.faults,
        changes,
      });
    },
    async stopWorker() {
      const current = worker;
      worker = undefined;
      await current?.stop();
    },
    async close() {
      await harness.stopWorker();
      await api.stop();
      await smtp.stop();
      await changes.close();
      await database.close();
    },
  };
  if (opts.worker !== false) await harness.startWorker();
  return harness;
}
