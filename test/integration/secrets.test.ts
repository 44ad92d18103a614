import { spawn, type ChildProcess } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client';
import { startSmtpSink, type SmtpSink } from '../../src/dev/smtp-sink';
import { repoRoot } from '../../src/paths';
import { startSmsRuPeer, type SmsRuPeer } from '../../src/dev/peers/sms-ru';
import { startTelegramBotApi, type TelegramBotApiPeer } from '../../src/dev/peers/telegram-bot-api';
import { createTestDatabase } from '../helpers/harness';
import { until } from '../helpers/scenario';

const SMTP_PASSWORD = 'smtp-Pa55-wOrd-7f3e91';
const COMPANY_SMTP_PASSWORD = 'company-smtp-Secret-0c4d2a';
const SECRETS_KEY = Buffer.alloc(32, 42).toString('base64');
const ADMIN_API_KEY = 'admin-key-secrets-test-5b8c1e9a77';

/**
 * A full run of the real service process (API and worker, debug logging) with
 * every kind of secret in play, successes and failures alike; then its whole
 * output, the journal and the change history are searched for each secret.
 */
describe('secrets never reach logs, the journal or API answers', () => {
  let child: ChildProcess;
  let output = '';
  let apiUrl = '';
  let sink: SmtpSink;
  let companySink: SmtpSink;
  let smsRu: SmsRuPeer;
  let telegram: TelegramBotApiPeer;
  let database: Database;
  let webhookSecret = '';
  const answers: string[] = [];

  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${url}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_API_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    answers.push(text);
    return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
  };

  beforeAll(async () => {
    sink = await startSmtpSink({ auth: { user: 'mailer', pass: SMTP_PASSWORD } });
    companySink = await startSmtpSink({ auth: { user: 'company', pass: COMPANY_SMTP_PASSWORD } });
    smsRu = await startSmsRuPeer({ balance: 500 });
    telegram = await startTelegramBotApi({ botUsername: 'secrets_notify_bot' });
    const databaseUrl = await createTestDatabase();
    database = createDatabase(databaseUrl);

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'debug',
      DATABASE_URL: databaseUrl,
      SECRETS_KEY,
      ADMIN_API_KEY,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: `secrets-${Date.now()}`,
      TEMPORAL_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
      SMTP_URL: sink.url,
      SMS_URL: `smsru+http://${smsRu.apiId}@${new URL(smsRu.baseUrl).host}`,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      // The company's own SMTP below is a local peer: the operator allows loopback for company providers.
      OUTBOUND_ALLOW: '127.0.0.1',
    };
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'all'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    apiUrl = await until(() => /API\s+(http:\/\/\S+)/.exec(output)?.[1], 'the service to start', 120_000);
  }, 180_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await database?.close();
    await Promise.all([sink?.stop(), companySink?.stop(), smsRu?.stop(), telegram?.stop()]);
  });

  it('runs events over every channel, with failures, and no secret shows up anywhere', async () => {
    const settings = await call('PUT', '/v1/settings', {
      mode: 'live',
      telegram: { botToken: telegram.token, botUsername: 'secrets_notify_bot', webhookUrl: 'https://notify.example.ru' },
    });
    expect(settings.status, settings.text).toBe(200);
    webhookSecret = telegram.webhook!.secretToken!;

    expect((await call('PUT', '/v1/event-types/test.secrets', {
      name: 'Проверка секретов',
      variables: [{ name: 'n', description: 'Номер', example: '1' }],
      channels: ['telegram', 'sms'],
      templates: { client: { telegram: { text: 'TG {{ n }}' }, sms: { text: 'SMS {{ n }}' } } },
    })).status).toBe(200);
    expect((await call('PUT', '/v1/event-types/test.secrets-mail', {
      name: 'Проверка секретов, почта',
      variables: [{ name: 'n', description: 'Номер', example: '1' }],
      channels: ['email'],
      templates: { client: { email: { subject: 'Письмо {{ n }}', text: 'Текст {{ n }}' } } },
    })).status).toBe(200);
    expect((await call('PUT', '/v1/counterparties/secret-client', {
      name: 'ООО «Секрет»',
      contacts: [
        { name: 'Блокировал бота', telegramChatId: '9101', phone: '+79160009101' },
        { name: 'Почта', email: 'mail@secret.example' },
      ],
    })).status).toBe(200);
    telegram.failFor('9101', { code: 403 });

    const waitFor = async (eventId: string) =>
      until(async () => ((await call('GET', `/v1/events/${eventId}`)).json().state === 'completed' ? true : undefined), `event ${eventId}`, 60_000);

    // Telegram blocked → SMS through the built-in SMS.ru; e-mail through the default SMTP with a password.
    expect((await call('POST', '/v1/events', { id: 's-1', type: 'test.secrets', counterpartyId: 'secret-client', data: { n: 1 } })).status).toBe(202);
    expect((await call('POST', '/v1/events', { id: 's-2', type: 'test.secrets-mail', counterpartyId: 'secret-client', data: { n: 2 } })).status).toBe(202);
    await waitFor('s-1');
    await waitFor('s-2');
    expect(smsRu.sent.map((m) => m.msg)).toEqual(['SMS 1']);
    expect(sink.messages.map((m) => m.to)).toEqual([['mail@secret.example']]);

    // The company's own SMTP with its own password, first wrong (a failure to log), then right.
    const providers = (password: string) => ({
      providers: [{ id: 'own-smtp', kind: 'smtp', name: 'Своя почта', config: { host: '127.0.0.1', port: companySink.port, user: 'company' }, secrets: { password } }],
    });
    expect((await call('PUT', '/v1/settings', providers('wrong-company-password-1'))).status).toBe(200);
    expect((await call('POST', '/v1/messaging/test', { channel: 'email', to: 'check@secret.example' })).json().ok).toBe(false);
    expect((await call('PUT', '/v1/settings', providers(COMPANY_SMTP_PASSWORD))).status).toBe(200);
    // Pointing it elsewhere without giving the password again is refused, and the refusal names no secret.
    const moved = await call('PUT', '/v1/settings', {
      providers: [{ id: 'own-smtp', kind: 'smtp', name: 'Своя почта', config: { host: '127.0.0.1', port: sink.port, user: 'company' } }],
    });
    expect(moved.status, moved.text).toBe(422);
    expect((await call('POST', '/v1/events', { id: 's-3', type: 'test.secrets-mail', counterpartyId: 'secret-client', data: { n: 3 } })).status).toBe(202);
    await waitFor('s-3');
    expect(companySink.messages).toHaveLength(1);

    // Test messages and balance, one of them refused by the provider; a webhook update, right and wrong.
    expect((await call('POST', '/v1/messaging/test', { channel: 'sms', to: '+79160009102' })).json().ok).toBe(true);
    expect((await call('POST', '/v1/messaging/test', { channel: 'telegram', to: '9101' })).json().ok).toBe(false);
    expect((await call('GET', '/v1/messaging/sms/balance')).json().ok).toBe(true);
    const hook = await fetch(`${apiUrl}/v1/telegram/webhook/${webhookSecret}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': webhookSecret },
      body: JSON.stringify({ update_id: 1, message: { message_id: 1, date: 1, chat: { id: 9200, type: 'private' }, text: 'привет' } }),
    });
    expect(hook.status).toBe(200);
    expect((await fetch(`${apiUrl}/v1/telegram/webhook/${'x'.repeat(32)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"update_id":2}' })).status).toBe(401);
    answers.push(await (await call('GET', '/v1/settings')).text);
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const stored = await database.db.execute(
      sql`select coalesce(string_agg(t::text, E'\\n'), '') as text from (
            select row_to_json(j)::text as t from journal_entries j
            union all select row_to_json(c)::text from config_changes c
            union all select row_to_json(e)::text from events e) all_rows`,
    );
    const storedText = String((stored.rows[0] as { text: string }).text);
    expect(storedText).toContain('SMS 1');
    expect(output).toMatch(/"msg":"request"/);

    const secrets = {
      'SMTP password': SMTP_PASSWORD,
      'company SMTP password': COMPANY_SMTP_PASSWORD,
      'bot token': telegram.token,
      'bot token secret part': telegram.token.split(':')[1]!,
      'SMS API key': smsRu.apiId,
      'webhook secret': webhookSecret,
      SECRETS_KEY,
      ADMIN_API_KEY,
    };
    for (const [name, value] of Object.entries(secrets)) {
      expect(output.includes(value), `${name} in the service's output`).toBe(false);
      expect(storedText.includes(value), `${name} in the journal, events or change history`).toBe(false);
      expect(answers.some((a) => a.includes(value)), `${name} in an API answer`).toBe(false);
    }
  }, 240_000);
});
