import type { Logger } from 'pino';

/**
 * What a process must stop on its way out, stopped last-started first, on
 * SIGINT, SIGTERM or a fatal error.
 */
export function createLifecycle(log: Logger) {
  const stops: (() => Promise<void>)[] = [];
  let exiting: Promise<never> | undefined;
  const exit = (code: number): Promise<never> =>
    (exiting ??= (async () => {
      for (const stop of stops.reverse()) await stop().catch((err: unknown) => log.warn({ err }, 'shutdown step failed'));
      process.exit(code);
    })());
  process.once('SIGINT', () => void exit(0));
  process.once('SIGTERM', () => void exit(0));
  return {
    /** Stops `stop` at exit; returns what it was given, for chaining. */
    defer<T extends { stop(): Promise<void> }>(resource: T): T {
      stops.push(() => resource.stop());
      return resource;
    },
    exit,
  };
}
