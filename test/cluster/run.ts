/**
 * `npm run test:cluster`: the service on a production-shaped Temporal.
 *
 * Starts PostgreSQL (the embedded binaries), the Temporal server built by
 * `scripts/install-temporal-server.sh` as its four services in separate
 * processes (`deploy/temporal/cluster.yaml`, postgres12 persistence and
 * visibility, schemas by `temporal-sql-tool`), the namespace and search
 * attributes (`deploy/temporal/create-namespace.sh`), a counting SMTP peer, and
 * two API and two worker processes of the service. Then it shows:
 *
 * 1. load shared: the histories of the events name both worker identities;
 * 2. every event delivered once: each `sent` journal row has exactly one
 *    message (one Message-ID) at the SMTP peer and the peer got nothing else;
 * 3. schedules created once (both workers ensure them at start) and honoured:
 *    pause and period set through one API read back through the other, a run
 *    fires at the period, none while paused;
 * 4. a worker SIGKILLed while its sends hang at the SMTP peer: the other
 *    worker finishes every event;
 * 5. the Temporal frontend stopped: the APIs answer 503 quickly, the events
 *    retried after its restart go through, and nothing is lost.
 *
 * Prints a summary and exits non-zero on any loss or failed check. Not part
 * of `.ci/run`: building the server takes minutes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { simpleParser } from 'mailparser';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/dev/postgres';
import { startSmtpSink, type ReceivedMail } from '../../src/dev/smtp-sink';

const ROOT = path.resolve(__dirname, '../..');
const SERVER_DIR = path.join(ROOT, '.tools/temporal-server');
const TEMPORAL_CLI_DIR = path.join(ROOT, '.tools/temporal/venv/bin');
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-cluster-'));
const LOGS = path.join(WORK, 'logs');
const ADMIN_KEY = `cluster-admin-${randomBytes(12).toString('hex')}`;
const SECRETS_KEY = randomBytes(32).toString('base64');
const EVENT_TYPE = 'order.ready_for_pickup';
const COUNTERPARTY = 'demo-client';
const FINAL_STATES = new Set(['completed', 'partial', 'failed', 'rejected', 'expired', 'skipped']);

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}
const checks: Check[] = [];
function check(name: string, ok: boolean, detail: string): void {
  checks.push({ name, ok, detail });
  log(`${ok ? 'PASS' : 'FAIL'} ${name}: ${detail}`);
}
function log(message: string): void {
  process.stdout.write(`[cluster ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

/**
 * A free port below 32768: Temporal keeps membership ports in a PostgreSQL
 * smallint, so the ephemeral range (often above 32767) fails at start.
 */
async function freeLowPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    const server = net.createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (free) {
      taken.add(port);
      return port;
    }
  }
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

/** Processes started here, stopped at the end whatever happens. */
const children = new Set<ChildProcess>();

