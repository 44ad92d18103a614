/**
 * `npm run test:chaos`: a steady load of events in `live` mode to real peers
 * while the pieces the service depends on fail, one after another.
 *
 * Runs PostgreSQL (embedded), the Temporal dev server (its CLI, on a SQLite
 * file), a counting SMTP server, the SMSC peer (`src/dev/peers/smsc.ts`) and
 * the Bot API peer, and the service as two child processes, `main.ts api` and
 * `main.ts worker`, each restarted by a small supervisor when it dies (as
 * systemd or Kubernetes would). A client posts events at a steady rate and
 * retries 503s, timeouts and refused connections with the same event id, as
 * API.md asks. Every event goes to three contacts of one client: one by
 * e-mail, one by SMS, one by Telegram. The faults, in order:
 *
 * - `worker-kill`: the worker SIGKILLed three times, 15 s apart;
 * - `postgres-stop`: PostgreSQL stopped for 20 s, then started on its data;
 * - `smtp-refuse`: the SMTP server closed (connections refused) for 30 s;
 * - `temporal-kill`: the Temporal dev server SIGKILLed and started again on
 *   the same port and SQLite file;
 * - `smpp-drop`: the SMSC takes a submit_sm and cuts the link before its answer
 *   (three times);
 * - `api-kill`: the API kills itself between the event's insert and its
 *   workflow start (`CHAOS_API_EXIT_AFTER_INSERT`, twice).
 *
 * Afterwards every accepted event's messages are looked up at the peers (the
 * SMTP server by Message-ID, the SMSC by text, the Bot API by text) and in the
 * journal, and a table per fault shows sent, delivered, duplicated by channel
 * and lost. A message is lost when the peer never got it, unless the journal
 * says `unknown` on a channel whose guarantee is "at most once" (README, "What a
 * retry can and cannot repeat"); those are counted apart. Duplicates are
 * allowed only where that guarantee allows them: e-mail again under the same
 * Message-ID. Exits non-zero on any loss, disallowed duplicate, event never
 * accepted, or journal that disagrees with the peers.
 *
 * Not part of `.ci/run` (it takes about ten minutes). `CHAOS_RATE` sets the
 * events per second (default 2).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import pg from 'pg';
import { startSmsc } from '../../src/dev/peers/smsc';
import { startTelegramBotApi } from '../../src/dev/peers/telegram-bot-api';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../../src/dev/postgres';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../../src/dev/smtp-sink';
import { devServerExtraArgs, findTemporalCli } from '../../src/dev/temporal';

const ROOT = path.resolve(__dirname, '../..');
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-chaos-'));
const LOGS = path.join(WORK, 'logs');
const ADMIN_KEY = `chaos-admin-${randomBytes(12).toString('hex')}`;
const SECRETS_KEY = randomBytes(32).toString('base64');
const RATE = Number(process.env['CHAOS_RATE'] ?? '2');
const EVENT_TYPE = 'chaos.notice';
const CLIENT = 'chaos-client';
const API_KILL_PREFIX = 'apikill-';
const CONTACTS = {
  email: { name: 'Почта', email: 'chaos.mail@romashka.example' },
  sms: { name: 'Телефон', phone: '+79160007001' },
  telegram: { name: 'Телеграм', telegramChatId: '7007001' },
} as const;
const CHANNELS = ['email', 'sms', 'telegram'] as const;
type ChannelName = (typeof CHANNELS)[number];
const FINAL_STATES = new Set(['completed', 'partial', 'failed', 'rejected', 'expired', 'skipped']);
const PHASES = ['baseline', 'worker-kill', 'postgres-stop', 'smtp-refuse', 'temporal-kill', 'smpp-drop', 'api-kill'] as const;
type Phase = (typeof PHASES)[number];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const startedAt = Date.now();
function log(message: string): void {
  const t = Math.round((Date.now() - startedAt) / 1000);
  process.stdout.write(`[chaos +${String(t).padStart(4)}s] ${message}\n`);
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}

function exitOf(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

function spawnLogged(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const out = fs.openSync(path.join(LOGS, `${name}.log`), 'a');
  fs.writeSync(out, `\n=== ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  return child;
}

// ---------------------------------------------------------------- supervised service processes

/** A role of the service, restarted a second after it dies unless it is being stopped. */
class Supervised {
  child: ChildProcess | undefined;
  restarts = 0;
  private stopping = false;
  constructor(
    readonly name: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  start(): void {
    const child = spawnLogged(this.name, process.execPath, ['--import', 'tsx', 'src/main.ts', ...this.args], this.env);
    this.child = child;
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      log(`${this.name} (pid ${child.pid}) exited (${signal ?? `code ${code}`}); the supervisor restarts it`);
      this.restarts++;
      setTimeout(() => {
        if (!this.stopping) this.start();
      }, 1000);
    });
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGKILL');
    await exitOf(child);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exitOf(child);
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- Temporal dev server, killable

class TemporalDev {
  child: ChildProcess | undefined;
  constructor(
    private readonly cli: string,
    readonly port: number,
    private readonly dbFile: string,
  ) {}
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const [ui, http, metrics] = [await freePort(), await freePort(), await freePort()];
    const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(this.port), '--ui-port', String(ui), '--http-port', String(http), '--metrics-port', String(metrics), '--db-filename', this.dbFile, '--log-level', 'warn', '--headless', ...devServerExtraArgs()];
    this.child = spawnLogged('temporal', this.cli, args, process.env);
    await waitFor(
      'Temporal dev server healthy',
      async () => {
        const health = spawnSync(this.cli, ['operator', 'namespace', 'describe', '--namespace', 'default', '--address', this.address], { encoding: 'utf8', timeout: 10_000 });
        return health.status === 0 ? true : undefined;
      },
      120_000,
      500,
    );
  }

  async kill9(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGKILL');
    await exitOf(child);
  }
}

