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
 * share its level and its redaction. Must run before the first worker.
 */
export function installTemporalLogging(log: Logger): void {
  const child = log.child({ component: 'temporal' });
  Runtime.install({
    logger: new DefaultLogger('TRACE', (entry) => {
      const level = LEVELS[entry.level];
      if (child.isLevelEnabled(level)) child[level](entry.meta ?? {}, entry.message);
    }),
  });
}
