import pino, { type Logger } from 'pino';
import type { LogLevel } from './config';

/** Values that must never reach a log line, wherever they appear. */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  '*.password',
  '*.pass',
  '*.token',
  '*.apiKey',
  'config.smtpUrl',
  'config.databaseUrl',
];

export function createLogger(level: LogLevel): Logger {
  return pino({ level, redact: { paths: LOG_REDACT_PATHS, censor: '[secret]' } });
}
