/**
 * `npm run bench [-- --quick] [--rounds N] [--waiting N] [--cpu-prof DIR] [--statements]`: the service beside
 * the bare baseline on the same Temporal server and database, in one run.
 *
 * The service runs as `npm start` runs it (`src/main.ts all`, a child process,
 * LOG_LEVEL=warn) against one Temporal dev server and one PostgreSQL that the
 * benchmark starts; the baseline is a bare worker in this process with a
 * workflow that does nothing (ingest) and one that sends an event's e-mails
 * from one activity over a pooled transport (delivery). Each figure stands
 * beside its baseline; the ratios are what to watch. Prints a table and
 * writes `bench/results/latest.json`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { stableMessageId } from '../src/channels/email';
import { startEmbeddedPostgres } from '../src/dev/postgres';
import { startSmsc, type Smsc } from '../src/dev/peers/smsc';
import { startSmtpSink, type SmtpSink } from '../src/dev/smtp-sink';
import { startDevTemporal } from '../src/dev/temporal';
import { eventWorkflowId } from '../src/domain/keys';
import { repoRoot } from '../src/paths';
import { createBareActivities, type BareSmsSubmit } from './bare-activities';

const quick = process.argv.includes('--quick');
/** `--statements`: prints what the SMS measure's statements per event are, statement by statement. */
const showStatements = process.argv.includes('--statements');
const option = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const sizes = {
  rounds: option('--rounds', quick ? 1 : 3),
  ingest: quick ? 150 : 600,
  callers: 64,
  delivered: quick ? 150 : 300,
  /** Events per round of the SMS delivery measure (two SMS each, to the SMSC peer). */
  deliveredSms: quick ? 50 : 150,
  /** Long enough in full runs that p99 is not the second-slowest event of the window. */
  latencySeconds: quick ? 5 : 40,
  dispatch: quick ? 50 : 300,
  /** Events per measure of the scaling where a slow provider is the bound. */
  slowProvider: quick ? 100 : 200,
  waiting: option('--waiting', quick ? 0 : 1000),
};
const COMPANY = 'demo';
/** The seeded event type the e-mail measures post (its channel set to e-mail by the demo seed). */
const EMAIL_TYPE = 'order.ready_for_pickup';
/** An event type of the bench's own whose client channel is SMS: the SMS delivery measure posts it. */
const SMS_TYPE = 'bench.sms_ready';
/** The SMS both sides send: one part (UCS-2, under 70 characters). */
const smsText = (orderNumber: string) => `Заказ ${orderNumber} на 15 480,00 ₽ готов к выдаче.`;
/** A 503 is retried with the same id, as the API asks, this many times before the run fails. */
const POST_RETRIES = 20;
const FROM = 'notify@demo-parts.example';
const ADMIN_KEY = `bench_${randomBytes(16).toString('hex')}`;
/**
 * How long the receiving relay takes to accept a message in the scaling
 * measure where the provider is the bound: a remote relay over the internet
 * answers in a few hundred ms. Each worker process sends over five pooled
 * connections (`createSmtpTransport`), so one process tops out near
 * 5 / 0.4 s = 12.5 e-mails/s however much CPU is free.
 */
const SLOW_PROVIDER_MS = 400;
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed
}

interface ServiceProcess {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** The `smpp` package (untyped): what the bare SMS baseline uses of it. */
interface BareSmppSession {
  on(event: 'connect' | 'close', listener: () => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'deliver_sm', listener: (pdu: { response(): unknown }) => void): void;
  send(pdu: unknown): boolean;
  bind_transceiver(fields: Record<string, unknown>, callback: (pdu: { command_status: number }) => void): void;
  submit_sm(fields: Record<string, unknown>, callback: (pdu: { command_status: number }) => void): void;
  close(): void;
}

/**
 * The bare SMS baseline's one bound SMPP session: submit_sm asking for a
 * receipt, as the service does, and every receipt answered.
 */
async function bindBareSmpp(smscUrl: string): Promise<{ submit: BareSmsSubmit; close(): void }> {
  const smpp = require('smpp') as { connect(options: { host: string; port: number }): BareSmppSession };
  const url = new URL(smscUrl);
  const session = smpp.connect({ host: url.hostname, port: Number(url.port) });
  await new Promise<void>((resolve, reject) => {
    session.on('connect', resolve);
    session.on('error', reject);
  });
  const answered = (what: string, resolve: () => void, reject: (e: Error) => void) => (pdu: { command_status: number }) =>
    pdu.command_status === 0 ? resolve() : reject(new Error(`${what}: command_status ${pdu.command_status}`));
  await new Promise<void>((resolve, reject) =>
    session.bind_transceiver(
      { system_id: decodeURIComponent(url.username), password: decodeURIComponent(url.password) },
      answered('bind_transceiver', resolve, reject),
    ),
  );
  session.on('deliver_sm', (pdu) => session.send(pdu.response()));
  return {
    submit: (fields) =>
      new Promise<void>((resolve, reject) =>
        session.submit_sm({ source_addr: 'NOTIFY', registered_delivery: 1, ...fields }, answered('submit_sm', resolve, reject)),
      ),
    close: () => session.close(),
  };
}

function startServiceProcess(role: 'all' | 'worker', env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
  // `--cpu-prof DIR`: the service writes V8 CPU profiles there when it stops (open them in Chrome's DevTools).
  const profile = process.argv.includes('--cpu-prof') ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(process.argv[process.argv.indexOf('--cpu-prof') + 1]!)] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'src/main.ts', role], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const ready = role === 'all' ? /API\s+(http:\/\/\S+)/.exec(out)?.[1] : /worker running/.test(out) ? 'worker' : undefined;
      if (ready) {
        clearInterval(timer);
        resolve({ child, url: ready, stop });
      } else if (child.exitCode !== null || Date.now() - started > 180_000) {
        clearInterval(timer);
        reject(new Error(`service ${role} did not start:\n${out}`));
      }
    }, 100);
  });
}

