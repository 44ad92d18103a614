import { DefaultLogger, Runtime, type LogLevel as TemporalLogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

const LEVELS: Record<TemporalLogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** The SDK's level for a pino level: pino's `fatal` and `silent` keep the SDK's errors, which pino then drops or keeps. */
function temporalLevelOf(level: string): TemporalLogLevel {
  const found = (Object.keys(LEVELS) as TemporalLogLevel[]).find((k) => LEVELS[k] === level);
  return found ?? 'ERROR';
}

/**
 * Sends the SDK's and the Core's log lines through our pino logger, so they
 * share its level and its redaction. Activity log lines carry the workflow id,
 * run id and activity in their meta; ours add the company and event ids.
 * With `metricsPort`, the SDK's own Prometheus endpoint (worker task slots,
 * poll and schedule-to-start latencies, sticky cache) listens on
 * `0.0.0.0:<port>/metrics` (`TEMPORAL_METRICS_PORT`). Must run before the
 * first worker.
 */
export function installTemporalLogging(log: Logger, opts: { metricsPort?: number | undefined } = {}): void {
  const child = log.child({ component: 'temporal' });
  Runtime.install({
    ...(opts.metricsPort !== undefined
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${opts.metricsPort}` } } } }
      : {}),
    // The SDK skips what is below our level before it formats anything (at TRACE it built every line to drop it).
    logger: new DefaultLogger(temporalLevelOf(log.level), (entry) => {
      const level = LEVELS[entry.level];
      if (child.isLevelEnabled(level)) child[level](entry.meta ?? {}, entry.message);
    }),
  });
}
