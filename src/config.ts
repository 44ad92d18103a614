import path from 'node:path';
import { parseAllowEntry } from './domain/addresses';
import { DEFAULT_LIMITS, type Limits } from './domain/limits';
import { DEFAULT_SESSION_POLICY, type SessionPolicy } from './domain/sessions';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Everything the process reads from its environment, validated once at start. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** `PUBLIC_URL`: where people reach the API and its console, for links in messages; default the API's own address. */
  readonly publicUrl: string;
  readonly dataDir: string;
  readonly logLevel: LogLevel;
  /** How long a role waits at start for PostgreSQL, then for Temporal (its frontend and namespace), before it gives up. */
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
  /** The worker's Temporal options, sized for 2 cores by default (`WORKER_*`). */
  readonly worker: WorkerTuning;
  /** People's sign-in: session lifetimes and failed sign-ins allowed. */
  readonly sessions: SessionPolicy;
  /** `JOURNAL_RETENTION_DAYS`: journals of events older than this many days are deleted daily; unset: kept forever. */
  readonly journalRetentionDays: number | undefined;
  /** `EAGER_WORKFLOW_START`: in the all-in-one process, the API starts event workflows eagerly on the worker's connection. */
  readonly eagerWorkflowStart: boolean;
  /** Observability: where a process without the API serves `/metrics`, and the Temporal SDK's own endpoint. */
  readonly metrics: {
    /** `METRICS_PORT`: the worker role's `/metrics`; unset: not served (the API serves it on `PORT`). */
    readonly port: number | undefined;
    /** `TEMPORAL_METRICS_PORT`: the Temporal SDK's Prometheus endpoint; unset: off. */
    readonly temporalPort: number | undefined;
  };
  /**
   * `CHAOS_API_EXIT_AFTER_INSERT`: the chaos suite's fault (`npm run test:chaos`): the API
   * process kills itself after inserting a new event whose id starts with this prefix and
   * before starting its workflow. Refused with `NODE_ENV=production`.
   */
  readonly chaosApiExitAfterInsert: string | undefined;
}

/** How much a worker process takes on at once (Temporal's worker options). */
export interface WorkerTuning {
  /**
   * `WORKER_WORKFLOW_TASK_SLOTS`: workflow tasks held at once: those being
   * executed, those whose local activities (an event's first attempts, which
   * call the providers) still run, and one per waiting poll.
   */
  readonly workflowTaskSlots: number;
  /** `WORKER_ACTIVITY_SLOTS`: activities (provider calls) running at once. */
  readonly activitySlots: number;
  /** `WORKER_LOCAL_ACTIVITY_SLOTS`: local activities (journal writes, plans, renders) running at once. */
  readonly localActivitySlots: number;
  /** `WORKER_POLLERS`: concurrent long polls for workflow tasks and, separately, for activity tasks. */
  readonly pollers: number;
  /**
   * `WORKER_CACHED_WORKFLOWS`: runs kept in memory between their tasks. Bounds
   * the worker's memory however many events wait (for a confirmation, say); a
   * run that is not cached is replayed from its history when it wakes.
   */
  readonly cachedWorkflows: number;
}

