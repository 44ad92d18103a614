/**
 * A bound on how long the API waits for Temporal. Without it a call to an
 * unreachable or hung frontend waits for the SDK's own retries (about 20 s)
 * while the caller's request hangs; with it the caller gets a 503 it can retry.
 */
import type { Client } from '@temporalio/client';

/** How long one API request waits for a Temporal call that should answer at once (start, describe, query). */
export const TEMPORAL_CALL_TIMEOUT_MS = 2_000;

export class TemporalTimeoutError extends Error {
  constructor(ms: number) {
    super(`Temporal did not answer within ${ms} ms`);
    this.name = 'TemporalTimeoutError';
  }
}

/**
 * Runs `call` (Temporal client calls) with an abort signal that cancels its
 * requests after `ms`, and gives up at `ms` even if a call ignores the signal.
 */
export async function withinDeadline<T>(client: Client, call: () => Promise<T>, ms: number = TEMPORAL_CALL_TIMEOUT_MS): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new TemporalTimeoutError(ms));
    }, ms);
  });
  try {
    return await Promise.race([client.withAbortSignal(controller.signal, call), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
