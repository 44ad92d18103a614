import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmsc, type Smsc } from '../../src/dev/peers/smsc';
import { startSmsRuPeer, type SmsRuPeer } from '../../src/dev/peers/sms-ru';
import { startTelegramBotApi, type TelegramBotApiPeer } from '../../src/dev/peers/telegram-bot-api';
import { createHarness, type Harness } from '../helpers/harness';

describe('test message (R3) and SMS balance (R4) against each provider peer', () => {
  let h: Harness;
  let smsc: Smsc;
  let smsRu: SmsRuPeer;
  let telegram: TelegramBotApiPeer;

  beforeAll(async () => {
    smsc = await startSmsc({ balance: 321 });
    smsRu = await startSmsRuPeer({ balance: 150.5 });
    telegram = await startTelegramBotApi();
    h = await createHarness({
      mode: 'live',
      smsUrl: `${smsc.url}?source=NOTIFY&balanceUrl=${encodeURIComponent(smsc.balanceUrl)}`,
      telegramApiRoot: telegram.apiRoot,
    });
    const res = await h.request({ method: 'PUT', url: '/v1/settings', payload: { telegram: { botToken: telegram.token } } });
    expect(res.statusCode, res.body).toBe(200);
  });
  afterAll(async () => {
    await h?.temporal.workflow.getHandle(`telegram-poll:${h.companyId}`).terminate('test finished').catch(() => undefined);
    await h?.close();
    await smsc?.stop();
    await smsRu?.stop();
    await telegram?.stop();
  });

  const test = (payload: Record<string, unknown>) => h.request({ method: 'POST', url: '/v1/messaging/test', payload });

  it('sends a test SMS through the built-in SMPP provider, returns its message id, its encoding and what it cost', async () => {
    const res = await test({ channel: 'sms', to: '+79161112233', text: 'Проверка связи' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ ok: true, channel: 'sms', provider: 'default-smpp', sms: { encoding: 'UCS-2', segments: 1, length: 14 } });
    expect(body.note).toBe('Тестовое SMS отправлено: 14 символов, кодировка UCS-2, 1 сегмент — с баланса спишется 1\u00a0SMS. Записано в журнал уведомлений (тип «test.message»).');
    const message = smsc.messages().find((m) => m.destination === '79161112233')!;
    expect(message.text).toBe('Проверка связи');
    expect(body.providerMessageId).toBe(message.messageIds[0]);
  });

  it('says a long Latin text is GSM-7 in two segments, as the SMSC received it', async () => {
    const text = 'Order 1042 is ready for pickup at the central warehouse. '.repeat(3).trim();
    const body = (await test({ channel: 'sms', to: '+79161112255', text })).json();
    expect(body).toMatchObject({ ok: true, sms: { encoding: 'GSM-7', segments: 2, length: text.length } });
    expect(body.note).toContain('кодировка GSM-7, 2 сегмента — с баланса спишется 2\u00a0SMS');
    const message = smsc.messages().find((m) => m.destination === '79161112255')!;
    expect(message.parts).toHaveLength(2);
    expect(message.dataCoding).toBe(0);
  });

  it("reads the SMPP gateway's balance now", async () => {
    smsc.setBalance(77);
    const res = await h.request({ method: 'GET', url: '/v1/messaging/sms/balance' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, provider: 'default-smpp', amount: 77 });
  });

  it('sends a test Telegram message and an e-mail, and reports a provider refusal in its own words', async () => {
    const tg = (await test({ channel: 'telegram', to: '424242' })).json();
    expect(tg).toMatchObject({ ok: true, provider: 'telegram' });
    expect(telegram.sent.find((m) => m.chatId === '424242')?.text).toBe('Тестовое сообщение сервиса уведомлений');

    const before = h.smtp.messages.length;
    const mail = (await test({ channel: 'email', to: 'admin@demo-parts.example', text: 'Проверка почты' })).json();
    expect(mail.ok).toBe(true);
    await h.smtp.waitForMessages(before + 1);
    expect(h.smtp.messages.at(-1)!.to).toEqual(['admin@demo-parts.example']);
    expect(mail.providerMessageId).toMatch(/^<.+>$/);

    telegram.failFor('525252', { code: 403 });
    const blocked = (await test({ channel: 'telegram', to: '525252' })).json();
    expect(blocked).toMatchObject({ ok: false, errorType: 'BlockedError' });
    expect(blocked.error).toMatch(/blocked/);
    expect(blocked.note).toBe('Тестовое сообщение не отправлено. Записано в журнал уведомлений (тип «test.message»).');
  });

  it('journals every test message, sent or refused, with a Russian reason, the SMS cost and no secret', async () => {
    const res = await h.request({ method: 'GET', url: '/v1/journal?eventType=test.message&limit=100' });
    expect(res.statusCode, res.body).toBe(200);
    const rows = res.json().items as { status: string; channel: string; recipient: string; reason: string; body: string; details: Record<string, unknown> }[];
    const row = (recipient: string, status = 'sent') => rows.find((r) => r.recipient === recipient && r.status === status);
    expect(row('+79161112233')).toMatchObject({
      status: 'sent',
      channel: 'sms',
      body: 'Проверка связи',
      reason: expect.stringMatching(/^Тестовое сообщение из настроек, отправил .+ \(UCS-2, 1\u00a0SMS\)$/),
      details: { code: 'test_message', encoding: 'UCS-2', segments: 1 },
    });
    expect(row('+79161112255')).toMatchObject({ status: 'sent', details: { encoding: 'GSM-7', segments: 2 } });
    expect(row('424242')).toMatchObject({ status: 'sent', channel: 'telegram', reason: expect.stringMatching(/^Тестовое сообщение из настроек/) });
    expect(row('admin@demo-parts.example')).toMatchObject({ status: 'sent', channel: 'email', body: 'Проверка почты' });
    expect(row('525252', 'failed')).toMatchObject({
      status: 'failed',
      channel: 'telegram',
      reason: expect.stringMatching(/^Тестовое сообщение из настроек не отправлено: Бот заблокирован/),
      details: { error: 'BlockedError' },
    });
    // The SMSC's receipt finds the test SMS too: it was delivered.
    expect(row('+79161112233', 'delivered')).toMatchObject({ reason: 'Доставлено (DELIVRD)' });
    expect(res.body).not.toContain(telegram.token);
  });

  it('uses the company\'s SMS.ru provider once it is the primary, for the test message and the balance', async () => {
    const settings = await h.request({
      method: 'PUT',
      url: '/v1/settings',
      payload: {
        providers: [{ id: 'smsru', kind: 'sms_ru', name: 'SMS.ru', config: { baseUrl: smsRu.baseUrl }, secrets: { apiId: smsRu.apiId } }],
        sms: { primaryProviderId: 'smsru' },
      },
    });
    expect(settings.statusCode, settings.body).toBe(200);
    const res = (await test({ channel: 'sms', to: '+79161112244', text: 'Через SMS.ru' })).json();
    expect(res).toMatchObject({ ok: true, provider: 'smsru' });
    expect(smsRu.sent.map((m) => m.msg)).toEqual(['Через SMS.ru']);
    const journal = await h.request({ method: 'GET', url: '/v1/journal?eventType=test.message&limit=100' });
    expect(journal.json().items.find((r: { recipient: string }) => r.recipient === '+79161112244')).toMatchObject({ status: 'sent', provider: 'smsru' });
    expect(journal.body).not.toContain(smsRu.apiId);
    const balance = (await h.request({ method: 'GET', url: '/v1/messaging/sms/balance' })).json();
    expect(balance).toMatchObject({ ok: true, provider: 'smsru', unit: 'money', currency: 'RUB', unitLabel: '₽ (RUB)' });
    expect(balance.amount).toBeLessThan(150.5);
  });
});
