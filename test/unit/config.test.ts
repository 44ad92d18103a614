import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

const SECRETS_KEY = Buffer.alloc(32, 7).toString('base64');

/** The ConfigError `loadConfig` throws for `env`; fails the test when it does not throw one. */
function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  expect.fail(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('starts with the documented defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://127.0.0.1:3000',
      dataDir: path.resolve('./data'),
      logLevel: 'info',
      startTimeoutSeconds: 120,
      temporal: { address: undefined, namespace: 'default', taskQueue: 'notifications', uiUrl: undefined, cliPath: undefined },
      databaseUrl: undefined,
      smtpUrl: undefined,
      adminApiKey: undefined,
      secretsKey: undefined,
      outboundAllow: [],
      limits: { eventsPerMinute: 600, recipientsPerEvent: 200, smsPerRecipientPerHour: 10, smsPerCompanyPerDay: 5000, eventDataBytes: 65536, previewsPerMinute: 60, previewsPerMinutePerUser: 300 },
      worker: { workflowTaskSlots: 60, activitySlots: 50, localActivitySlots: 50, pollers: 10, cachedWorkflows: 250 },
      sessions: { idleSeconds: 12 * 3600, absoluteSeconds: 7 * 24 * 3600, failedPerLogin: 5, failedPerIp: 20, attemptWindowSeconds: 15 * 60 },
      eagerWorkflowStart: true,
      metrics: { port: undefined, temporalPort: undefined },
    });
    expect(path.isAbsolute(config.dataDir)).toBe(true);
  });

  it('does not read process.env when given an object', () => {
    const before = process.env.PORT;
    process.env.PORT = '4444';
    try {
      expect(loadConfig({}).port).toBe(3000);
    } finally {
      if (before === undefined) delete process.env.PORT;
      else process.env.PORT = before;
    }
  });

  it('links to the API itself unless PUBLIC_URL is set; a wildcard HOST links to localhost; PUBLIC_URL must be http(s)', () => {
    expect(loadConfig({ PORT: '8081', HOST: '10.1.2.3' }).publicUrl).toBe('http://10.1.2.3:8081');
    expect(loadConfig({ PORT: '8081', HOST: '0.0.0.0' }).publicUrl).toBe('http://localhost:8081');
    expect(() => loadConfig({ PUBLIC_URL: 'ftp://notify.example' })).toThrow(/PUBLIC_URL must use http: or https:/);
  });

  it('takes every documented variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATA_DIR: 'var/notify',
      LOG_LEVEL: 'debug',
      START_TIMEOUT_SECONDS: '300',
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'prod',
      TEMPORAL_TASK_QUEUE: 'notify-prod',
      TEMPORAL_UI_URL: 'https://temporal.example/',
      DATABASE_URL: 'postgres://u:p@db:5432/notify',
      SMTP_URL: 'smtps://u:p@mail.example',
      ADMIN_API_KEY: 'a-long-enough-admin-key',
      SECRETS_KEY,
      METRICS_PORT: '9464',
      TEMPORAL_METRICS_PORT: '9465',
      WORKER_WORKFLOW_TASK_SLOTS: '8',
      WORKER_ACTIVITY_SLOTS: '30',
      WORKER_LOCAL_ACTIVITY_SLOTS: '40',
      WORKER_POLLERS: '3',
      WORKER_CACHED_WORKFLOWS: '200',
      PUBLIC_URL: 'https://notify.example.ru/',
      EAGER_WORKFLOW_START: 'off',
    });
    expect(config).toEqual({
      port: 8080,
      host: '0.0.0.0',
      publicUrl: 'https://notify.example.ru',
      dataDir: path.resolve('var/notify'),
      logLevel: 'debug',
      startTimeoutSeconds: 300,
      temporal: {
        address: 'temporal:7233',
        namespace: 'prod',
        taskQueue: 'notify-prod',
        uiUrl: 'https://temporal.example',
        cliPath: undefined,
      },
      databaseUrl: 'postgres://u:p@db:5432/notify',
      smtpUrl: 'smtps://u:p@mail.example',
      adminApiKey: 'a-long-enough-admin-key',
      secretsKey: SECRETS_KEY,
      outboundAllow: [],
      limits: loadConfig({}).limits,
      worker: { workflowTaskSlots: 8, activitySlots: 30, localActivitySlots: 40, pollers: 3, cachedWorkflows: 200 },
      sessions: loadConfig({}).sessions,
      eagerWorkflowStart: false,
      metrics: { port: 9464, temporalPort: 9465 },
    });
  });

  it('refuses worker options Temporal would reject, naming the variable', () => {
    expect(() => loadConfig({ WORKER_WORKFLOW_TASK_SLOTS: '1' })).toThrow(/WORKER_WORKFLOW_TASK_SLOTS must be a whole number from 2/);
    expect(() => loadConfig({ WORKER_POLLERS: '70' })).toThrow(/WORKER_POLLERS \(70\) must not exceed WORKER_WORKFLOW_TASK_SLOTS \(60\)/);
    expect(() => loadConfig({ WORKER_CACHED_WORKFLOWS: 'many' })).toThrow(/WORKER_CACHED_WORKFLOWS must be a whole number/);
  });

  it('reads OUTBOUND_ALLOW as a list of host names, addresses and CIDR ranges', () => {
    expect(loadConfig({ OUTBOUND_ALLOW: ' smtp.internal, 10.0.0.0/8,127.0.0.1 ,[::1],fd00::/8,' }).outboundAllow).toEqual([
      'smtp.internal',
      '10.0.0.0/8',
      '127.0.0.1',
      '[::1]',
      'fd00::/8',
    ]);
  });

  it.each(['10.0.0.0/33', 'http://smtp.internal', 'smtp.internal:25', '300.1.1.1', 'a b'])('refuses OUTBOUND_ALLOW entry %s, naming it', (entry) => {
    const problems = problemsOf({ OUTBOUND_ALLOW: `127.0.0.1,${entry}` });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('OUTBOUND_ALLOW');
    expect(problems[0]).toContain(entry);
  });

  it('resolves a relative DATA_DIR to an absolute path', () => {
    expect(loadConfig({ DATA_DIR: 'some/dir' }).dataDir).toBe(path.join(process.cwd(), 'some/dir'));
  });

  it.each([
    { name: 'PORT', env: { PORT: 'abc' }, mentions: 'abc' },
    { name: 'PORT', env: { PORT: '70000' }, mentions: '70000' },
    { name: 'PORT', env: { PORT: '-1' }, mentions: '-1' },
    { name: 'TEMPORAL_ADDRESS', env: { TEMPORAL_ADDRESS: 'nohostport' }, mentions: 'host:port' },
    { name: 'DATABASE_URL', env: { DATABASE_URL: 'mysql://x', SECRETS_KEY }, mentions: 'mysql:' },
    { name: 'SMTP_URL', env: { SMTP_URL: 'http://x' }, mentions: 'http:' },
    { name: 'TEMPORAL_UI_URL', env: { TEMPORAL_UI_URL: 'notaurl' }, mentions: 'must be a URL' },
    { name: 'LOG_LEVEL', env: { LOG_LEVEL: 'loud' }, mentions: 'loud' },
    { name: 'START_TIMEOUT_SECONDS', env: { START_TIMEOUT_SECONDS: 'soon' }, mentions: 'soon' },
    { name: 'START_TIMEOUT_SECONDS', env: { START_TIMEOUT_SECONDS: '0' }, mentions: 'from 1 to 86400' },
    { name: 'START_TIMEOUT_SECONDS', env: { START_TIMEOUT_SECONDS: '1.5' }, mentions: 'whole number' },
    { name: 'ADMIN_API_KEY', env: { ADMIN_API_KEY: 'short' }, mentions: '16' },
    { name: 'SECRETS_KEY', env: { SECRETS_KEY: Buffer.alloc(16).toString('base64') }, mentions: '32 bytes' },
    { name: 'SECRETS_KEY', env: { DATABASE_URL: 'postgres://db/notify' }, mentions: 'DATABASE_URL' },
  ])('reports $name by name for $env', ({ name, env, mentions }) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name} `));
    expect(problems[0]).toContain(mentions);
  });

  it('reports every bad variable in one ConfigError', () => {
    const env = {
      PORT: 'abc',
      TEMPORAL_ADDRESS: 'nohostport',
      DATABASE_URL: 'mysql://x',
      SMTP_URL: 'http://x',
      TEMPORAL_UI_URL: 'notaurl',
      LOG_LEVEL: 'loud',
      ADMIN_API_KEY: 'short',
    };
    let error: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    const named = problems.map((p) => p.split(' ')[0]).sort();
    expect(named).toEqual(
      ['ADMIN_API_KEY', 'DATABASE_URL', 'LOG_LEVEL', 'PORT', 'SECRETS_KEY', 'SMTP_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_UI_URL'].sort(),
    );
    for (const problem of problems) expect(message).toContain(problem);
  });

  it('never echoes a secret value in its problems', () => {
    const problems = problemsOf({ ADMIN_API_KEY: 'sekret', SECRETS_KEY: 'c2hvcnQtc2VjcmV0' });
    expect(problems.join('\n')).not.toContain('sekret');
    expect(problems.join('\n')).not.toContain('c2hvcnQtc2VjcmV0');
  });

  it('returns a frozen configuration, nested objects included', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.temporal)).toBe(true);
    // Test files are ES modules, so strict mode: writing a frozen property throws.
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.temporal as { namespace: string }).namespace = 'other';
    }).toThrow(TypeError);
    expect(config.port).toBe(3000);
    expect(config.temporal.namespace).toBe('default');
  });

  it('treats empty and blank strings as unset', () => {
    const config = loadConfig({
      PORT: '',
      HOST: '  ',
      DATA_DIR: '',
      LOG_LEVEL: '',
      TEMPORAL_ADDRESS: '',
      TEMPORAL_NAMESPACE: '',
      TEMPORAL_TASK_QUEUE: ' ',
      TEMPORAL_UI_URL: '',
      DATABASE_URL: '',
      SMTP_URL: '',
      ADMIN_API_KEY: '',
      SECRETS_KEY: '',
    });
    expect(config).toEqual(loadConfig({}));
  });

  it('strips trailing slashes from TEMPORAL_UI_URL so run links have no double slash', () => {
    expect(loadConfig({ TEMPORAL_UI_URL: 'http://localhost:8233//' }).temporal.uiUrl).toBe('http://localhost:8233');
  });

  it('takes the abuse limits from their variables', () => {
    const config = loadConfig({
      EVENTS_PER_MINUTE_PER_KEY: '0',
      MAX_RECIPIENTS_PER_EVENT: '3',
      SMS_PER_RECIPIENT_PER_HOUR: '2',
      SMS_PER_COMPANY_PER_DAY: '100',
      EVENT_DATA_MAX_BYTES: '1024',
      PREVIEWS_PER_MINUTE_PER_KEY: '5',
      PREVIEWS_PER_MINUTE_PER_USER: '7',
    });
    expect(config.limits).toEqual({ eventsPerMinute: 0, recipientsPerEvent: 3, smsPerRecipientPerHour: 2, smsPerCompanyPerDay: 100, eventDataBytes: 1024, previewsPerMinute: 5, previewsPerMinutePerUser: 7 });
  });

  it('refuses limits that are not whole numbers in range, naming each variable', () => {
    const problems = problemsOf({
      EVENTS_PER_MINUTE_PER_KEY: '-1',
      MAX_RECIPIENTS_PER_EVENT: '0',
      SMS_PER_RECIPIENT_PER_HOUR: '1.5',
      SMS_PER_COMPANY_PER_DAY: 'many',
      EVENT_DATA_MAX_BYTES: '10000000',
    });
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual([
      'EVENTS_PER_MINUTE_PER_KEY',
      'EVENT_DATA_MAX_BYTES',
      'MAX_RECIPIENTS_PER_EVENT',
      'SMS_PER_COMPANY_PER_DAY',
      'SMS_PER_RECIPIENT_PER_HOUR',
    ]);
    expect(problems.find((p) => p.startsWith('EVENT_DATA_MAX_BYTES'))).toMatch(/whole number from 2 to \d+, got "10000000"/);
  });

  it('takes the session lifetimes and sign-in limits from their variables, and refuses values out of range', () => {
    const config = loadConfig({
      SESSION_IDLE_MINUTES: '30',
      SESSION_MAX_HOURS: '24',
      SIGN_IN_FAILURES_PER_LOGIN: '3',
      SIGN_IN_FAILURES_PER_IP: '50',
      SIGN_IN_WINDOW_MINUTES: '5',
    });
    expect(config.sessions).toEqual({ idleSeconds: 1800, absoluteSeconds: 86_400, failedPerLogin: 3, failedPerIp: 50, attemptWindowSeconds: 300 });
    const problems = problemsOf({ SESSION_IDLE_MINUTES: '0', SESSION_MAX_HOURS: '12h', SIGN_IN_FAILURES_PER_LOGIN: '-5', SIGN_IN_WINDOW_MINUTES: '2000' });
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual([
      'SESSION_IDLE_MINUTES',
      'SESSION_MAX_HOURS',
      'SIGN_IN_FAILURES_PER_LOGIN',
      'SIGN_IN_WINDOW_MINUTES',
    ]);
  });
});

describe("the chaos suite's fault variable", () => {
  it('is off unless set, and read as a prefix of event ids', () => {
    expect(loadConfig({}).chaosApiExitAfterInsert).toBeUndefined();
    expect(loadConfig({ CHAOS_API_EXIT_AFTER_INSERT: 'apikill-' }).chaosApiExitAfterInsert).toBe('apikill-');
  });

  it('is refused at start in production, naming the variable', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', CHAOS_API_EXIT_AFTER_INSERT: 'apikill-' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production', CHAOS_API_EXIT_AFTER_INSERT: 'apikill-' })).toThrow(/CHAOS_API_EXIT_AFTER_INSERT .*NODE_ENV=production/);
    expect(loadConfig({ NODE_ENV: 'production' }).chaosApiExitAfterInsert).toBeUndefined();
  });
});
