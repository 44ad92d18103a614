import { DefaultLogger, Runtime, type LogLevel as TemporalLogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

const LEVELS: Record<TemporalLogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

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
    logger: new DefaultLogger('TRACE', (entry) => {
      const level = LEVELS[entry.level];
      if (child.isLevelEnabled(level)) child[level](entry.meta ?? {}, entry.message);
    }),
  });
}