/** Peak and current resident memory of a process, from /proc (Linux). */
function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rssMiB: Math.round(kib('VmRSS') / 1024), peakMiB: Math.round(kib('VmHWM') / 1024) };
}

/** CPU time (user + system) a process and its children, live or ended, have used so far, in ms, from /proc (Linux). */
function cpuMsOf(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const ticksToMs = 1000 / 100; // USER_HZ is 100 on Linux
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    if (Number(entry) !== pid && ppid !== pid) continue;
    total += (Number(fields[11]) + Number(fields[12])) * ticksToMs;
    // Children that ended (PostgreSQL's backends) count in their parent's cutime and cstime.
    if (Number(entry) === pid) total += (Number(fields[13]) + Number(fields[14])) * ticksToMs;
  }
  return total;
}

/** The postmaster's pid, first line of `postmaster.pid` in its data directory. */
function postmasterPid(dataDir: string): number | undefined {
  try {
    return Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const median = (values: number[]) => percentile(values, 50);

/** Runs `n` jobs with at most `concurrency` at once; returns each job's duration in ms. */
async function pool(n: number, concurrency: number, job: (i: number) => Promise<void>): Promise<number[]> {
  const durations: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const started = performance.now();
        await job(i);
        durations.push(performance.now() - started);
      }
    }),
  );
  return durations;
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function messageIdOf(raw: Buffer): string | undefined {
  return /^Message-ID:\s*(<[^>\r\n]+>)/im.exec(raw.subarray(0, 4096).toString('latin1'))?.[1];
}

