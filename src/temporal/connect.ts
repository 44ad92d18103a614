/**
 * Waiting for Temporal at start: in production the API and the workers often
 * start before the Temporal frontend accepts connections or before its
 * namespace exists. Both roles retry with exponential backoff, say what they
 * wait for, and give up after the start timeout (`START_TIMEOUT_SECONDS`).
 */

/** Where the process expects Temporal. */
export interface TemporalTarget {
  address: string;
  namespace: string;
}

export interface WaitForTemporalOptions {
  /** Give up this long after the first try; 0 means one try only. */
  timeoutMs: number;
  /** Receives one line per failed try, e.g. `waiting for Temporal at temporal:7233 (namespace default): ...`. */
  log?: ((message: string) => void) | undefined;
  /** First pause between tries; doubled each time up to {@link MAX_DELAY_MS}. */
  initialDelayMs?: number;
}

/** Temporal did not answer with the namespace within the start timeout. */
export class TemporalUnavailableError extends Error {
  override readonly name = 'TemporalUnavailableError';
}

const MAX_DELAY_MS = 10_000;

/**
 * Connects with `connect` and checks the namespace with `check` until both
 * succeed; a connection whose namespace check fails is closed before the next
 * try. Throws {@link TemporalUnavailableError} naming the address, the
 * namespace and the last reason once `timeoutMs` has passed.
 */
export async function waitForTemporal<C extends { close(): Promise<void> }>(
  target: TemporalTarget,
  connect: (attemptTimeoutMs: number) => Promise<C>,
  check: (connection: C) => Promise<unknown>,
  opts: WaitForTemporalOptions,
): Promise<C> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  let delay = opts.initialDelayMs ?? 500;
  const where = `Temporal at ${target.address} (namespace ${target.namespace})`;
  for (;;) {
    let connection: C | undefined;
    try {
      connection = await connect(Math.max(1000, Math.min(10_000, deadline - Date.now())));
      await check(connection);
      return connection;
    } catch (err) {
      await connection?.close().catch(() => undefined);
      const reason = reasonOf(err);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new TemporalUnavailableError(
          `${where} did not answer within ${Math.round(opts.timeoutMs / 1000)} s (START_TIMEOUT_SECONDS): ${reason}`,
        );
      }
      const pause = Math.min(delay, left);
      opts.log?.(`waiting for ${where}: ${reason}; next try in ${(pause / 1000).toFixed(1)} s`);
      await new Promise((resolve) => setTimeout(resolve, pause));
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
}

/** The first line of an error's message, without the gRPC status number prefix noise. */
function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.trim() || (err instanceof Error ? err.name : 'unknown error');
}
