import path from 'node:path';
import { parseAllowEntry } from './domain/addresses';
import { DEFAULT_LIMITS, type Limits } from './domain/limits';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Everything the process reads from its environment, validated once at start. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly logLevel: LogLevel;
  /** How long a role waits at start for Temporal (its frontend and namespace) before it gives up. */
  readonly startTimeoutSeconds: number;
  readonly temporal: {
    /** Unset: the embedded dev server is started. */
    readonly address: string | undefined;
    readonly namespace: string;
    readonly taskQueue: string;
    readonly uiUrl: string | undefined;
    readonly cliPath: string | undefined;
    /** A prebuilt workflow bundle (`bundleWorkflowCode` output); unset: bundled from sources at start. */
    readonly workflowBundlePath: string | undefined;
  };
  /** Unset: embedded PostgreSQL is started under `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** Unset: a local SMTP sink keeps messages under `dataDir/mail`. */
  readonly smtpUrl: string | undefined;
  /** The built-in default SMS provider (R2); unset: companies must pick one. */
  readonly smsUrl: string | undefined;
  /** The Bot API root, for a local Bot API server or a proxy. */
  readonly telegramApiRoot: string | undefined;
  readonly adminApiKey: string | undefined;
  readonly secretsKey: string | undefined;
  /**
   * Hosts and ranges a company's provider settings may reach although they are
   * loopback, private or link-local (`OUTBOUND_ALLOW`); empty: none.
   */
  readonly outboundAllow: readonly string[];
  /** Abuse limits: events per key, recipients per event, SMS per phone and per company, event data size. */
  readonly limits: Limits;
}

/** Thrown with every bad variable listed, so one start reports them all. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads and validates the configuration. Empty strings count as unset.
 * @throws ConfigError naming each variable that is wrong and what it expects.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };

  const port = parsePort(get('PORT') ?? '3000', 'PORT', problems);

  const urlOf = (name: string, protocols: readonly string[]): string | undefined => {
    const value = get(name);
    if (value === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      problems.push(`${name} must be a URL (${protocols.map((p) => `${p}//...`).join(' or ')}), got an unparsable value`);
      return undefined;
    }
    if (!protocols.includes(parsed.protocol)) {
      problems.push(`${name} must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
      return undefined;
    }
    return value;
  };

  const temporalAddress = get('TEMPORAL_ADDRESS');
  if (temporalAddress !== undefined && !/^[^\s:/]+:\d{1,5}$/.test(temporalAddress)) {
    problems.push(`TEMPORAL_ADDRESS must be host:port (e.g. temporal:7233), got "${temporalAddress}"`);
  }

  const startTimeoutRaw = get('START_TIMEOUT_SECONDS') ?? '120';
  const startTimeoutSeconds = Number(startTimeoutRaw);
  if (!/^\d+$/.test(startTimeoutRaw) || startTimeoutSeconds < 1 || startTimeoutSeconds > 86_400) {
    problems.push(`START_TIMEOUT_SECONDS must be a whole number of seconds from 1 to 86400, got "${startTimeoutRaw}"`);
  }

  const logLevel = (get('LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }

  const adminApiKey = get('ADMIN_API_KEY');
  if (adminApiKey !== undefined && adminApiKey.length < 16) {
    problems.push('ADMIN_API_KEY must be at least 16 characters long');
  }

  const databaseUrl = urlOf('DATABASE_URL', ['postgres:', 'postgresql:']);
  const secretsKey = get('SECRETS_KEY');
  if (secretsKey !== undefined && Buffer.from(secretsKey, 'base64').length !== 32) {
    problems.push('SECRETS_KEY must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)');
  }
  if (get('DATABASE_URL') !== undefined && secretsKey === undefined) {
    problems.push('SECRETS_KEY is required when DATABASE_URL points at an external database');
  }

  const outboundAllow = (get('OUTBOUND_ALLOW') ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const entry of outboundAllow) {
    if (!parseAllowEntry(entry)) {
      problems.push(`OUTBOUND_ALLOW must list host names, IP addresses or CIDR ranges separated by commas (e.g. smtp.internal,10.0.0.0/8), got "${entry}"`);
    }
  }

  const limit = (name: string, fallback: number, min: number, max: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const limits: Limits = {
    eventsPerMinute: limit('EVENTS_PER_MINUTE_PER_KEY', DEFAULT_LIMITS.eventsPerMinute, 0, 1_000_000),
    recipientsPerEvent: limit('MAX_RECIPIENTS_PER_EVENT', DEFAULT_LIMITS.recipientsPerEvent, 1, 100_000),
    smsPerRecipientPerHour: limit('SMS_PER_RECIPIENT_PER_HOUR', DEFAULT_LIMITS.smsPerRecipientPerHour, 1, 100_000),
    smsPerCompanyPerDay: limit('SMS_PER_COMPANY_PER_DAY', DEFAULT_LIMITS.smsPerCompanyPerDay, 1, 100_000_000),
    // The whole request body is capped at 256 KiB (`BODY_LIMIT_BYTES`); data cannot be larger than that.
    eventDataBytes: limit('EVENT_DATA_MAX_BYTES', DEFAULT_LIMITS.eventDataBytes, 2, 256 * 1024 - 1024),
  };

  const config: Config = {
    port,
    host: get('HOST') ?? '127.0.0.1',
    dataDir: path.resolve(get('DATA_DIR') ?? './data'),
    logLevel,
    startTimeoutSeconds,
    temporal: {
      address: temporalAddress,
      namespace: get('TEMPORAL_NAMESPACE') ?? 'default',
      taskQueue: get('TEMPORAL_TASK_QUEUE') ?? 'notifications',
      uiUrl: urlOf('TEMPORAL_UI_URL', ['http:', 'https:'])?.replace(/\/+$/, ''),
      cliPath: get('TEMPORAL_CLI_PATH'),
      workflowBundlePath: get('TEMPORAL_WORKFLOW_BUNDLE') ? path.resolve(get('TEMPORAL_WORKFLOW_BUNDLE')!) : undefined,
    },
    databaseUrl,
    smtpUrl: urlOf('SMTP_URL', ['smtp:', 'smtps:']),
    smsUrl: urlOf('SMS_URL', ['smpp:', 'ssmpp:', 'smsru:', 'smsru+http:']),
    telegramApiRoot: urlOf('TELEGRAM_API_ROOT', ['http:', 'https:'])?.replace(/\/+$/, ''),
    adminApiKey,
    secretsKey,
    outboundAllow,
    limits,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

function parsePort(raw: string, name: string, problems: string[]): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 0 || value > 65535) {
    problems.push(`${name} must be a port number 0-65535, got "${raw}"`);
    return 0;
  }
  return value;
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object') deepFreeze(child as object);
  }
  return Object.freeze(value);
}
