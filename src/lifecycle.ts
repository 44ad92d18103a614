import type { Logger } from 'pino';

/**
 * What a process must stop on its way out, stopped last-started first, on
 * SIGINT, SIGTERM or a fatal error. The API is started last, so it drains
 * first (stops accepting, finishes the requests in flight); then the worker
 * stops polling and finishes its running activities (or, past its grace
 * time, cancels them and Temporal gives them to another worker); the database
 * goes last. A second signal exits at once.
 */
export function createLifecycle(log: Logger) {
  const stops: (() => Promise<void>)[] = [];
  let exiting: Promise<never> | undefined;
  const exit = (code: number): Promise<never> =>
    (exiting ??= (async () => {
      for (const stop of stops.reverse()) await stop().catch((err: unknown) => log.warn({ err }, 'shutdown step failed'));
      process.exit(code);
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    if (exiting) {
      log.warn({ signal }, 'second signal while shutting down: exiting now');
      process.exit(1);
    }
    log.info({ signal }, 'shutting down: draining requests and finishing running activities');
    void exit(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    /** Stops `stop` at exit; returns what it was given, for chaining. */
    defer<T extends { stop(): Promise<void> }>(resource: T): T {
      stops.push(() => resource.stop());
      return resource;
    },
    exit,
  };
}
