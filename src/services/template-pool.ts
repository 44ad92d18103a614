/**
 * Tenant-written Liquid off the event loop: previews, save-time checks and the
 * worker's render activity run in a small worker-thread pool (piscina). The
 * render limit (1 s, LiquidJS `renderLimit`) applies inside the threads; a task
 * that still outlives {@link HARD_LIMIT_MS} (queue time included) is abandoned
 * and its thread replaced. A full queue answers 503 with `Retry-After`.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Piscina } from 'piscina';
import { ServiceUnavailableError } from '../domain/errors';
import { TemplateError } from '../domain/templates';
import type { Outcome, TemplateTasks } from './template-worker';

/** A task that has not answered after this long (queued time included) is given up. */
export const HARD_LIMIT_MS = 10_000;
/** Tasks waiting for a thread beyond these are refused rather than queued. */
const MAX_QUEUE = 256;

let pool: Piscina | undefined;

function workerFile(): string {
  // From the compiled build the worker is plain JS; from the sources it needs tsx in its thread.
  return __filename.endsWith('.js') ? path.join(__dirname, 'template-worker.js') : path.join(__dirname, 'template-worker-dev.cjs');
}

function thePool(): Piscina {
  pool ??= new Piscina({
    filename: workerFile(),
    // One thread per spare core, at least one, at most four: rendering is short, and the pool only must not block the loop.
    minThreads: 1,
    maxThreads: Math.max(1, Math.min(4, availableParallelism() - 1)),
    maxQueue: MAX_QUEUE,
    idleTimeout: 60_000,
  });
  return pool;
}

/** Runs one template task in the pool; a template error comes back as the `TemplateError` the caller knows. */
export async function runTemplateTask<K extends keyof TemplateTasks>(
  name: K,
  args: Parameters<TemplateTasks[K]>[0],
): Promise<Awaited<ReturnType<TemplateTasks[K]>> extends Outcome<infer T> ? T : never> {
  let outcome: Outcome<unknown>;
  try {
    outcome = (await thePool().run({ name, args }, { signal: AbortSignal.timeout(HARD_LIMIT_MS) })) as Outcome<unknown>;
  } catch (err) {
    const e = err as { name?: string; message?: string };
    if (e?.name === 'AbortError' || e?.name === 'TimeoutError') {
      throw new TemplateError(`rendering took longer than ${HARD_LIMIT_MS / 1000} s and was stopped`, undefined, undefined);
    }
    if (typeof e?.message === 'string' && /queue is at limit/i.test(e.message)) {
      throw new ServiceUnavailableError('too many templates are being rendered; retry in a few seconds');
    }
    throw err;
  }
  if (!outcome.ok) throw new TemplateError(outcome.error.message, outcome.error.line, outcome.error.column);
  return outcome.value as never;
}

/** Stops the pool's threads (at process shutdown; a later task starts a new pool). */
export async function closeTemplatePool(): Promise<void> {
  const current = pool;
  pool = undefined;
  await current?.destroy();
}