export const DEFAULT_WORKER_TUNING: WorkerTuning = {
  workflowTaskSlots: 60,
  activitySlots: 50,
  localActivitySlots: 50,
  pollers: 10,
  cachedWorkflows: 250,
};

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

  const chaosApiExitAfterInsert = get('CHAOS_API_EXIT_AFTER_INSERT');
  if (chaosApiExitAfterInsert !== undefined && get('NODE_ENV') === 'production') {
    problems.push('CHAOS_API_EXIT_AFTER_INSERT is a fault of the chaos suite and is refused with NODE_ENV=production');
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
    previewsPerMinute: limit('PREVIEWS_PER_MINUTE_PER_KEY', DEFAULT_LIMITS.previewsPerMinute, 0, 1_000_000),
    previewsPerMinutePerUser: limit('PREVIEWS_PER_MINUTE_PER_USER', DEFAULT_LIMITS.previewsPerMinutePerUser, 0, 1_000_000),
  };
  const sessions: SessionPolicy = {
    idleSeconds: limit('SESSION_IDLE_MINUTES', DEFAULT_SESSION_POLICY.idleSeconds / 60, 1, 525_600) * 60,
    absoluteSeconds: limit('SESSION_MAX_HOURS', DEFAULT_SESSION_POLICY.absoluteSeconds / 3600, 1, 8_760) * 3600,
    failedPerLogin: limit('SIGN_IN_FAILURES_PER_LOGIN', DEFAULT_SESSION_POLICY.failedPerLogin, 1, 1_000),
    failedPerIp: limit('SIGN_IN_FAILURES_PER_IP', DEFAULT_SESSION_POLICY.failedPerIp, 1, 100_000),
    attemptWindowSeconds: limit('SIGN_IN_WINDOW_MINUTES', DEFAULT_SESSION_POLICY.attemptWindowSeconds / 60, 1, 1_440) * 60,
  };
  const worker: WorkerTuning = {
    workflowTaskSlots: limit('WORKER_WORKFLOW_TASK_SLOTS', DEFAULT_WORKER_TUNING.workflowTaskSlots, 2, 10_000),
    activitySlots: limit('WORKER_ACTIVITY_SLOTS', DEFAULT_WORKER_TUNING.activitySlots, 1, 10_000),
    localActivitySlots: limit('WORKER_LOCAL_ACTIVITY_SLOTS', DEFAULT_WORKER_TUNING.localActivitySlots, 1, 10_000),
    pollers: limit('WORKER_POLLERS', DEFAULT_WORKER_TUNING.pollers, 2, 1_000),
    cachedWorkflows: limit('WORKER_CACHED_WORKFLOWS', DEFAULT_WORKER_TUNING.cachedWorkflows, 0, 1_000_000),
  };
  const eager = get('EAGER_WORKFLOW_START') ?? 'on';
  if (eager !== 'on' && eager !== 'off') problems.push(`EAGER_WORKFLOW_START must be on or off, got "${eager}"`);
  if (worker.pollers > worker.workflowTaskSlots) {
    problems.push(`WORKER_POLLERS (${worker.pollers}) must not exceed WORKER_WORKFLOW_TASK_SLOTS (${worker.workflowTaskSlots})`);
  }
  const metricsPort = get('METRICS_PORT') === undefined ? undefined : parsePort(get('METRICS_PORT')!, 'METRICS_PORT', problems);
  const temporalMetricsPort =
    get('TEMPORAL_METRICS_PORT') === undefined ? undefined : parsePort(get('TEMPORAL_METRICS_PORT')!, 'TEMPORAL_METRICS_PORT', problems);
  for (const [name, value] of [['METRICS_PORT', metricsPort], ['TEMPORAL_METRICS_PORT', temporalMetricsPort]] as const) {
    if (value !== undefined && value !== 0 && value === port) problems.push(`${name} must differ from PORT (${port})`);
  }
  if (metricsPort !== undefined && metricsPort === temporalMetricsPort && metricsPort !== 0) {
    problems.push(`METRICS_PORT and TEMPORAL_METRICS_PORT must differ, both are ${metricsPort}`);
  }

  // Off unless set: deleting a company's records is the operator's decision (docs/operations.md).
  const retentionRaw = get('JOURNAL_RETENTION_DAYS');
  let journalRetentionDays: number | undefined;
  if (retentionRaw !== undefined && retentionRaw !== '0') {
    journalRetentionDays = Number(retentionRaw);
    if (!/^\d+$/.test(retentionRaw) || journalRetentionDays < 1 || journalRetentionDays > 36_500) {
      problems.push(`JOURNAL_RETENTION_DAYS must be a whole number of days from 1 to 36500, or 0 for off, got "${retentionRaw}"`);
      journalRetentionDays = undefined;
    }
  }

  const host = get('HOST') ?? '127.0.0.1';
  // A wildcard listen address is no place to send people to: the default link names this machine.
  const linkHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const publicUrl = (urlOf('PUBLIC_URL', ['http:', 'https:']) ?? `http://${linkHost}:${port}`).replace(/\/+$/, '');
  const config: Config = {
    port,
    host,
    publicUrl,
    journalRetentionDays,
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
    worker,
    sessions,
    eagerWorkflowStart: eager !== 'off',
    metrics: { port: metricsPort, temporalPort: temporalMetricsPort },
    chaosApiExitAfterInsert,
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

/** One environment variable, for the generated `docs/configuration.md` (`npm run docs:config`). */
export interface ConfigVariable {
  readonly name: string;
  readonly meaning: string;
  readonly default: string;
  /** Which processes read it. */
  readonly roles: 'all' | 'api' | 'worker';
}

/**
 * Every variable `loadConfig` reads, with its meaning and default. A unit test
 * checks that this list names exactly the variables read above and that the
 * committed `docs/configuration.md` is what it generates.
 */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { name: 'PORT', meaning: 'Port the API listens on (`/metrics` of the API and of the all-in-one process too).', default: '`3000`', roles: 'api' },
  { name: 'HOST', meaning: 'Address the API listens on.', default: '`127.0.0.1`', roles: 'api' },
  {
    name: 'PUBLIC_URL',
    meaning: 'Where people reach the API and its console (`http:` or `https:`): the base of links in messages, e.g. the manager\'s alert about a tracked message (`<PUBLIC_URL>/console/events/<eventId>`).',
    default: '`http://HOST:PORT` (`localhost` for a wildcard `HOST`)',
    roles: 'all',
  },
  { name: 'DATA_DIR', meaning: "Embedded PostgreSQL, Temporal's SQLite file, the SMTP sink's mail, the local secrets key.", default: '`./data`', roles: 'all' },
  { name: 'LOG_LEVEL', meaning: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`.', default: '`info`', roles: 'all' },
  {
    name: 'START_TIMEOUT_SECONDS',
    meaning: 'How long the API and the worker wait at start for PostgreSQL, and then for Temporal and its namespace (each retried with backoff), before they exit non-zero; 1 to 86400.',
    default: '`120`',
    roles: 'all',
  },
  { name: 'TEMPORAL_ADDRESS', meaning: 'An existing Temporal frontend (`host:port`); unset: the dev server is started.', default: 'unset', roles: 'all' },
  { name: 'TEMPORAL_NAMESPACE', meaning: 'The Temporal namespace.', default: '`default`', roles: 'all' },
  { name: 'TEMPORAL_TASK_QUEUE', meaning: 'The task queue the worker polls and the API starts workflows on.', default: '`notifications`', roles: 'all' },
  {
    name: 'TEMPORAL_UI_URL',
    meaning: 'Base of the links to runs and schedules in the Temporal UI (`http:` or `https:`); needed for those links when `TEMPORAL_ADDRESS` is set.',
    default: "the dev server's UI; unset with `TEMPORAL_ADDRESS`",
    roles: 'api',
  },
  { name: 'TEMPORAL_CLI_PATH', meaning: 'The `temporal` binary to use for the dev server.', default: 'found on the path or under `.tools`', roles: 'all' },
  { name: 'TEMPORAL_WORKFLOW_BUNDLE', meaning: 'A prebuilt workflow bundle (`npm run build:workflows`) for the worker.', default: 'bundled at start', roles: 'worker' },
  { name: 'DATABASE_URL', meaning: 'An existing PostgreSQL (`postgres:` or `postgresql:`); unset: embedded PostgreSQL under `DATA_DIR`.', default: 'unset', roles: 'all' },
  {
    name: 'SMTP_URL',
    meaning: '`smtp://user:pass@host:port` or `smtps://...`, the SMTP server of companies without their own; flags `?requireTLS=true`, `?ignoreTLS=true`, `?tlsRejectUnauthorized=false`.',
    default: 'the local SMTP sink',
    roles: 'worker',
  },
  {
    name: 'SMS_URL',
    meaning: 'The built-in default SMS provider: `smpp://id:password@host:port?source=NAME[&balanceUrl=...][&balanceCurrency=RUB]` (no currency: the balance counts messages) or `smsru://API_ID@sms.ru[?from=NAME]` (balance in roubles).',
    default: 'the dev SMSC when embedded, else none',
    roles: 'worker',
  },
  { name: 'TELEGRAM_API_ROOT', meaning: 'The Bot API root (a local Bot API server or a proxy).', default: '`https://api.telegram.org`', roles: 'all' },
  {
    name: 'ADMIN_API_KEY',
    meaning: 'At start, a key with this value and every role exists for the demo company (at least 16 characters); a revoked value stays revoked.',
    default: 'unset',
    roles: 'all',
  },
  { name: 'SECRETS_KEY', meaning: '32 bytes in base64 that encrypt stored secrets; required with `DATABASE_URL`.', default: 'a local key under `DATA_DIR`', roles: 'all' },
  {
    name: 'OUTBOUND_ALLOW',
    meaning: "Comma-separated host names, IP addresses and CIDR ranges that a company's provider settings may reach although they are loopback, private or link-local.",
    default: 'none',
    roles: 'all',
  },
  {
    name: 'EVENTS_PER_MINUTE_PER_KEY',
    meaning: '`POST /v1/events` per API key per calendar minute, counted in PostgreSQL (shared by every API process); past it `429` with `Retry-After`; `0`: no limit.',
    default: '`600`',
    roles: 'api',
  },
  {
    name: 'PREVIEWS_PER_MINUTE_PER_KEY',
    meaning:
      '`POST /v1/templates/preview` per API key per calendar minute, counted in PostgreSQL like the events; past it `429` with `Retry-After`; `0`: no limit. Previews render in a worker-thread pool, never on the event loop.',
    default: '`60`',
    roles: 'api',
  },
  {
    name: 'PREVIEWS_PER_MINUTE_PER_USER',
    meaning:
      '`POST /v1/templates/preview` per signed-in person per calendar minute (the console\'s editor previews as one types), counted like the keys\' previews; past it `429` with `Retry-After`; `0`: no limit.',
    default: '`300`',
    roles: 'api',
  },
  {
    name: 'MAX_RECIPIENTS_PER_EVENT',
    meaning: 'Recipients one event may have; an event with more is sent to nobody and journaled `skipped` with the count.',
    default: '`200`',
    roles: 'worker',
  },
  {
    name: 'SMS_PER_RECIPIENT_PER_HOUR',
    meaning: "SMS one company may send to one client phone in the last hour (a manager's phone counts only towards the daily limit); past it the SMS is not sent and the delivery is journaled `failed`.",
    default: '`10`',
    roles: 'worker',
  },
  { name: 'SMS_PER_COMPANY_PER_DAY', meaning: 'SMS one company may send in the last 24 hours; past it as above.', default: '`5000`', roles: 'worker' },
  {
    name: 'EVENT_DATA_MAX_BYTES',
    meaning: "The size of an event's `data` as JSON; larger: `413` naming `/body/data` (the whole body is capped at 256 KiB).",
    default: '`65536`',
    roles: 'api',
  },
  {
    name: 'EAGER_WORKFLOW_START',
    meaning:
      "`on` or `off`. In the all-in-one process (`main.ts all`) the API's client shares the worker's connection and asks for Eager Workflow Start: the server hands an event's first workflow task to that worker in the start's answer.",
    default: '`on`',
    roles: 'all',
  },
  {
    name: 'WORKER_WORKFLOW_TASK_SLOTS',
    meaning:
      'Workflow tasks a worker holds at once (Temporal `maxConcurrentWorkflowTaskExecutions`): each waiting poll holds one, and so does an event whose first attempts (a local activity) are with the providers. Sized as the pollers plus the sends in flight: with 20, most eager starts found no free slot and one worker delivered a quarter less.',
    default: '`60`',
    roles: 'worker',
  },
  {
    name: 'WORKER_ACTIVITY_SLOTS',
    meaning: 'Activities (provider calls) a worker runs at once (`maxConcurrentActivityTaskExecutions`).',
    default: '`50`',
    roles: 'worker',
  },
  {
    name: 'WORKER_LOCAL_ACTIVITY_SLOTS',
    meaning: 'Local activities (journal writes, plans, renders) a worker runs at once (`maxConcurrentLocalActivityExecutions`).',
    default: '`50`',
    roles: 'worker',
  },
  {
    name: 'WORKER_POLLERS',
    meaning:
      'Concurrent long polls for workflow tasks, and as many for activity tasks; at most `WORKER_WORKFLOW_TASK_SLOTS`. The batched e-mail dispatch runs an activity per e-mail, each fetched by a poll.',
    default: '`10`',
    roles: 'worker',
  },
  {
    name: 'WORKER_CACHED_WORKFLOWS',
    meaning:
      "Runs a worker keeps in memory between their tasks (`maxCachedWorkflows`): bounds its memory however many events wait for a confirmation; a run not cached is replayed from its history when it wakes.",
    default: '`250`',
    roles: 'worker',
  },
  {
    name: 'SESSION_IDLE_MINUTES',
    meaning: "A console session unused for this long ends (the person signs in again); 1 to 525600.",
    default: '`720` (12 hours)',
    roles: 'api',
  },
  {
    name: 'SESSION_MAX_HOURS',
    meaning: 'A console session ends this long after sign-in, however much it is used; 1 to 8760.',
    default: '`168` (7 days)',
    roles: 'api',
  },
  {
    name: 'SIGN_IN_FAILURES_PER_LOGIN',
    meaning: 'Failed sign-ins (`POST /v1/session`) for one login within `SIGN_IN_WINDOW_MINUTES`, counted in PostgreSQL; past it sign-in answers `429` with `Retry-After`, even with the right password.',
    default: '`5`',
    roles: 'api',
  },
  {
    name: 'SIGN_IN_FAILURES_PER_IP',
    meaning: 'Failed sign-ins from one IP address within `SIGN_IN_WINDOW_MINUTES`; past it as above.',
    default: '`20`',
    roles: 'api',
  },
  { name: 'SIGN_IN_WINDOW_MINUTES', meaning: 'The window in which failed sign-ins are counted (a fixed window of the clock).', default: '`15`', roles: 'api' },
  {
    name: 'METRICS_PORT',
    meaning: 'Port on which a worker process (`main.ts worker`) serves `GET /metrics` (deliveries, fallbacks, latencies, outbox and confirmation gauges); the API and the all-in-one process serve it on `PORT`. Must differ from `PORT`.',
    default: 'unset: not served by a worker-only process',
    roles: 'worker',
  },
  {
    name: 'JOURNAL_RETENTION_DAYS',
    meaning:
      "Journal retention: a daily Temporal schedule (`journal-retention`) deletes the journal of every closed event whose rows are all older than this many days, in batches (events waiting for confirmation or with e-mail still queued stay); 1 to 36500; `0` or unset: off, and a worker starting with it off removes the schedule.",
    default: 'unset: kept forever',
    roles: 'worker',
  },
  {
    name: 'TEMPORAL_METRICS_PORT',
    meaning: "Port on which the Temporal SDK's own Prometheus endpoint listens (`0.0.0.0:<port>/metrics`: task slots, poll latencies, sticky cache, activity and workflow task timings).",
    default: 'unset: off',
    roles: 'worker',
  },
  {
    name: 'NODE_ENV',
    meaning: '`production` (the Docker image sets it) refuses the chaos suite\'s fault variables below at start.',
    default: 'unset',
    roles: 'all',
  },
  {
    name: 'CHAOS_API_EXIT_AFTER_INSERT',
    meaning:
      'For `npm run test:chaos` only: the API process kills itself (SIGKILL) after inserting a new event whose id starts with this prefix and before starting its workflow, as a crash there would. Refused with `NODE_ENV=production`.',
    default: 'unset: off',
    roles: 'api',
  },
];
