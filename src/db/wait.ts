/**
 * Waiting for PostgreSQL at start, as the roles wait for Temporal
 * (`src/temporal/connect.ts`): in production the database often comes up
 * after the service's processes (a restarted host, a compose without
 * dependencies, a managed database in maintenance). Each role retries with
 * exponential backoff, says what it waits for, and gives up after the start
 * timeout (`START_TIMEOUT_SECONDS`).
 */
import { pingDatabase, type Db } from './client';

export interface WaitForDatabaseOptions {
  /** Give up this long after the first try. */
  timeoutMs: number;
  /** Receives one line per failed try, e.g. `waiting for PostgreSQL at db:5432/notify: ...`. */
  log?: ((message: string) => void) | undefined;
  /** First pause between tries; doubled each time up to 10 s. */
  initialDelayMs?: number;
}

/** PostgreSQL did not answer within the start timeout. */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
}

const MAX_DELAY_MS = 10_000;

/**
 * Asks `db` a trivial question until it answers. Throws
 * {@link DatabaseUnavailableError} naming where (never the password) and the
 * last reason once `timeoutMs` has passed.
 */
export async function waitForDatabase(db: Db, databaseUrl: string, opts: WaitForDatabaseOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let delay = opts.initialDelayMs ?? 500;
  const where = `PostgreSQL at ${describeDatabaseUrl(databaseUrl)}`;
  for (;;) {
    try {
      await pingDatabase(db);
      return;
    } catch (err) {
      const reason = reasonOf(err);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new DatabaseUnavailableError(`${where} did not answer within ${Math.round(opts.timeoutMs / 1000)} s (START_TIMEOUT_SECONDS): ${reason}`);
      }
      const pause = Math.min(delay, left);
      opts.log?.(`waiting for ${where}: ${reason}; next try in ${(pause / 1000).toFixed(1)} s`);
      await new Promise((resolve) => setTimeout(resolve, pause));
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
}

/** `host:port/database` of a connection URL, or the Unix socket's folder for `?host=/dir`: what a log line may show (no user, no password). */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const port = parsed.port || '5432';
    const socketDir = parsed.searchParams.get('host');
    const where = socketDir?.startsWith('/') ? `${socketDir}/.s.PGSQL.${port}` : `${parsed.hostname}:${port}`;
    return `${where}${parsed.pathname || '/'}`;
  } catch {
    return 'the configured DATABASE_URL';
  }
}

function reasonOf(err: unknown): string {
  // drizzle wraps driver errors ("Failed query: select 1"); the cause says what went wrong.
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const message = cause instanceof Error ? cause.message || (cause as { code?: string }).code || cause.name : String(cause);
  return message.split('\n')[0]!.trim() || 'unknown error';
}

/** Node's codes for a server that cannot be reached. */
const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE']);
/** SQLSTATEs of a database that is down, restarting or full: class 08 (connection exception) and these. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** pg and pg-pool say so only in words. */
const UNAVAILABLE_MESSAGES = /^(timeout exceeded when trying to connect|Connection terminated( unexpectedly| due to connection timeout)?|Cannot use a pool after calling end on the pool)$/;

/**
 * Whether `err` (or what caused it: drizzle wraps pg's errors) says the
 * database could not be reached, as opposed to a query it refused.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [err];
  while (pending.length > 0) {
    const current = pending.pop();
    if (!(current instanceof Error) || seen.has(current)) continue;
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECTION_ERROR_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    // A Unix socket whose server has stopped (and removed it): the embedded database's clients connect that way.
    if (code === 'ENOENT' && (current as { syscall?: unknown }).syscall === 'connect') return true;
    if (UNAVAILABLE_MESSAGES.test(current.message)) return true;
    pending.push(current.cause);
    if (current instanceof AggregateError) pending.push(...current.errors);
  }
  return false;
}