async function main(): Promise<void> {
  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-bench-'));
  const stops: (() => Promise<void>)[] = [];
  try {
    log('starting the Temporal dev server and PostgreSQL');
    const [temporal, postgres, bundle] = await Promise.all([
      startDevTemporal({ dataDir: path.join(dir, 'temporal'), log }),
      // pg_stat_statements counts the service's statements (the delivery measure's statements per event).
      startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), settings: ['shared_preload_libraries=pg_stat_statements'] }),
      bundleWorkflowCode({ workflowsPath: path.join(repoRoot, 'bench', 'bare-workflows.ts'), logger: new DefaultLogger('WARN') }),
    ]);
    stops.push(() => temporal.stop(), () => postgres.stop());
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query('CREATE DATABASE bench_service');
    await admin.end();
    const serviceDbUrl = Object.assign(new URL(postgres.url), { pathname: '/bench_service' }).toString();
    const serviceDb = new pg.Client({ connectionString: serviceDbUrl });

    /** While above zero, the service's relay answers each message after this long (the slow-provider measure). */
    let providerDelayMs = 0;
    const serviceSink = await startSmtpSink({
      beforeAccept: () => (providerDelayMs > 0 ? new Promise((r) => setTimeout(r, providerDelayMs)) : undefined),
    });
    const bareSink = await startSmtpSink();
    stops.push(() => serviceSink.stop(), () => bareSink.stop());
    // Two SMSC peers, one per side, each answering every submit_sm and sending the receipt it asks for.
    const [serviceSmsc, bareSmsc] = await Promise.all([startSmsc({ balance: 1e9 }), startSmsc({ balance: 1e9 })]);
    stops.push(() => serviceSmsc.stop(), () => bareSmsc.stop());

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: path.join(dir, 'service'),
      DATABASE_URL: serviceDbUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_UI_URL: temporal.uiUrl,
      TEMPORAL_TASK_QUEUE: 'bench-service',
      SMTP_URL: serviceSink.url,
      SMS_URL: `${serviceSmsc.url}?source=NOTIFY`,
      // The abuse limits on SMS (10 an hour to one phone) would refuse the load itself.
      SMS_PER_RECIPIENT_PER_HOUR: '100000',
      SMS_PER_COMPANY_PER_DAY: '100000000',
      SECRETS_KEY: randomBytes(32).toString('base64'),
      ADMIN_API_KEY: ADMIN_KEY,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      // The abuse limit (600 events per key and minute) would refuse the load itself.
      EVENTS_PER_MINUTE_PER_KEY: '0',
    };
    log('starting the service (src/main.ts all)');
    const service = await startServiceProcess('all', env);
    stops.push(() => service.stop());
    await serviceDb.connect();
    await serviceDb.query('create extension if not exists pg_stat_statements');
    stops.push(() => serviceDb.end());
    const api = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(`${service.url}${url}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
      return res.status === 204 ? undefined : ((await res.json()) as unknown);
    };
    await api('PUT', '/v1/settings', { mode: 'live' });
    const client = (await api('GET', '/v1/counterparties/demo-client')) as { contacts: { id: number; phone: string | null }[] };
    const contactIds = client.contacts.map((c) => c.id);
    const phones = client.contacts.map((c) => c.phone).filter((p): p is string => p !== null);
    await api('PUT', `/v1/event-types/${SMS_TYPE}`, {
      name: 'Заказ готов к выдаче (SMS)',
      variables: [
        { name: 'orderNumber', description: 'Номер заказа', example: 'ЗК-1' },
        { name: 'total', description: 'Сумма', example: '15 480,00' },
      ],
      channels: ['sms'],
      templates: { client: { sms: { text: smsText('{{ orderNumber }}').replace('15 480,00', '{{ total }}') } } },
    });

    const connection = await Connection.connect({ address: temporal.address });
    const temporalClient = new Client({ connection });
    stops.push(() => connection.close());
    const bareSms = await bindBareSmpp(bareSmsc.url);
    stops.push(async () => bareSms.close());
    const bareTransport = nodemailer.createTransport({ host: '127.0.0.1', port: bareSink.port, secure: false, ignoreTLS: true, pool: true });
    const nativeConnection = await NativeConnection.connect({ address: temporal.address });
    const bareWorker = await Worker.create({
      connection: nativeConnection,
      taskQueue: 'bench-bare',
      workflowBundle: bundle,
      activities: createBareActivities(bareTransport, bareSms.submit),
    });
    const bareRunning = bareWorker.run();
    stops.push(async () => {
      bareWorker.shutdown();
      await bareRunning;
      await nativeConnection.close();
      bareTransport.close();
    });

    let seq = 0;
    /** E-mail events the service accepted, each of which ends in one e-mail per contact. */
    let posted = 0;
    /** 503s answered (the API's "retry with the same event id"): a loaded machine makes a start miss the API's 2 s deadline. */
    let unavailable = 0;
    const postEvent = async (id: string, type = EMAIL_TYPE, retries = POST_RETRIES): Promise<void> => {
      const res = await fetch(`${service.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          id,
          type,
          counterpartyId: 'demo-client',
          data: { orderNumber: `ЗК-${id}`, total: '15 480,00', warehouse: 'Склад на Складской, 5', pickupUntil: '30.11.2026' },
        }),
      });
      if (res.status === 503 && retries > 0) {
        unavailable += 1;
        await res.arrayBuffer();
        await new Promise((r) => setTimeout(r, 200));
        return postEvent(id, type, retries - 1);
      }
      // A retry after a start that happened anyway answers 200 duplicate.
      if (res.status !== 202 && !(res.status === 200 && retries < POST_RETRIES)) throw new Error(`POST /v1/events: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      if (type === EMAIL_TYPE) posted += 1;
    };
    const serviceMessageIds = (eventId: string) =>
      contactIds.map((cid) => stableMessageId(`${eventWorkflowId(COMPANY, eventId)}/client:contact-${cid}/email`, FROM));
    const mailsPerEvent = contactIds.length;
    const drained = (sink: SmtpSink, count: number, what: string) => waitFor(() => sink.messages.length >= count, what);

    /** Events per second from the first POST to the last e-mail of `n` events. */
    const deliveryRate = async (prefix: string, n: number, what: string) => {
      const from = serviceSink.messages.length;
      const begun = performance.now();
      await pool(n, 16, () => postEvent(`${prefix}-${seq++}`));
      await drained(serviceSink, from + n * mailsPerEvent, what);
      return n / ((performance.now() - begun) / 1000);
    };

    // Delivered by SMS: events per second from the first POST to the last submit_sm at the SMSC.
    const deliveredSms = { service: [] as number[], bare: [] as number[] };
    const smsDrained = (smsc: Smsc, count: number, what: string) => waitFor(() => smsc.submits.length >= count, what);
    // Ingest: accepted per second with 64 callers.
    const ingest = { service: [] as number[], bare: [] as number[], serviceP50: [] as number[], serviceP99: [] as number[], bareP50: [] as number[], bareP99: [] as number[] };
    // Delivered: events per second from the first POST to the last e-mail.
    const delivered = { service: [] as number[], bare: [] as number[] };
    // CPU per delivered event, ms, by process: a machine busy with other work slows both sides, but barely moves these.
    const pgPid = postmasterPid(path.join(dir, 'pg', 'postgres'));
    const cpuNow = () => ({
      server: cpuMsOf(temporal.pid),
      service: cpuMsOf(service.child.pid),
      postgres: cpuMsOf(pgPid),
      bench: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
    });
    type Cpu = ReturnType<typeof cpuNow>;
    const cpuPerEvent = (before: Cpu, after: Cpu, events: number): Cpu => ({
      server: (after.server - before.server) / events,
      service: (after.service - before.service) / events,
      postgres: (after.postgres - before.postgres) / events,
      bench: (after.bench - before.bench) / events,
    });
    const cpu = { service: [] as Cpu[], bare: [] as Cpu[] };
    // CPU per accepted event during the ingest bursts: where the two cores went while each side accepted.
    const ingestCpu = { service: [] as Cpu[], bare: [] as Cpu[] };
    // The Temporal server's persistence requests (its SQLite, one connection) per delivered event: the server's work, counted.
    const persistence = { service: [] as number[], bare: [] as number[] };
    let dbTransactionsPerEvent = NaN;
    let dbStatementsPerEvent = NaN;
    let dbStatementsPerSmsEvent = NaN;
    /** The last event of each side's e-mail delivery measure, whose history is counted. */
    let lastServiceDelivered = '';
    let lastBareDelivered = '';
    for (let round = 1; round <= sizes.rounds; round++) {
      log(`round ${round}/${sizes.rounds}: ingest of ${sizes.ingest} events`);
      let t = performance.now();
      let ingestCpuBefore = cpuNow();
      const serviceLatencies = await pool(sizes.ingest, sizes.callers, () => postEvent(`ingest-${seq++}`));
      ingest.service.push(sizes.ingest / ((performance.now() - t) / 1000));
      ingestCpu.service.push(cpuPerEvent(ingestCpuBefore, cpuNow(), sizes.ingest));
      ingest.serviceP50.push(percentile(serviceLatencies, 50));
      ingest.serviceP99.push(percentile(serviceLatencies, 99));
      // The ingested events are delivered before the bare starts: the service's backlog is its own work, which the bare
      // side's starts must not share the server with (they did until session 8, and the ratio looked 0.1–0.3 better).
      await drained(serviceSink, posted * mailsPerEvent, 'the ingested events');
      t = performance.now();
      ingestCpuBefore = cpuNow();
      const bareLatencies = await pool(sizes.ingest, sizes.callers, async () => {
        await temporalClient.workflow.start('bareNoop', { taskQueue: 'bench-bare', workflowId: `bare-noop-${seq++}`, args: [] });
      });
      ingest.bare.push(sizes.ingest / ((performance.now() - t) / 1000));
      ingestCpu.bare.push(cpuPerEvent(ingestCpuBefore, cpuNow(), sizes.ingest));
      ingest.bareP50.push(percentile(bareLatencies, 50));
      ingest.bareP99.push(percentile(bareLatencies, 99));

      log(`round ${round}/${sizes.rounds}: delivery of ${sizes.delivered} events`);
      const commitsBefore = await commits(serviceDb);
      const statementsBefore = await statements(serviceDb);
      let requestsBefore = await persistenceRequests(temporal.metricsUrl);
      let cpuBefore = cpuNow();
      delivered.service.push(await deliveryRate('delivered', sizes.delivered, 'the service e-mails'));
      lastServiceDelivered = `delivered-${seq - 1}`;
      cpu.service.push(cpuPerEvent(cpuBefore, cpuNow(), sizes.delivered));
      persistence.service.push(((await persistenceRequests(temporal.metricsUrl)) - requestsBefore) / sizes.delivered);
      await new Promise((r) => setTimeout(r, 1500));
      dbTransactionsPerEvent = ((await commits(serviceDb)) - commitsBefore) / sizes.delivered;
      dbStatementsPerEvent = ((await statements(serviceDb)) - statementsBefore) / sizes.delivered;

      const base = bareSink.messages.length;
      requestsBefore = await persistenceRequests(temporal.metricsUrl);
      cpuBefore = cpuNow();
      t = performance.now();
      await pool(sizes.delivered, 16, async () => {
        const n = seq++;
        await temporalClient.workflow.start('bareDeliver', {
          taskQueue: 'bench-bare',
          workflowId: `bare-deliver-${n}`,
          args: [{ messageIds: contactIds.map((_, j) => `<bare-${n}-${j}@bench.example>`) }],
        });
      });
      await drained(bareSink, base + sizes.delivered * mailsPerEvent, 'the bare e-mails');
      delivered.bare.push(sizes.delivered / ((performance.now() - t) / 1000));
      lastBareDelivered = `bare-deliver-${seq - 1}`;
      cpu.bare.push(cpuPerEvent(cpuBefore, cpuNow(), sizes.delivered));
      persistence.bare.push(((await persistenceRequests(temporal.metricsUrl)) - requestsBefore) / sizes.delivered);

      log(`round ${round}/${sizes.rounds}: SMS delivery of ${sizes.deliveredSms} events`);
      const serviceSmsBase = serviceSmsc.submits.length;
      const smsStatementsBefore = await statements(serviceDb);
      const smsCallsBefore = showStatements ? await statementCalls(serviceDb) : undefined;
      t = performance.now();
      await pool(sizes.deliveredSms, 16, () => postEvent(`sms-${seq++}`, SMS_TYPE));
      await smsDrained(serviceSmsc, serviceSmsBase + sizes.deliveredSms * phones.length, 'the service SMS');
      deliveredSms.service.push(sizes.deliveredSms / ((performance.now() - t) / 1000));
      // The receipts (20 ms after each submit) and the runs' last entries are journaled after the last submit.
      await new Promise((r) => setTimeout(r, 1500));
      dbStatementsPerSmsEvent = ((await statements(serviceDb)) - smsStatementsBefore) / sizes.deliveredSms;
      if (smsCallsBefore) printStatementsPerEvent(smsCallsBefore, await statementCalls(serviceDb), sizes.deliveredSms);
      const bareSmsBase = bareSmsc.submits.length;
      t = performance.now();
      await pool(sizes.deliveredSms, 16, async () => {
        const n = seq++;
        await temporalClient.workflow.start('bareDeliverSms', {
          taskQueue: 'bench-bare',
          workflowId: `bare-sms-${n}`,
          args: [{ phones, text: smsText(`ЗК-sms-${n}`) }],
        });
      });
      await smsDrained(bareSmsc, bareSmsBase + sizes.deliveredSms * phones.length, 'the bare SMS');
      deliveredSms.bare.push(sizes.deliveredSms / ((performance.now() - t) / 1000));
    }

    // History and activities per event, read from one run of each.
    const serviceHistory = await temporalClient.workflow.getHandle(eventWorkflowId(COMPANY, lastServiceDelivered)).fetchHistory();
    const bareHistory = await temporalClient.workflow.getHandle(lastBareDelivered).fetchHistory();
    const activitiesOf = (h: typeof serviceHistory) => (h.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).length;
    const workflowTasksOf = (h: typeof serviceHistory) => (h.events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes).length;

    const quiet = () => new Promise((r) => setTimeout(r, 2000));
    // Latency at half and at nine tenths of the service's measured delivery rate, open loop, both sides at the same rate.
    const latencyAt = async (share: number) => {
      const rate = median(delivered.service) * share;
      log(`latency at ${rate.toFixed(1)} events/s for ${sizes.latencySeconds} s`);
      // Each window starts on a quiet machine: the runs of the measure before (the last ones' closing tasks) are done.
      await quiet();
      const service = await openLoop(rate, sizes.latencySeconds, serviceSink, async (i) => {
        const id = `latency-${seq++}-${i}`;
        await postEvent(id);
        return serviceMessageIds(id);
      });
      await quiet();
      const bare = await openLoop(rate, sizes.latencySeconds, bareSink, async () => {
        const n = seq++;
        const ids = contactIds.map((_, j) => `<bare-${n}-${j}@bench.example>`);
        await temporalClient.workflow.start('bareDeliver', { taskQueue: 'bench-bare', workflowId: `bare-deliver-${n}`, args: [{ messageIds: ids }] });
        return ids;
      });
      return { rateEventsPerSecond: rate, service, bare };
    };
    const latency = await latencyAt(0.5);
    const latency90 = await latencyAt(0.9);

    // Scheduled batch dispatch against bare pooled nodemailer.
    log(`batched dispatch of ${sizes.dispatch} events`);
    // Paused, so that its own period does not send part of the batch before the measured run.
    await api('PUT', '/v1/schedules/email-dispatch', { paused: true });
    await api('PUT', '/v1/event-types/order.ready_for_pickup', { emailDelivery: 'batched' });
    await pool(sizes.dispatch, 16, () => postEvent(`batched-${seq++}`));
    await waitFor(async () => {
      const { rows } = await serviceDb.query<{ n: string }>(
        "select count(*) as n from journal_entries where status = 'queued' and channel = 'email' and event_id like 'batched-%'",
      );
      return Number(rows[0]!.n) >= sizes.dispatch * mailsPerEvent;
    }, 'the batched e-mails to be queued');
    let base = serviceSink.messages.length;
    let t = performance.now();
    await api('POST', '/v1/schedules/email-dispatch/trigger');
    await drained(serviceSink, base + sizes.dispatch * mailsPerEvent, 'the dispatched e-mails');
    const dispatchService = (sizes.dispatch * mailsPerEvent) / ((performance.now() - t) / 1000);
    await api('PUT', '/v1/event-types/order.ready_for_pickup', { emailDelivery: 'immediate' });
    base = bareSink.messages.length;
    t = performance.now();
    await pool(sizes.dispatch * mailsPerEvent, 5, async (i) => {
      await bareTransport.sendMail({ from: FROM, to: `c${i}@bench.example`, subject: 'Заказ', text: 'Текст', messageId: `<bare-dispatch-${i}@bench.example>` });
    });
    await drained(bareSink, base + sizes.dispatch * mailsPerEvent, 'the bare dispatch');
    const dispatchBare = (sizes.dispatch * mailsPerEvent) / ((performance.now() - t) / 1000);

    // Scaling where a slow provider, not the CPU, is the bound: one worker first.
    log(`a relay taking ${SLOW_PROVIDER_MS} ms a message: ${sizes.slowProvider} events with one worker`);
    providerDelayMs = SLOW_PROVIDER_MS;
    const slowOne = await deliveryRate('slow-one', sizes.slowProvider, 'the slow relay with one worker');
    providerDelayMs = 0;

    // A second worker process on the same task queue.
    log('a second worker process');
    // At info, so that its "worker running" line says when it polls.
    const second = await startServiceProcess('worker', { ...env, PORT: '0', LOG_LEVEL: 'info' });
    stops.push(() => second.stop());
    const twoWorkers = await deliveryRate('scale', sizes.delivered, 'the e-mails with two workers');
    log(`a relay taking ${SLOW_PROVIDER_MS} ms a message: ${sizes.slowProvider} events with two workers`);
    providerDelayMs = SLOW_PROVIDER_MS;
    const slowTwo = await deliveryRate('slow-two', sizes.slowProvider, 'the slow relay with two workers');
    providerDelayMs = 0;
    await second.stop();

    // Memory with events waiting for confirmation.
    let waiting: { events: number; rssMiB: number } | null = null;
    if (sizes.waiting > 0) {
      log(`${sizes.waiting} events waiting for confirmation`);
      await api('PUT', '/v1/event-types/order.ready_for_pickup', { confirmBeforeSend: true });
      await pool(sizes.waiting, 32, () => postEvent(`waiting-${seq++}`));
      await waitFor(async () => {
        const { rows } = await serviceDb.query<{ n: string }>("select count(*) as n from journal_entries where status = 'awaiting_confirmation'");
        return Number(rows[0]!.n) >= sizes.waiting;
      }, 'the events to wait for confirmation', 30 * 60_000);
      waiting = { events: sizes.waiting, rssMiB: memoryOf(service.child.pid!).rssMiB };
    }

    const memory = memoryOf(service.child.pid!);
    const result = {
      at: new Date().toISOString(),
      quick,
      sizes,
      machine: { cpus: os.cpus().length, node: process.version },
      ingest: {
        serviceAcceptedPerSecond: median(ingest.service),
        bareStartsPerSecond: median(ingest.bare),
        serviceP50Ms: median(ingest.serviceP50),
        serviceP99Ms: median(ingest.serviceP99),
        bareP50Ms: median(ingest.bareP50),
        bareP99Ms: median(ingest.bareP99),
      },
      delivered: { serviceEventsPerSecond: median(delivered.service), bareEventsPerSecond: median(delivered.bare) },
      deliveredSms: { serviceEventsPerSecond: median(deliveredSms.service), bareEventsPerSecond: median(deliveredSms.bare) },
      latency,
      latency90,
      dispatch: { serviceEmailsPerSecond: dispatchService, bareEmailsPerSecond: dispatchBare },
      cpuMsPerAcceptedEvent: {
        service: medianCpu(ingestCpu.service),
        bare: medianCpu(ingestCpu.bare),
      },
      cpuMsPerDeliveredEvent: {
        service: medianCpu(cpu.service),
        bare: medianCpu(cpu.bare),
      },
      scale: {
        oneWorkerEventsPerSecond: median(delivered.service),
        twoWorkersEventsPerSecond: twoWorkers,
        slowProviderMs: SLOW_PROVIDER_MS,
        slowProviderOneWorkerEventsPerSecond: slowOne,
        slowProviderTwoWorkersEventsPerSecond: slowTwo,
      },
      perEvent: {
        serviceHistoryEvents: serviceHistory.events?.length ?? 0,
        serviceActivities: activitiesOf(serviceHistory),
        bareHistoryEvents: bareHistory.events?.length ?? 0,
        bareActivities: activitiesOf(bareHistory),
        serviceWorkflowTasks: workflowTasksOf(serviceHistory),
        bareWorkflowTasks: workflowTasksOf(bareHistory),
        serviceDbTransactions: dbTransactionsPerEvent,
        serviceDbStatements: dbStatementsPerEvent,
        serviceDbStatementsPerSmsEvent: dbStatementsPerSmsEvent,
        servicePersistenceRequests: median(persistence.service),
        barePersistenceRequests: median(persistence.bare),
      },
      memory: { servicePeakMiB: memory.peakMiB, serviceRssMiB: memory.rssMiB, benchRssMiB: Math.round(process.memoryUsage().rss / 2 ** 20) },
      waiting,
      unavailableRetries: unavailable,
      ratios: {
        ingestRatio: median(ingest.service) / median(ingest.bare),
        deliveredRatio: median(delivered.service) / median(delivered.bare),
        deliveredSmsRatio: median(deliveredSms.service) / median(deliveredSms.bare),
        dispatchRatio: dispatchService / dispatchBare,
        // Where the server (and the CPU) is not the bound: the provider is.
        scaleRatio: slowTwo / slowOne,
        // On 2 cores the CPU is the bound of both: a second process only shares it.
        scaleRatioCpuBound: twoWorkers / median(delivered.service),
      },
      seconds: Math.round((Date.now() - started) / 1000),
    };
    print(result);
    const out = path.join(repoRoot, 'bench', 'results', 'latest.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    log(`written ${path.relative(repoRoot, out)}`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => log(`stop failed: ${String(err)}`));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Each process's median over the rounds. */
function medianCpu<T extends Record<string, number>>(rounds: T[]): T {
  const keys = Object.keys(rounds[0] ?? {}) as (keyof T)[];
  return Object.fromEntries(keys.map((k) => [k, median(rounds.map((r) => r[k] as number))])) as T;
}

/** The Temporal server's persistence requests so far, all operations (its `persistence_requests` counters). */
async function persistenceRequests(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith('persistence_requests{')) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  return total;
}

/**
 * Statements the service's database has run (pg_stat_statements), without
 * transaction control (BEGIN, COMMIT), LISTEN and the bench's own reads of
 * the statistics.
 */
/** Which rows of pg_stat_statements are the service's statements. */
const SERVICE_STATEMENTS = `from pg_stat_statements
  where dbid = (select oid from pg_database where datname = current_database())
    and query !~* '^\\s*(begin|commit|rollback|listen|unlisten|set|show)\\y' and query not like '%pg_stat_%'`;

async function statements(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`select coalesce(sum(calls), 0) as n ${SERVICE_STATEMENTS}`);
  return Number(rows[0]!.n);
}

/** Calls of each statement the service's database has run so far, by its text (`--statements`). */
async function statementCalls(db: pg.Client): Promise<Map<string, number>> {
  const { rows } = await db.query<{ query: string; calls: string }>(`select query, calls ${SERVICE_STATEMENTS}`);
  return new Map(rows.map((r) => [r.query, Number(r.calls)]));
}

/** Prints the statements run between two counts, per event, most frequent first. */
function printStatementsPerEvent(before: Map<string, number>, after: Map<string, number>, events: number) {
  const rows = [...after].map(([query, calls]) => [query, (calls - (before.get(query) ?? 0)) / events] as const).filter(([, n]) => n > 0);
  rows.sort((a, b) => b[1] - a[1]);
  for (const [query, n] of rows) log(`  ${n.toFixed(2)} per event: ${query.replace(/\s+/g, ' ').slice(0, 160)}`);
}

/** Transactions committed in the service's database so far (each statement outside a transaction is one). */
async function commits(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ n: string }>('select xact_commit as n from pg_stat_database where datname = current_database()');
  return Number(rows[0]!.n);
}

/**
 * Starts one event every 1/rate seconds for `seconds`, without waiting for
 * the previous one, and measures each event's time from its start to the
 * arrival of its last e-mail at `sink`.
 */
async function openLoop(rate: number, seconds: number, sink: SmtpSink, start: (i: number) => Promise<string[]>) {
  const count = Math.max(1, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const expected = new Map<string, number>();
  const pending: Promise<void>[] = [];
  const base = performance.now();
  const startedAt: number[] = [];
  const idsOf: string[][] = [];
  for (let i = 0; i < count; i++) {
    const due = base + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    startedAt[i] = Date.now();
    pending.push(
      start(i).then((ids) => {
        idsOf[i] = ids;
        for (const id of ids) expected.set(id, i);
      }),
    );
  }
  await Promise.all(pending);
  const total = idsOf.reduce((n, ids) => n + ids.length, 0);
  await waitFor(() => sink.messages.filter((m) => expected.has(messageIdOf(m.raw) ?? '')).length >= total, 'the open-loop e-mails');
  const last = new Map<number, number>();
  for (const mail of sink.messages) {
    const i = expected.get(messageIdOf(mail.raw) ?? '');
    if (i === undefined) continue;
    last.set(i, Math.max(last.get(i) ?? 0, mail.receivedAt.getTime()));
  }
  const latencies = [...last.entries()].map(([i, at]) => at - startedAt[i]!);
  // Where the slowest events were in the window: a spike at one moment (a checkpoint, a GC) or a slow drift.
  const slowest = [...last.entries()].map(([i, at]) => ({ i, ms: at - startedAt[i]! })).sort((a, b) => b.ms - a.ms).slice(0, 3);
  log(`  slowest: ${slowest.map(({ i, ms }) => `${ms} ms at ${((startedAt[i]! - startedAt[0]!) / 1000).toFixed(1)} s`).join(', ')}`);
  return { events: count, p50Ms: percentile(latencies, 50), p90Ms: percentile(latencies, 90), p99Ms: percentile(latencies, 99) };
}

function print(r: {
  ingest: Record<string, number>;
  delivered: Record<string, number>;
  deliveredSms: Record<string, number>;
  latency: { rateEventsPerSecond: number; service: Record<string, number>; bare: Record<string, number> };
  latency90: { rateEventsPerSecond: number; service: Record<string, number>; bare: Record<string, number> };
  dispatch: Record<string, number>;
  cpuMsPerAcceptedEvent: { service: Record<string, number>; bare: Record<string, number> };
  cpuMsPerDeliveredEvent: { service: Record<string, number>; bare: Record<string, number> };
  scale: Record<string, number>;
  perEvent: Record<string, number>;
  memory: Record<string, number>;
  waiting: { events: number; rssMiB: number } | null;
  ratios: Record<string, number>;
  seconds: number;
}): void {
  const f = (n: number | undefined, digits = 1) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(digits));
  // The bare worker runs in the bench process; the service's load generator does too.
  const cpuCell = (c: Record<string, number>) => `${f(c.server, 0)} / ${f(c.service, 0)} / ${f(c.postgres, 0)} / ${f(c.bench, 0)}`;
  const rows: [string, string, string, string][] = [
    ['measure', 'service', 'bare baseline', 'ratio'],
    ['ingest, accepted/s (64 callers)', f(r.ingest.serviceAcceptedPerSecond), f(r.ingest.bareStartsPerSecond), f(r.ratios.ingestRatio, 2)],
    ['ingest p50 / p99, ms', `${f(r.ingest.serviceP50Ms, 0)} / ${f(r.ingest.serviceP99Ms, 0)}`, `${f(r.ingest.bareP50Ms, 0)} / ${f(r.ingest.bareP99Ms, 0)}`, ''],
    ['CPU per accepted event, ms: server / worker+API / PostgreSQL / bench', cpuCell(r.cpuMsPerAcceptedEvent.service), cpuCell(r.cpuMsPerAcceptedEvent.bare), ''],
    ['delivered, events/s (2 e-mails each)', f(r.delivered.serviceEventsPerSecond), f(r.delivered.bareEventsPerSecond), f(r.ratios.deliveredRatio, 2)],
    ['delivered to the SMSC, events/s (2 SMS each)', f(r.deliveredSms.serviceEventsPerSecond), f(r.deliveredSms.bareEventsPerSecond), f(r.ratios.deliveredSmsRatio, 2)],
    ...[r.latency, r.latency90].map((l): [string, string, string, string] => [
      `latency POST → e-mails at ${f(l.rateEventsPerSecond)} ev/s, p50 / p90 / p99 ms`,
      `${f(l.service.p50Ms, 0)} / ${f(l.service.p90Ms, 0)} / ${f(l.service.p99Ms, 0)}`,
      `${f(l.bare.p50Ms, 0)} / ${f(l.bare.p90Ms, 0)} / ${f(l.bare.p99Ms, 0)}`,
      '',
    ]),
    ['scheduled dispatch, e-mails/s', f(r.dispatch.serviceEmailsPerSecond), f(r.dispatch.bareEmailsPerSecond), f(r.ratios.dispatchRatio, 2)],
    [
      `two workers vs one, relay taking ${f(r.scale.slowProviderMs, 0)} ms a message, events/s`,
      f(r.scale.slowProviderTwoWorkersEventsPerSecond),
      f(r.scale.slowProviderOneWorkerEventsPerSecond),
      f(r.ratios.scaleRatio, 2),
    ],
    ['two workers vs one, CPU-bound (as delivered), events/s', f(r.scale.twoWorkersEventsPerSecond), f(r.scale.oneWorkerEventsPerSecond), f(r.ratios.scaleRatioCpuBound, 2)],
    [
      'CPU per delivered event, ms: server / worker+API / PostgreSQL / bench',
      cpuCell(r.cpuMsPerDeliveredEvent.service),
      cpuCell(r.cpuMsPerDeliveredEvent.bare),
      '',
    ],
    ['history events per event', f(r.perEvent.serviceHistoryEvents, 0), f(r.perEvent.bareHistoryEvents, 0), ''],
    ['activity tasks / workflow tasks per event', `${f(r.perEvent.serviceActivities, 0)} / ${f(r.perEvent.serviceWorkflowTasks, 0)}`, `${f(r.perEvent.bareActivities, 0)} / ${f(r.perEvent.bareWorkflowTasks, 0)}`, ''],
    ['database transactions / statements per event', `${f(r.perEvent.serviceDbTransactions)} / ${f(r.perEvent.serviceDbStatements)}`, '—', ''],
    ['database statements per SMS event (receipts included)', f(r.perEvent.serviceDbStatementsPerSmsEvent), '—', ''],
    ['Temporal persistence requests per delivered event', f(r.perEvent.servicePersistenceRequests), f(r.perEvent.barePersistenceRequests), ''],
    ['service (API + worker) RSS now / peak, MiB', `${r.memory.serviceRssMiB} / ${r.memory.servicePeakMiB}`, '', ''],
    ...(r.waiting ? [[`RSS with ${r.waiting.events} events waiting, MiB`, String(r.waiting.rssMiB), '', ''] as [string, string, string, string]] : []),
  ];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  process.stdout.write(`\n${line(rows[0]!)}\n| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |\n${rows.slice(1).map(line).join('\n')}\n\n`);
  process.stdout.write(`${Object.entries(r.ratios).map(([k, v]) => `${k}=${f(v, 2)}`).join('  ')}   (${r.seconds} s)\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