// ---------------------------------------------------------------- SMTP server that can refuse

/** The SMTP peer: stopped (connections refused) and started again on the same port; counts across its lives. */
class Smtp {
  private sink: SmtpSink | undefined;
  private readonly sinks: SmtpSink[] = [];
  port = 0;
  async start(): Promise<void> {
    // Stopping cuts the open (pooled) connections at once: no message slips in while it refuses.
    this.sink = await startSmtpSink({ closeTimeoutMs: 100, ...(this.port ? { port: this.port } : {}) });
    this.sinks.push(this.sink);
    this.port = this.sink.port;
  }
  async stop(): Promise<void> {
    if (!this.sink) return;
    const sink = this.sink;
    this.sink = undefined;
    await sink.stop();
  }
  get url(): string {
    return `smtp://127.0.0.1:${this.port}?ignoreTLS=true`;
  }
  messages(): ReceivedMail[] {
    return this.sinks.flatMap((sink) => sink.messages);
  }
}

// ---------------------------------------------------------------- the client

interface Posted {
  id: string;
  phase: Phase;
  accepted: boolean;
  /** Tries before the answer that accepted it (each a 503, a timeout or a refused connection). */
  retries: number;
  lastError?: string;
}

let apiBase = '';

async function call(method: string, url: string, body?: unknown, timeoutMs = 10_000): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${apiBase}${url}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** A well-behaved caller: 503, 429, timeouts and refused connections are retried with the same id for up to 8 minutes. */
async function postEvent(p: Posted): Promise<void> {
  const deadline = Date.now() + 8 * 60_000;
  while (Date.now() < deadline) {
    try {
      const res = await call('POST', '/v1/events', { id: p.id, type: EVENT_TYPE, counterpartyId: CLIENT, data: { n: p.id } });
      if (res.status === 202 || res.status === 200) {
        p.accepted = true;
        return;
      }
      p.lastError = `HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
      if (res.status !== 503 && res.status !== 429 && res.status < 500) {
        log(`event ${p.id} refused: ${p.lastError}`);
        return;
      }
      const after = Number(res.headers.get('retry-after') ?? '1');
      p.retries++;
      await sleep(Math.min(Math.max(after, 1), 5) * 1000);
    } catch (err) {
      p.lastError = String((err as Error).cause ?? err);
      p.retries++;
      await sleep(1000);
    }
  }
}

// ---------------------------------------------------------------- main

interface ChannelCounts {
  expected: number;
  delivered: number;
  duplicatedAllowed: number;
  duplicatedDisallowed: number;
  unknown: number;
  /** Journaled `unknown` (the link dropped before the provider's answer) although the peer has it. */
  unknownReceived: number;
  lost: number;
  journalWrong: number;
}

async function main(): Promise<number> {
  fs.mkdirSync(LOGS, { recursive: true });
  log(`work directory ${WORK} (process logs in ${LOGS}); ${RATE} events/s`);

  const bundlePath = path.join(WORK, 'workflow-bundle.js');
  const bundled = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bundle-workflows.ts', bundlePath], { cwd: ROOT, encoding: 'utf8' });
  if (bundled.status !== 0) throw new Error(`could not bundle the workflows: ${bundled.stderr}`);

  const pgDir = path.join(WORK, 'postgres');
  const pgPort = await freePort();
  let postgres: EmbeddedPostgresServer = await startEmbeddedPostgres({ dataDir: pgDir, port: pgPort });
  const databaseUrl = await postgres.createDatabase('notify_chaos');
  const temporal = new TemporalDev(await findTemporalCli(), await freePort(), path.join(WORK, 'temporal.sqlite'));
  await temporal.start();
  log(`PostgreSQL on ${pgPort}, Temporal dev server on ${temporal.address}`);
  const smtp = new Smtp();
  await smtp.start();
  const smsc = await startSmsc({ receipts: 'delivered' });
  const telegram = await startTelegramBotApi({ botUsername: 'chaos_notify_bot' });

  const apiPort = await freePort();
  apiBase = `http://127.0.0.1:${apiPort}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: 'info',
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_WORKFLOW_BUNDLE: bundlePath,
    DATABASE_URL: databaseUrl,
    SECRETS_KEY,
    SMTP_URL: smtp.url,
    SMS_URL: `${smsc.url}?source=NOTIFY`,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    ADMIN_API_KEY: ADMIN_KEY,
    EVENTS_PER_MINUTE_PER_KEY: '0',
    SMS_PER_RECIPIENT_PER_HOUR: '100000',
    SMS_PER_COMPANY_PER_DAY: '1000000',
    START_TIMEOUT_SECONDS: '600',
    CHAOS_API_EXIT_AFTER_INSERT: API_KILL_PREFIX,
  };
  delete env['NODE_ENV'];
  const worker = new Supervised('worker', ['worker'], { ...env, DATA_DIR: path.join(WORK, 'worker') });
  const api = new Supervised('api', ['api'], { ...env, DATA_DIR: path.join(WORK, 'api'), PORT: String(apiPort), HOST: '127.0.0.1' });
  worker.start();
  api.start();
  const services = [api, worker];

  try {
    await waitFor('the API ready', async () => ((await call('GET', '/readyz')).status === 200 ? true : undefined), 300_000, 1000);
    await setUp(telegram.token);
    log('API and worker up; demo company live; event type and client set up');

    const posted: Posted[] = [];
    const inflight = new Set<Promise<void>>();
    let phase: Phase = 'baseline';
    let seq = 0;
    let loading = true;
    const post = (id: string) => {
      const p: Posted = { id, phase, accepted: false, retries: 0 };
      posted.push(p);
      const done = postEvent(p).finally(() => inflight.delete(done));
      inflight.add(done);
    };
    const load = (async () => {
      while (loading) {
        post(`${phase}-${++seq}`);
        await sleep(1000 / RATE);
      }
    })();
    const enter = (next: Phase) => {
      phase = next;
      log(`--- fault: ${next}`);
    };

    await sleep(20_000);

    enter('worker-kill');
    for (let i = 0; i < 3; i++) {
      await sleep(5000);
      await worker.kill();
      log(`worker SIGKILLed (${i + 1}/3)`);
      await sleep(10_000);
    }
    await sleep(15_000);

    enter('postgres-stop');
    await sleep(3000);
    await postgres.stop();
    log('PostgreSQL stopped');
    await sleep(20_000);
    postgres = await startEmbeddedPostgres({ dataDir: pgDir, port: pgPort });
    log('PostgreSQL started again');
    await sleep(20_000);

    enter('smtp-refuse');
    await sleep(3000);
    await smtp.stop();
    log('SMTP server closed: connections refused');
    await sleep(30_000);
    await smtp.start();
    log('SMTP server listening again');
    await sleep(20_000);

    enter('temporal-kill');
    await sleep(3000);
    await temporal.kill9();
    log('Temporal dev server SIGKILLed');
    await sleep(3000);
    await temporal.start();
    log('Temporal dev server started again on the same port and SQLite file');
    await sleep(25_000);

    enter('smpp-drop');
    for (let i = 0; i < 3; i++) {
      await sleep(5000);
      smsc.dropAfterNextSubmit();
      const before = smsc.submits.length;
      await waitFor('a submit_sm to drop', async () => (smsc.submits.length > before ? true : undefined), 120_000, 200);
      log(`SMSC took a submit_sm and cut the link before its answer (${i + 1}/3)`);
    }
    await sleep(10_000);

    enter('api-kill');
    for (let i = 0; i < 2; i++) {
      await sleep(5000);
      const restartsBefore = api.restarts;
      post(`${API_KILL_PREFIX}${i + 1}`);
      await waitFor('the API to kill itself after the insert', async () => (api.restarts > restartsBefore ? true : undefined), 60_000, 200);
      log(`API killed itself between the insert of ${API_KILL_PREFIX}${i + 1} and its workflow start (${i + 1}/2)`);
      await waitFor('the API back', async () => ((await call('GET', '/readyz')).status === 200 ? true : undefined), 300_000, 1000);
    }
    await sleep(15_000);

    loading = false;
    await load;
    log(`load stopped after ${posted.length} events; waiting for the callers' retries`);
    while (inflight.size > 0) await Promise.race(inflight);

    // Every accepted event to a final state; e-mail queued by an outage goes with the dispatch.
    const accepted = posted.filter((p) => p.accepted);
    const states = await waitForFinal(accepted.map((p) => p.id), 420_000);
    const queued = await queuedEmails(databaseUrl);
    if (queued > 0) {
      log(`${queued} e-mails queued by the outage: triggering the e-mail dispatch`);
      await call('POST', '/v1/schedules/email-dispatch/trigger', {});
      await waitFor('the queue empty', async () => ((await queuedEmails(databaseUrl)) === 0 ? true : undefined), 180_000, 2000).catch((err: unknown) => log(String(err)));
    }
    // Receipts and stragglers.
    await sleep(5000);

    return await evaluate(posted, states, databaseUrl, smtp.messages(), smsc, telegram.sent, { worker: worker.restarts, api: api.restarts });
  } finally {
    for (const s of services) await s.stop();
    await temporal.kill9().catch(() => undefined);
    await smtp.stop().catch(() => undefined);
    await smsc.stop().catch(() => undefined);
    await telegram.stop().catch(() => undefined);
    await postgres.stop().catch(() => undefined);
  }
}

async function setUp(botToken: string): Promise<void> {
  const must = async (method: string, url: string, body: unknown) => {
    const res = await waitFor(`${method} ${url}`, async () => {
      const r = await call(method, url, body, 30_000);
      return r.status === 503 ? undefined : r;
    }, 120_000, 1000);
    if (res.status !== 200) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  await must('PUT', '/v1/settings', { mode: 'live' });
  await must('PUT', '/v1/settings', { telegram: { botToken } });
  await must('PUT', `/v1/event-types/${EVENT_TYPE}`, {
    name: 'Проверка на отказы',
    variables: [{ name: 'n', description: 'Номер события', example: 'baseline-1', required: true }],
    channels: ['telegram', 'sms', 'email'],
    templates: {
      client: {
        telegram: { text: 'Telegram: событие {{ n }}' },
        sms: { text: 'SMS: событие {{ n }}' },
        email: { subject: 'Событие {{ n }}', text: 'E-mail: событие {{ n }}' },
      },
    },
  });
  await must('PUT', `/v1/counterparties/${CLIENT}`, { name: 'ООО Проверка', contacts: Object.values(CONTACTS) });
}

async function waitForFinal(ids: string[], timeoutMs: number): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  const deadline = Date.now() + timeoutMs;
  let pending = ids;
  while (pending.length > 0) {
    const next: string[] = [];
    for (const id of pending) {
      const res = await call('GET', `/v1/events/${encodeURIComponent(id)}`).catch(() => undefined);
      const state = res?.status === 200 ? String(res.body.state) : `HTTP ${res?.status ?? 'no answer'}`;
      states.set(id, state);
      if (!FINAL_STATES.has(state)) next.push(id);
    }
    pending = next;
    if (pending.length === 0) break;
    if (Date.now() > deadline) {
      log(`${pending.length} events not final after ${timeoutMs / 1000} s`);
      break;
    }
    log(`${pending.length} of ${ids.length} events not final yet`);
    await sleep(5000);
  }
  return states;
}

async function queuedEmails(databaseUrl: string): Promise<number> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ n: string }>(
      `select count(*) as n from journal_entries q where q.status = 'queued' and q.channel = 'email'
         and not exists (select 1 from journal_entries s where s.company_id = q.company_id and s.event_id = q.event_id
                         and s.channel = 'email' and s.recipient = q.recipient and s.status in ('sent', 'failed'))`,
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await db.end();
  }
}

