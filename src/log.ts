import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config';

/** Values that must never reach a log line, wherever they appear. */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  // Console sessions: the cookie is the session, the CSRF token guards it.
  'req.headers.cookie',
  'headers.cookie',
  '*.headers.cookie',
  'res.headers["set-cookie"]',
  'headers["set-cookie"]',
  '*.headers["set-cookie"]',
  'req.headers["x-csrf-token"]',
  'headers["x-csrf-token"]',
  '*.cookie',
  '*.cookies',
  '*.csrfToken',
  '*.sessionId',
  'password',
  'passwordHash',
  '*.password',
  '*.passwordHash',
  '*.*.password',
  '*.*.passwordHash',
  '*.pass',
  '*.token',
  '*.apiKey',
  'config.smtpUrl',
  'config.databaseUrl',
];

/**
 * Fields that hold a person's address or a message's content, in any object
 * logged: recipients and texts belong in the journal, not in logs.
 */
export const PERSONAL_DATA_PATHS = [
  '*.to',
  '*.recipient',
  '*.email',
  '*.phone',
  '*.telegramChatId',
  '*.chatId',
  '*.chat_id',
  '*.text',
  '*.html',
  '*.subject',
  '*.body',
  '*.message.text',
];

/** pino's number for `info`: lines at this level and above are scrubbed of personal data. */
const INFO = 30;

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
/** A phone written with a plus, spaces, brackets or dashes allowed: `+7 (916) 555-01-23`. */
const PLUS_PHONE = /\+\d[\d\s()-]{7,18}\d/g;
/**
 * A bare run of 9–15 digits: a phone in digits (`79165550123`, as SMS
 * providers take it) or a Telegram chat id (`-1001234567890` for groups).
 * Ordinary ids, ports, counts and durations are shorter.
 */
const LONG_NUMBER = /(?<![\p{L}\p{N}_-])-?\d{9,15}(?![\p{L}\p{N}_])/gu;

/** Removes e-mail addresses, phone numbers and chat ids from free text (messages, errors, providers' answers). */
export function scrubPersonalData(text: string): string {
  return text.replace(EMAIL, '[email]').replace(PLUS_PHONE, '[phone]').replace(LONG_NUMBER, '[number]');
}

function scrubValue(value: unknown): unknown {
  if (typeof value === 'string') return scrubPersonalData(value);
  if (Array.isArray(value)) return value.map(scrubValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, scrubValue(v)]));
  }
  return value;
}

/**
 * One serialized log line, scrubbed of personal data when it is at `info` or
 * above. Addresses reach log lines inside text no path can name: a provider's
 * refusal (`550 <a@b.ru>: Recipient address rejected`), an error message, the
 * Temporal SDK's failure details. `debug` and `trace` are left whole, for an
 * operator who chooses to see them.
 */
export function scrubLogLine(line: string): string {
  const level = /^\{"level":(\d+)/.exec(line)?.[1];
  if (level === undefined || Number(level) < INFO) return line;
  try {
    const newline = line.endsWith('\n') ? '\n' : '';
    return JSON.stringify(scrubValue(JSON.parse(line))) + newline;
  } catch {
    return scrubPersonalData(line);
  }
}

/** The process's logger; `destination` (stdout when absent) lets tests read what it writes. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: [...LOG_REDACT_PATHS, ...PERSONAL_DATA_PATHS], censor: '[secret]' },
    hooks: { streamWrite: scrubLogLine },
  };
  return destination ? pino(options, destination) : pino(options);
}
