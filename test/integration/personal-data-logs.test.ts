import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../src/dev/smtp-sink';
import { repoRoot } from '../../src/paths';
import { startSmsRuPeer, type SmsRuPeer } from '../../src/dev/peers/sms-ru';
import { startTelegramBotApi, type TelegramBotApiPeer } from '../../src/dev/peers/telegram-bot-api';
import { createTestDatabase } from '../helpers/harness';
import { until } from '../helpers/scenario';

const SECRETS_KEY = Buffer.alloc(32, 43).toString('base64');
const ADMIN_API_KEY = 'admin-key-pii-logs-test-3c9d0e1f55';

const PERSON = {
  email: 'pii.person@privacy-test.example',
  rejectedEmail: 'pii.gone@privacy-test.example',
  phone: '+79165550123',
  fallbackPhone: '+79165550124',
  chatId: '7712345609',
  blockedChatId: '7712345610',
};
/** Words that appear only in rendered texts (template text plus event data). */
const TEXT_MARKERS = ['Телеграм-тайна', 'СМС-тайна', 'Письмо-тайна', 'Тема-тайна', 'ЗАКАЗ-9137'];

/**
 * A real service process at `info`, sending e-mail, Telegram and SMS (with a
 * blocked bot, a rejected mailbox and a fallback), then its whole output is
 * searched for each contact's address and for the texts it sent.
 */
describe('personal data stays out of the logs at info', () => {
  let child: ChildProcess;
  let output = '';
  let apiUrl = '';
  let sink: SmtpSink;
  let smsRu: SmsRuPeer;
  let telegram: TelegramBotApiPeer;

  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${url}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_API_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
  };

  beforeAll(async () => {
    sink = await startSmtpSink({
      beforeAccept: (mail) => {
        if (mail.to.includes(PERSON.rejectedEmail)) {
          // Real servers name the mailbox in their refusal.
          throw Object.assign(new Error(`5.1.1 <${PERSON.rejectedEmail}>: Recipient address rejected: User unknown`), { responseCode: 550 });
        }
      },
    });
    smsRu = await startSmsRuPeer({ balance: 500 });
    telegram = await startTelegramBotApi({ botUsername: 'pii_notify_bot' });
    const databaseUrl = await createTestDatabase();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'info',
      DATABASE_URL: databaseUrl,
      SECRETS_KEY,
      ADMIN_API_KEY,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: `pii-logs-${Date.now()}`,
      TEMPORAL_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
      SMTP_URL: sink.url,
      SMS_URL: `smsru+http://${smsRu.apiId}@${new URL(smsRu.baseUrl).host}`,
      TELEGRAM_API_ROOT: telegram.apiRoot,
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
    await Promise.all([sink?.stop(), smsRu?.stop(), telegram?.stop()]);
  });

  it('sends over e-mail, Telegram and SMS, with failures, and no address, phone, chat id or text shows up in the output', async () => {
    const settings = await call('PUT', '/v1/settings', {
      mode: 'live',
      telegram: { botToken: telegram.token, botUsername: 'pii_notify_bot', webhookUrl: 'https://notify.example.ru' },
    });
    expect(settings.status, settings.text).toBe(200);
    expect((await call('PUT', '/v1/event-types/pii.chat', {
      name: 'Проверка личных данных',
      variables: [{ name: 'order', description: 'Заказ', example: 'ЗК-1' }],
      channels: ['telegram', 'sms'],
      templates: { client: { telegram: { text: 'Телеграм-тайна {{ order }}' }, sms: { text: 'СМС-тайна {{ order }}' } } },
    })).status).toBe(200);
    expect((await call('PUT', '/v1/event-types/pii.mail', {
      name: 'Проверка личных данных, почта',
      variables: [{ name: 'order', description: 'Заказ', example: 'ЗК-1' }],
      channels: ['email'],
      templates: { client: { email: { subject: 'Тема-тайна {{ order }}', text: 'Письмо-тайна {{ order }}' } } },
    })).status).toBe(200);
    const client = await call('PUT', '/v1/counterparties/pii-client', {
      name: 'ООО «Личное»',
      contacts: [
        { name: 'Телеграм', telegramChatId: PERSON.chatId, phone: PERSON.phone },
        { name: 'Заблокировал бота', telegramChatId: PERSON.blockedChatId, phone: PERSON.fallbackPhone },
        { name: 'Почта', email: PERSON.email },
        { name: 'Ушедший ящик', email: PERSON.rejectedEmail },
      ],
    });
    expect(client.status, client.text).toBe(200);
    telegram.failFor(PERSON.blockedChatId, { code: 403 });

    const ended = async (eventId: string) =>
      until(async () => (['completed', 'partial', 'failed'].includes(String((await call('GET', `/v1/events/${eventId}`)).json().state)) ? true : undefined), `event ${eventId}`, 60_000);
    for (const [id, type] of [['p-1', 'pii.chat'], ['p-2', 'pii.mail']] as const) {
      const posted = await call('POST', '/v1/events', { id, type, counterpartyId: 'pii-client', data: { order: 'ЗАКАЗ-9137' } });
      expect(posted.status, posted.text).toBe(202);
    }
    await ended('p-1');
    await ended('p-2');
    // What happened is what the test meant: every channel and both failures were exercised.
    expect(telegram.sent.map((m) => m.chatId)).toEqual([PERSON.chatId]);
    expect(smsRu.sent.map((m) => m.to)).toEqual([PERSON.fallbackPhone.slice(1)]);
    expect(sink.messages.map((m) => m.to)).toEqual([[PERSON.email]]);
    // Test messages name the recipient in the request itself; a failing one too.
    expect((await call('POST', '/v1/messaging/test', { channel: 'telegram', to: PERSON.blockedChatId })).json().ok).toBe(false);
    expect((await call('POST', '/v1/messaging/test', { channel: 'email', to: PERSON.rejectedEmail })).json().ok).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1000));

    expect(output).toMatch(/"msg":"request"/);
    // The SMTP refusal was logged (by the Temporal SDK, as the activity's failure), with the mailbox taken out.
    expect(output).toMatch(/Recipient address rejected/);
    expect(output).toContain('<[email]>');
    const personal = {
      ...PERSON,
      'phone digits': PERSON.phone.slice(1),
      'fallback phone digits': PERSON.fallbackPhone.slice(1),
      ...Object.fromEntries(TEXT_MARKERS.map((t) => [`text ${t}`, t])),
    };
    for (const [name, value] of Object.entries(personal)) {
      const line = output.split('\n').find((l) => l.includes(value));
      expect(line, `${name} in the service's output`).toBeUndefined();
    }
  }, 240_000);
});