async function evaluate(
  posted: Posted[],
  states: Map<string, string>,
  databaseUrl: string,
  mails: ReceivedMail[],
  smsc: Awaited<ReturnType<typeof startSmsc>>,
  telegramSent: { chatId: string; text: string }[],
  restarts: { worker: number; api: number },
): Promise<number> {
  // What each peer got, per event id.
  const emailsBy = new Map<string, string[]>();
  for (const mail of mails) {
    const parsed = await simpleParser(mail.raw);
    const id = /^Событие (\S+)$/.exec(parsed.subject ?? '')?.[1];
    if (!id || !mail.to.includes(CONTACTS.email.email)) continue;
    emailsBy.set(id, [...(emailsBy.get(id) ?? []), parsed.messageId ?? '?']);
  }
  const smsBy = new Map<string, number>();
  const smsDestination = CONTACTS.sms.phone.replace(/^\+/, '');
  for (const m of smsc.messages()) {
    const id = /^SMS: событие (\S+)$/.exec(m.text)?.[1];
    if (!id || m.destination !== smsDestination) continue;
    smsBy.set(id, (smsBy.get(id) ?? 0) + 1);
  }
  const telegramBy = new Map<string, number>();
  for (const m of telegramSent) {
    const id = /^Telegram: событие (\S+)$/.exec(m.text)?.[1];
    if (!id || m.chatId !== CONTACTS.telegram.telegramChatId) continue;
    telegramBy.set(id, (telegramBy.get(id) ?? 0) + 1);
  }
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const journal = (await db.query<{ event_id: string; channel: string; status: string; recipient_name: string | null }>(`select event_id, channel, status, recipient_name from journal_entries where channel is not null`)).rows;
  await db.end();
  // Each channel's own contact: the e-mail contact's route passes Telegram and SMS (journaled `fallback`) on its way.
  const journalOf = new Map<string, string[]>();
  for (const r of journal) {
    const channel = CHANNELS.find((c) => c === r.channel);
    if (!channel || r.recipient_name !== CONTACTS[channel].name) continue;
    journalOf.set(`${r.event_id}|${channel}`, [...(journalOf.get(`${r.event_id}|${channel}`) ?? []), r.status]);
  }

  const table = new Map<Phase, { events: number; notAccepted: number; retried: number; notFinal: number; states: Map<string, number>; byChannel: Record<ChannelName, ChannelCounts> }>();
  const problems: string[] = [];
  for (const phase of PHASES) {
    const zero = (): ChannelCounts => ({ expected: 0, delivered: 0, duplicatedAllowed: 0, duplicatedDisallowed: 0, unknown: 0, unknownReceived: 0, lost: 0, journalWrong: 0 });
    table.set(phase, { events: 0, notAccepted: 0, retried: 0, notFinal: 0, states: new Map(), byChannel: { email: zero(), sms: zero(), telegram: zero() } });
  }
  for (const p of posted) {
    const row = table.get(p.phase)!;
    row.events++;
    if (p.retries > 0) row.retried++;
    if (!p.accepted) {
      row.notAccepted++;
      problems.push(`${p.id}: never accepted (${p.lastError ?? '?'})`);
      continue;
    }
    const state = states.get(p.id) ?? '?';
    row.states.set(state, (row.states.get(state) ?? 0) + 1);
    if (!FINAL_STATES.has(state)) {
      row.notFinal++;
      problems.push(`${p.id}: state ${state}`);
    }
    for (const channel of CHANNELS) {
      const c = row.byChannel[channel];
      c.expected++;
      const statuses = journalOf.get(`${p.id}|${channel}`) ?? [];
      const sentRows = statuses.filter((s) => s === 'sent').length;
      const unknown = statuses.includes('unknown');
      let copies: number;
      let sameMessageId = false;
      if (channel === 'email') {
        const ids = emailsBy.get(p.id) ?? [];
        copies = ids.length;
        sameMessageId = new Set(ids).size === 1;
      } else {
        copies = (channel === 'sms' ? smsBy : telegramBy).get(p.id) ?? 0;
      }
      if (copies > 0) c.delivered++;
      if (copies > 0 && unknown && sentRows === 0) c.unknownReceived++;
      if (copies > 1) {
        // README: e-mail is at least once under one Message-ID; SMS and Telegram never twice (resendWhenUnknown is off).
        if (channel === 'email' && sameMessageId) c.duplicatedAllowed += copies - 1;
        else {
          c.duplicatedDisallowed += copies - 1;
          problems.push(`${p.id}: ${channel} received ${copies} times`);
        }
      }
      if (copies === 0) {
        // At most once (SMS without a kept id, Telegram): `unknown` journaled is the honest answer, not a loss.
        if (unknown && channel !== 'email') c.unknown++;
        else {
          c.lost++;
          problems.push(`${p.id}: ${channel} never received (journal: ${statuses.join(', ') || 'nothing'})`);
        }
      }
      // The journal agrees with the peer: one `sent` for a received message (or `unknown`), none for one never received.
      const journalOk = copies > 0 ? sentRows === 1 || (sentRows === 0 && unknown) : sentRows === 0;
      if (!journalOk) {
        c.journalWrong++;
        problems.push(`${p.id}: ${channel} received ${copies}× but journaled ${statuses.join(', ') || 'nothing'}`);
      }
    }
  }

  const lines: string[] = [];
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  const padEnd = (s: string | number, n: number) => String(s).padEnd(n);
  lines.push('');
  lines.push('=== chaos suite: every event against the peers\' receipts and the journal ===');
  lines.push(`${padEnd('fault', 14)} ${pad('events', 6)} ${pad('retried', 7)} ${pad('refused', 7)} | ${padEnd('channel', 8)} ${pad('sent', 5)} ${pad('delivered', 9)} ${pad('dup ok', 6)} ${pad('dup BAD', 7)} ${pad('unknown', 7)} ${pad('unk rcvd', 8)} ${pad('lost', 5)} ${pad('journal≠', 8)}`);
  const totals = { events: 0, lost: 0, bad: 0, wrong: 0, notAccepted: 0, notFinal: 0 };
  for (const [phase, row] of table) {
    totals.events += row.events;
    totals.notAccepted += row.notAccepted;
    totals.notFinal += row.notFinal;
    CHANNELS.forEach((channel, i) => {
      const c = row.byChannel[channel];
      totals.lost += c.lost;
      totals.bad += c.duplicatedDisallowed;
      totals.wrong += c.journalWrong;
      const head = i === 0 ? `${padEnd(phase, 14)} ${pad(row.events, 6)} ${pad(row.retried, 7)} ${pad(row.notAccepted, 7)}` : `${padEnd('', 14)} ${pad('', 6)} ${pad('', 7)} ${pad('', 7)}`;
      lines.push(`${head} | ${padEnd(channel, 8)} ${pad(c.expected, 5)} ${pad(c.delivered, 9)} ${pad(c.duplicatedAllowed, 6)} ${pad(c.duplicatedDisallowed, 7)} ${pad(c.unknown, 7)} ${pad(c.unknownReceived, 8)} ${pad(c.lost, 5)} ${pad(c.journalWrong, 8)}`);
    });
    lines.push(`${padEnd('', 14)} event states: ${[...row.states].map(([s, n]) => `${n} ${s}`).join(', ') || '-'}`);
  }
  lines.push('');
  lines.push('sent: messages of accepted events; delivered: received by the peer at least once (SMTP by Message-ID, SMSC and Bot API by text);');
  lines.push('dup ok: e-mail received again under the same Message-ID (README: at least once); dup BAD: any other copy;');
  lines.push('unknown: not received and journaled `unknown` (SMS without a kept id, Telegram: at most once); unk rcvd: journaled `unknown`, and the peer has it;');
  lines.push('lost: not received, and not journaled `unknown` on an at-most-once channel;');
  lines.push('journal≠: the journal disagrees with the peer (no `sent` for a received message, `sent` twice, or `sent` for one never received);');
  lines.push('retried: events whose caller retried (503, timeout, refused connection) with the same id; refused: never accepted.');
  lines.push(`service restarts by the supervisor: worker ${restarts.worker}, API ${restarts.api}; logs in ${LOGS}`);
  const ok = totals.lost === 0 && totals.bad === 0 && totals.wrong === 0 && totals.notAccepted === 0 && totals.notFinal === 0 && totals.events > 0;
  lines.push(`RESULT: ${ok ? 'PASS' : 'FAIL'} — ${totals.events} events, lost ${totals.lost}, disallowed duplicates ${totals.bad}, journal disagreements ${totals.wrong}, never accepted ${totals.notAccepted}, not final ${totals.notFinal}`);
  for (const problem of problems.slice(0, 40)) lines.push(`  ${problem}`);
  if (problems.length > 40) lines.push(`  … and ${problems.length - 40} more`);
  process.stdout.write(`${lines.join('\n')}\n`);
  fs.writeFileSync(path.join(WORK, 'table.txt'), `${lines.join('\n')}\n`);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos suite aborted: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\nlogs: ${LOGS}\n`);
    process.exit(1);
  },
);