function startProcess(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const out = fs.openSync(path.join(LOGS, `${name}.log`), 'a');
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { cwd: ROOT, env, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${path.basename(command)} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

// ---------------------------------------------------------------- Temporal

interface TemporalCluster {
  address: string;
  env: NodeJS.ProcessEnv;
  services: Map<string, ChildProcess>;
  startService(name: string): ChildProcess;
}

async function startTemporal(pgPort: number): Promise<TemporalCluster> {
  const sql = path.join(SERVER_DIR, 'sql');
  const base = ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(pgPort), '-u', 'postgres', '--pw', 'postgres'];
  for (const [db, schema] of [
    ['temporal', 'postgresql/v12/temporal'],
    ['temporal_visibility', 'postgresql/v12/visibility'],
  ] as const) {
    run(sql, [...base, '--db', db, 'create']);
    run(sql, [...base, '--db', db, 'setup-schema', '-v', '0.0']);
    run(sql, [...base, '--db', db, 'update-schema', '--schema-name', schema]);
  }
  log('Temporal schemas set up with temporal-sql-tool');

  const ports: Record<string, number> = {};
  const taken = new Set<number>();
  for (const name of ['FRONTEND_GRPC_PORT', 'FRONTEND_HTTP_PORT', 'FRONTEND_MEMBERSHIP_PORT', 'HISTORY_GRPC_PORT', 'HISTORY_MEMBERSHIP_PORT', 'MATCHING_GRPC_PORT', 'MATCHING_MEMBERSHIP_PORT', 'WORKER_GRPC_PORT', 'WORKER_MEMBERSHIP_PORT']) {
    ports[name] = await freeLowPort(taken);
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    POSTGRES_SEEDS: '127.0.0.1',
    DB_PORT: String(pgPort),
    POSTGRES_USER: 'postgres',
    POSTGRES_PWD: 'postgres',
    DYNAMIC_CONFIG_FILE_PATH: path.join(ROOT, 'deploy/temporal/dynamicconfig.yaml'),
    LOG_LEVEL: 'warn',
  };
  const services = new Map<string, ChildProcess>();
  const startService = (name: string) => {
    const child = startProcess(`temporal-${name}`, path.join(SERVER_DIR, 'server'), ['--config-file', path.join(ROOT, 'deploy/temporal/cluster.yaml'), '--allow-no-auth', 'start', '--service', name], env);
    services.set(name, child);
    return child;
  };
  for (const name of ['history', 'matching', 'frontend', 'worker']) startService(name);
  const address = `127.0.0.1:${ports.FRONTEND_GRPC_PORT}`;
  const cliEnv = { ...process.env, PATH: `${TEMPORAL_CLI_DIR}:${process.env.PATH ?? ''}`, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_RETENTION: '1d' };
  await waitFor('Temporal cluster health', async () => (spawnSync('temporal', ['operator', 'cluster', 'health', '--address', address], { env: cliEnv }).status === 0 ? true : undefined), 120_000, 1000);
  run('sh', [path.join(ROOT, 'deploy/temporal/create-namespace.sh')], cliEnv);
  log(`Temporal cluster at ${address}: frontend, history, matching, worker as separate processes; namespace and search attributes created`);
  return { address, env, services, startService };
}

// ---------------------------------------------------------------- the service

interface ServiceProcess {
  name: string;
  role: 'api' | 'worker';
  child: ChildProcess;
  url?: string;
}

function startRole(name: string, role: 'api' | 'worker', env: NodeJS.ProcessEnv, port?: number): ServiceProcess {
  const dataDir = path.join(WORK, name);
  fs.mkdirSync(dataDir, { recursive: true });
  // `node --import tsx` rather than the tsx CLI: the pid is the service's own, so it is the one in the worker identity.
  const child = startProcess(name, process.execPath, ['--import', 'tsx', 'src/main.ts', role], {
    ...env,
    DATA_DIR: dataDir,
    ...(port !== undefined ? { PORT: String(port), HOST: '127.0.0.1' } : {}),
  });
  return { name, role, child, ...(port !== undefined ? { url: `http://127.0.0.1:${port}` } : {}) };
}

async function api(base: string, method: string, url: string, body?: unknown, timeoutMs = 10_000): Promise<{ status: number; body: any; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${base}${url}`, {
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
  return { status: res.status, body: parsed, ms: Date.now() - started };
}

/** 503s answered to the first tries of posts, retried as a caller would (same id, after Retry-After). */
let retriedAfter503 = 0;

/** Posts an event as a well-behaved caller: a 503 is retried with the same id, through the other API after a pause. */
async function postEvent(bases: string[], first: number, id: string): Promise<{ status: number; body: any; ms: number }> {
  for (let attempt = 0; ; attempt++) {
    const res = await api(bases[(first + attempt) % bases.length]!, 'POST', '/v1/events', eventBody(id));
    if (res.status !== 503 || attempt >= 10) return res;
    retriedAfter503++;
    await sleep(1000);
  }
}

function eventBody(id: string) {
  return { id, type: EVENT_TYPE, counterpartyId: COUNTERPARTY, data: { orderNumber: id, total: 1250, warehouse: 'Склад на Лесной, 5' } };
}

async function waitForEvents(base: string, ids: readonly string[], timeoutMs: number): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  const deadline = Date.now() + timeoutMs;
  for (const id of ids) {
    for (;;) {
      const res = await api(base, 'GET', `/v1/events/${encodeURIComponent(id)}`).catch(() => undefined);
      const state = res?.status === 200 ? String(res.body.state) : undefined;
      if (state && FINAL_STATES.has(state)) {
        states.set(id, state);
        break;
      }
      if (Date.now() > deadline) {
        states.set(id, state ?? `HTTP ${res?.status ?? 'no answer'}`);
        break;
      }
      await sleep(500);
    }
  }
  return states;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  fs.mkdirSync(LOGS, { recursive: true });
  log(`work directory ${WORK} (process logs in ${LOGS})`);
  const install = spawnSync('bash', [path.join(ROOT, 'scripts/install-temporal-server.sh')], { stdio: 'inherit' });
  if (install.status !== 0) throw new Error('could not install the Temporal server');

  const postgres = await startEmbeddedPostgres({ dataDir: path.join(WORK, 'postgres') });
  const stops: (() => Promise<void>)[] = [() => postgres.stop()];
  const mailHangs = { ms: 0 };
  let hangingSends = 0;
  const smtp = await startSmtpSink({
    // The kill phase makes sends hang here, so the killed worker has work in flight.
    beforeAccept: async () => {
      if (mailHangs.ms > 0) {
        hangingSends++;
        await sleep(mailHangs.ms);
      }
    },
  });
  stops.push(() => smtp.stop());
  try {
    const temporal = await startTemporal(postgres.port);
    const databaseUrl = await postgres.createDatabase('notify_cluster');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      TEMPORAL_ADDRESS: temporal.address,
      DATABASE_URL: databaseUrl,
      SECRETS_KEY,
      SMTP_URL: smtp.url,
      ADMIN_API_KEY: ADMIN_KEY,
      EVENTS_PER_MINUTE_PER_KEY: '0',
      START_TIMEOUT_SECONDS: '120',
    };
    // All four at once, on an empty database: migrations must not race (issue 13, finding 2).
    const workers = [startRole('worker-a', 'worker', env), startRole('worker-b', 'worker', env)];
    const apis = [startRole('api-a', 'api', env, await freePort()), startRole('api-b', 'api', env, await freePort())];
    for (const p of apis) {
      await waitFor(`${p.name} ready`, async () => ((await api(p.url!, 'GET', '/readyz')).status === 200 ? true : undefined), 180_000, 1000);
    }
    await waitFor('both workers running', async () => (workers.every((w) => logLines(w.name).some((l) => l.msg === 'worker running')) ? true : undefined), 180_000, 1000);
    log('two API and two worker processes up');
    const settings = await api(apis[0]!.url!, 'PUT', '/v1/settings', { mode: 'live' });
    if (settings.status !== 200) throw new Error(`could not switch the demo company to live: ${settings.status} ${JSON.stringify(settings.body)}`);

    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection, namespace: 'default' });
    stops.unshift(() => connection.close());
    const allEvents: string[] = [];

    // 1 + 2. Load across both APIs and both workers.
    const load = Array.from({ length: 40 }, (_, i) => `cl-load-${i}`);
    const bases = apis.map((p) => p.url!);
    const posted = await Promise.all(load.map((id, i) => postEvent(bases, i, id)));
    check(
      'load accepted',
      posted.every((r) => r.status === 202 || r.status === 200),
      `${posted.filter((r) => r.status === 202 || r.status === 200).length}/${load.length} events accepted by two API processes (${retriedAfter503} answers 503 under the burst, retried with the same id)`,
    );
    allEvents.push(...load);
    const loadStates = await waitForEvents(apis[1]!.url!, load, 180_000);
    check('load completed', [...loadStates.values()].every((s) => s === 'completed'), summarize(loadStates));
    const identities = new Map<string, number>();
    for (const id of load) {
      const workflowId = (posted[load.indexOf(id)]!.body as { workflowId: string }).workflowId;
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      for (const event of history.events ?? []) {
        const identity = event.workflowTaskCompletedEventAttributes?.identity ?? event.activityTaskStartedEventAttributes?.identity;
        if (identity) identities.set(identity, (identities.get(identity) ?? 0) + 1);
      }
    }
    const workerIdentities = workers.map((w) => `${w.child.pid}@`);
    const byWorker = workerIdentities.map((prefix) => [...identities].filter(([id]) => id.startsWith(prefix)).reduce((n, [, c]) => n + c, 0));
    check('load shared by both workers', byWorker.every((n) => n > 0), `history tasks by worker-a ${byWorker[0]}, worker-b ${byWorker[1]} (identities ${[...identities.keys()].join(', ')})`);

    // 3. Schedules: created once, pause and period honoured.
    const ensured = workers.flatMap((w) => logLines(w.name).filter((l) => l.msg === 'schedules ensured'));
    const created = ensured.flatMap((l) => (l.created as string[] | undefined) ?? []);
    const duplicatesCreated = created.filter((id, i) => created.indexOf(id) !== i);
    const listed: string[] = [];
    for await (const s of client.schedule.list()) listed.push(s.scheduleId);
    check(
      'schedules created once',
      ensured.length === 2 && duplicatesCreated.length === 0 && ['email-dispatch:demo', 'sms-balance:demo'].every((id) => created.includes(id) && listed.filter((l) => l === id).length === 1),
      `created ${JSON.stringify(created)} by two workers; Temporal lists ${JSON.stringify(listed.sort())}`,
    );
    let pauseLost = 0;
    for (let i = 0; i < 10; i++) {
      const paused = i % 2 === 0;
      const every = paused ? '10m' : '7m';
      const put = await api(apis[i % 2]!.url!, 'PUT', '/v1/schedules/email-dispatch', { every, paused });
      const read = await api(apis[(i + 1) % 2]!.url!, 'GET', '/v1/schedules');
      const view = (read.body as { items: { name: string; paused: boolean; every: string }[] }).items.find((s) => s.name === 'email-dispatch');
      if (put.status !== 200 || view?.paused !== paused || view.every !== every) pauseLost++;
    }
    check('schedule pause and period set in one update', pauseLost === 0, `${10 - pauseLost}/10 PUTs through one API read back through the other with their pause and period`);
    const describe = async () => (await api(apis[0]!.url!, 'GET', '/v1/schedules')).body.items.find((s: { name: string }) => s.name === 'email-dispatch') as { actionsTaken: number; paused: boolean };
    await api(apis[0]!.url!, 'PUT', '/v1/schedules/email-dispatch', { every: '1m', paused: false });
    const before = (await describe()).actionsTaken;
    const fired = await waitFor('a scheduled run', async () => ((await describe()).actionsTaken > before ? true : undefined), 80_000, 2000).catch(() => false);
    check('schedule period honoured', fired === true, `every 1m: actions taken ${before} → ${(await describe()).actionsTaken} within 80 s`);
    await api(apis[1]!.url!, 'PUT', '/v1/schedules/email-dispatch', { paused: true });
    const pausedAt = await describe();
    const pausedSince = Date.now();
    // Checked after the kill phase, at least 70 s later.

    // 4. A worker killed mid-flight: its sends hang at the SMTP peer when it dies.
    mailHangs.ms = 4000;
    hangingSends = 0;
    const kill = Array.from({ length: 12 }, (_, i) => `cl-kill-${i}`);
    const killPosted = await Promise.all(kill.map((id, i) => postEvent(bases, i, id)));
    allEvents.push(...kill);
    await waitFor('sends in flight', async () => (hangingSends >= 4 ? true : undefined), 60_000, 100);
    const victim = workers[0]!;
    const victimActive = await activitiesStartedBy(client, killPosted.map((r) => (r.body as { workflowId: string }).workflowId), `${victim.child.pid}@`);
    await stopProcess(victim.child, 'SIGKILL');
    log(`worker-a (pid ${victim.child.pid}) SIGKILLed with ${victimActive} activity attempts of its own on the hung events`);
    mailHangs.ms = 0;
    const killStates = await waitForEvents(apis[0]!.url!, kill, 240_000);
    check('killed worker\'s work finished by the other', killPosted.every((r) => r.status === 202 || r.status === 200) && [...killStates.values()].every((s) => s === 'completed'), `${summarize(killStates)}; worker-a had started ${victimActive} activity tasks of these runs when it was SIGKILLed with sends hanging at the SMTP peer`);
    // Past the period since the pause before looking: a paused schedule takes no action.
    await sleep(Math.max(0, pausedSince + 70_000 - Date.now()));
    const pausedAfter = await describe();
    check('schedule pause honoured', pausedAfter.paused && pausedAfter.actionsTaken === pausedAt.actionsTaken, `paused at ${pausedAt.actionsTaken} actions, ${pausedAfter.actionsTaken} ${Math.round((Date.now() - pausedSince) / 1000)} s later (period 1m)`);

    // 5. The Temporal frontend restarted: 503s meanwhile, nothing lost.
    await stopProcess(temporal.services.get('frontend')!, 'SIGTERM');
    log('Temporal frontend stopped');
    const outage = Array.from({ length: 6 }, (_, i) => `cl-outage-${i}`);
    const during = [];
    for (const [i, id] of outage.entries()) during.push(await api(apis[i % 2]!.url!, 'POST', '/v1/events', eventBody(id)).catch((err: unknown) => ({ status: 0, body: String(err), ms: 0 })));
    const ready = await api(apis[0]!.url!, 'GET', '/readyz');
    check(
      'frontend down: 503 quickly',
      during.every((r) => r.status === 503 && r.ms < 6000) && ready.status === 503,
      `POST /v1/events answered ${during.map((r) => `${r.status} in ${r.ms} ms`).join(', ')}; /readyz ${ready.status}`,
    );
    temporal.startService('frontend');
    await waitFor('frontend back', async () => ((await api(apis[0]!.url!, 'GET', '/readyz')).status === 200 && (await api(apis[1]!.url!, 'GET', '/readyz')).status === 200 ? true : undefined), 120_000, 1000);
    log('Temporal frontend restarted');
    // The callers retry with the same ids, as a 503 with Retry-After asks.
    const retried = [];
    for (const [i, id] of outage.entries()) {
      retried.push(await waitFor(`retry of ${id}`, async () => {
        const r = await api(apis[(i + 1) % 2]!.url!, 'POST', '/v1/events', eventBody(id));
        return r.status === 202 || r.status === 200 ? r : undefined;
      }, 60_000, 1000));
    }
    allEvents.push(...outage);
    const after = Array.from({ length: 6 }, (_, i) => `cl-after-${i}`);
    const afterPosted = await Promise.all(after.map((id, i) => postEvent(bases, i, id)));
    allEvents.push(...after);
    const outageStates = await waitForEvents(apis[1]!.url!, [...outage, ...after], 180_000);
    check(
      'frontend restart survived',
      retried.every((r) => r.status === 202 || r.status === 200) && afterPosted.every((r) => r.status === 202 || r.status === 200) && [...outageStates.values()].every((s) => s === 'completed'),
      `retried after the restart ${retried.map((r) => r.status).join(',')} (200: a start that timed out at the stopping frontend had landed, found by its id), posted after restart ${afterPosted.map((r) => r.status).join(',')}; ${summarize(outageStates)}`,
    );

    // Every event delivered once: the journal's sent e-mails against what the SMTP peer got.
    const finalStates = await waitForEvents(apis[0]!.url!, allEvents, 60_000);
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const sent = (await db.query<{ event_id: string; recipient: string }>(`select event_id, recipient from journal_entries where status = 'sent' and channel = 'email'`)).rows;
    await db.end();
    const mails = await Promise.all(smtp.messages.map(parseMessage));
    const delivered = new Map<string, Set<string>>();
    for (const m of mails) {
      const key = `${m.eventId}|${m.to}`;
      delivered.set(key, (delivered.get(key) ?? new Set()).add(m.messageId));
    }
    const sentKeys = new Set(sent.map((r) => `${r.event_id}|${r.recipient}`));
    const lost = [...sentKeys].filter((k) => !delivered.has(k));
    const twice = [...delivered].filter(([, ids]) => ids.size > 1).map(([k]) => k);
    const unjournaled = [...delivered.keys()].filter((k) => !sentKeys.has(k));
    const withoutMail = allEvents.filter((id) => !sent.some((r) => r.event_id === id));
    const retransmitted = mails.length - [...delivered.values()].reduce((n, ids) => n + ids.size, 0);
    check(
      'every event delivered once',
      lost.length === 0 && twice.length === 0 && unjournaled.length === 0 && withoutMail.length === 0 && [...finalStates.values()].every((s) => s === 'completed'),
      `${allEvents.length} events, ${sent.length} sent e-mails journaled, ${delivered.size} delivered (distinct event and recipient), ` +
        `${twice.length} sent twice, ${lost.length} journaled but not received, ${unjournaled.length} received but not journaled, ${withoutMail.length} events without a mail; ` +
        `${retransmitted} SMTP retransmissions of an already received Message-ID (a send cut by the kill, deduplicated by Message-ID)`,
    );
  } finally {
    for (const child of [...children]) await stopProcess(child);
    for (const stop of stops) await stop().catch(() => undefined);
  }
}

function summarize(states: Map<string, string>): string {
  const counts = new Map<string, number>();
  for (const s of states.values()) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
}

/** The JSON lines of a service process's log. */
function logLines(name: string): Record<string, unknown>[] {
  const file = path.join(LOGS, `${name}.log`);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

async function activitiesStartedBy(client: Client, workflowIds: string[], identityPrefix: string): Promise<number> {
  let n = 0;
  for (const id of workflowIds) {
    const history = await client.workflow.getHandle(id).fetchHistory().catch(() => undefined);
    for (const e of history?.events ?? []) if (e.activityTaskStartedEventAttributes?.identity?.startsWith(identityPrefix)) n++;
  }
  return n;
}

async function parseMessage(mail: ReceivedMail): Promise<{ eventId: string; to: string; messageId: string }> {
  const parsed = await simpleParser(mail.raw);
  const eventId = /cl-[a-z]+-\d+/.exec(`${parsed.subject ?? ''} ${parsed.text ?? ''}`)?.[0] ?? '?';
  return { eventId, to: mail.to.join(','), messageId: parsed.messageId ?? '?' };
}

main().then(
  () => {
    const failed = checks.filter((c) => !c.ok);
    process.stdout.write(`\n=== cluster test summary (${checks.length - failed.length}/${checks.length} passed) ===\n`);
    for (const c of checks) process.stdout.write(`${c.ok ? 'PASS' : 'FAIL'}  ${c.name}\n      ${c.detail}\n`);
    process.stdout.write(`posts answered 503 and retried with the same id (callers do so on Retry-After): ${retriedAfter503}\nlogs: ${LOGS}\n`);
    process.exit(failed.length === 0 && checks.length > 0 ? 0 : 1);
  },
  (err: unknown) => {
    process.stderr.write(`cluster test aborted: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\nlogs: ${LOGS}\n`);
    for (const child of [...children]) child.kill('SIGKILL');
    process.exit(1);
  },
);
