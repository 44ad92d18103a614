import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmsc, type Smsc } from '../../src/dev/peers/smsc';
import { startTelegramBotApi, type TelegramBotApiPeer } from '../../src/dev/peers/telegram-bot-api';
import { createHarness, type Harness } from '../helpers/harness';
import { postEvent, putClient, putNoticeType } from '../helpers/scenario';

describe("the company's primary messaging channel (seed 002) against real Temporal, PostgreSQL, SMSC and Bot API peers", () => {
  let h: Harness;
  let smsc: Smsc;
  let telegram: TelegramBotApiPeer;

  beforeAll(async () => {
    smsc = await startSmsc({ receipts: 'none' });
    telegram = await startTelegramBotApi({ botUsername: 'primary_test_bot' });
    h = await createHarness({ mode: 'live', smsUrl: `${smsc.url}?source=NOTIFY`, telegramApiRoot: telegram.apiRoot });
    const settings = await h.request({ method: 'PUT', url: '/v1/settings', payload: { telegram: { botToken: telegram.token } } });
    expect(settings.statusCode, settings.body).toBe(200);
    await putNoticeType(h, 'test.sms-type', { channels: ['sms'] });
    await putNoticeType(h, 'test.tg-type', { channels: ['telegram', 'sms'] });
    await putClient(h, 'pc-both', [{ name: 'Анна', telegramChatId: '7001', phone: '+79160000021' }]);
    await putClient(h, 'pc-phone', [{ name: 'Борис', phone: '+79160000022' }]);
  });
  afterAll(async () => {
    await h?.close();
    await smsc?.stop();
    await telegram?.stop();
  });

  const smsTo = (digits: string) => smsc.messages().filter((m) => m.destination === digits).map((m) => m.text);
  const telegramTo = (chatId: string) => telegram.sent.filter((m) => m.chatId === chatId).map((m) => m.text);
  const run = async (id: string, type: string, counterpartyId: string) => {
    const { workflowId } = await postEvent(h, { id, type, counterpartyId, data: { n: id } });
    return h.temporal.workflow.getHandle(workflowId).result();
  };

  it('one setting makes an SMS type go by Telegram first with SMS as reserve, and shows in the settings', async () => {
    const res = await h.request({ method: 'PATCH', url: '/v1/settings', payload: { primaryChannel: 'telegram' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ primaryChannel: 'telegram', reserveChannel: 'sms' });

    await run('pc-1', 'test.sms-type', 'pc-both');
    expect(telegramTo('7001')).toEqual(['Telegram: заказ pc-1 готов, Анна']);
    expect(smsTo('79160000021')).toEqual([]);
    // Without a chat the reserve takes it.
    await run('pc-2', 'test.sms-type', 'pc-phone');
    expect(smsTo('79160000022')).toEqual(['SMS: заказ pc-2 готов']);
  });

  it('SMS-first sends a Telegram-first type by SMS; null gives each type its own order back', async () => {
    expect((await h.request({ method: 'PATCH', url: '/v1/settings', payload: { primaryChannel: 'sms' } })).statusCode).toBe(200);
    await run('pc-3', 'test.tg-type', 'pc-both');
    expect(smsTo('79160000021')).toEqual(['SMS: заказ pc-3 готов']);
    expect(telegramTo('7001')).toHaveLength(1);

    expect((await h.request({ method: 'PATCH', url: '/v1/settings', payload: { primaryChannel: null } })).statusCode).toBe(200);
    await run('pc-4', 'test.sms-type', 'pc-both');
    expect(smsTo('79160000021')).toEqual(['SMS: заказ pc-3 готов', 'SMS: заказ pc-4 готов']);
    expect(telegramTo('7001')).toHaveLength(1);
  });

  it('refuses another primary channel, saying what is allowed', async () => {
    const res = await h.request({ method: 'PATCH', url: '/v1/settings', payload: { primaryChannel: 'email' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([{ path: '/body/primaryChannel', message: 'must be one of "telegram", "sms" or null' }]);
  });
});
