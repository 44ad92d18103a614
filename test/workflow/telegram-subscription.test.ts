import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmsc, type Smsc } from '../../src/dev/peers/smsc';
import { startTelegramBotApi, type TelegramBotApiPeer } from '../../src/dev/peers/telegram-bot-api';
import { createHarness, type Harness } from '../helpers/harness';
import { journalOf, postEvent, putClient, putNoticeType, storyOf } from '../helpers/scenario';

describe('Telegram subscription by deep link, /stop and auto-reply (R5)', () => {
  let h: Harness;
  let smsc: Smsc;
  let telegram: TelegramBotApiPeer;
  let webhookPath = '';
  let secret = '';
  let updateId = 1000;

  beforeAll(async () => {
    smsc = await startSmsc();
    telegram = await startTelegramBotApi({ botUsername: 'romashka_notify_bot' });
    h = await createHarness({ mode: 'live', smsUrl: `${smsc.url}?source=NOTIFY`, telegramApiRoot: telegram.apiRoot });
    const settings = await h.request({
      method: 'PUT',
      url: '/v1/settings',
      payload: {
        telegram: {
          botToken: telegram.token,
          botUsername: 'romashka_notify_bot',
          chatWithClient: false,
          autoReply: 'Это автоматическая рассылка. Пожалуйста, звоните менеджеру: +7 495 000-00-00.',
          webhookUrl: 'https://notify.example.ru',
        },
      },
    });
    expect(settings.statusCode, settings.body).toBe(200);
    expect(settings.json().telegram).toMatchObject({ updates: 'webhook', webhookUrl: 'https://notify.example.ru', botToken: { set: true } });
    expect(telegram.webhook).not.toBeNull();
    const url = new URL(telegram.webhook!.url);
    expect(url.origin).toBe('https://notify.example.ru');
    webhookPath = url.pathname;
    secret = telegram.webhook!.secretToken!;
    expect(webhookPath).toBe(`/v1/telegram/webhook/${secret}`);

    await putNoticeType(h, 'test.subscription');
    await putClient(h, 'tg-client', [{ name: 'Ирина', phone: '+79160000100' }]);
  });
  afterAll(async () => {
    await h?.close();
    await smsc?.stop();
    await telegram?.stop();
  });

  /** Delivers one update the way Telegram does and waits until the service has handled it. */
  async function write(chatId: number, text: string, opts: { path?: string; secretHeader?: string } = {}) {
    updateId += 1;
    const update = { update_id: updateId, message: { message_id: updateId, date: 1_790_000_000, chat: { id: chatId, type: 'private' }, from: { id: chatId, is_bot: false, first_name: 'Ирина' }, text } };
    const res = await h.request({
      method: 'POST',
      url: opts.path ?? webhookPath,
      key: null,
      headers: { 'x-telegram-bot-api-secret-token': opts.secretHeader ?? secret },
      payload: update,
    });
    return { res, update, handled: () => h.temporal.workflow.getHandle(`telegram-update:${h.companyId}:${update.update_id}`).result() };
  }
  /** Telegram delivering an update again (it did not hear our 200). */
  const redeliver = (update: object) =>
    h.request({ method: 'POST', url: webhookPath, key: null, headers: { 'x-telegram-bot-api-secret-token': secret }, payload: update });
  const contact = async () => (await h.request({ method: 'GET', url: '/v1/counterparties/tg-client' })).json().contacts[0];
  const repliesTo = (chatId: string) => telegram.sent.filter((m) => m.chatId === chatId).map((m) => m.text);

  it('binds the chat with /start <token> from the contact deep link, and the next event goes to Telegram', async () => {
    const before = await contact();
    expect(before.telegram.subscribed).toBe(false);
    expect(before.telegram.link).toMatch(/^https:\/\/t\.me\/romashka_notify_bot\?start=[\w-]+$/);
    const token = new URL(before.telegram.link).searchParams.get('start')!;

    const start = await write(8001, `/start ${token}`);
    expect(start.res.statusCode).toBe(200);
    expect((await start.handled()).reply).toBe('subscribed');
    expect(repliesTo('8001')).toEqual(['Ирина, вы подписаны на уведомления ООО «Автозапчасти Демо». Чтобы отписаться, отправьте /stop.']);
    expect((await contact()).telegram).toMatchObject({ subscribed: true, chatId: '8001' });
    // The link is single-use: once bound, a forwarded copy binds nothing.
    expect((await contact()).telegram.link).not.toBe(before.telegram.link);
    const forwarded = await write(9001, `/start ${token}`);
    expect((await forwarded.handled()).reply).toBe('unknown_link');
    expect((await contact()).telegram.chatId).toBe('8001');

    const { workflowId } = await postEvent(h, { id: 'tg-after-start', type: 'test.subscription', counterpartyId: 'tg-client', data: { n: 'ЗК-50' } });
    await h.temporal.workflow.getHandle(workflowId).result();
    expect(repliesTo('8001').at(-1)).toBe('Telegram: заказ ЗК-50 готов, Ирина');
    expect(smsc.messages()).toHaveLength(0);
    expect(storyOf(await journalOf(h, 'tg-after-start'), 'Ирина')).toEqual(['rendered telegram', 'sent telegram']);
  });

  it('applies a redelivered update once: no second confirmation', async () => {
    const token = new URL((await contact()).telegram.link).searchParams.get('start')!;
    const first = await write(8001, `/start ${token}`);
    await first.handled();
    const count = repliesTo('8001').length;
    const again = await redeliver(first.update);
    expect(again.statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(repliesTo('8001')).toHaveLength(count);
  });

  const inbound = async () =>
    (await h.request({ method: 'GET', url: '/v1/journal?status=inbound' })).json().items as {
      counterpartyId: string; channel: string; recipient: string; recipientName: string | null; body: string; reason: string; eventType: string;
    }[];

  it('sends the auto-reply to anything else while chat with client is off; when it is on, answers nothing and keeps what the client wrote for the manager', async () => {
    const off = await write(8001, 'Здравствуйте, когда привезут мой заказ?');
    expect((await off.handled()).reply).toBe('auto_reply');
    expect(repliesTo('8001').at(-1)).toBe('Это автоматическая рассылка. Пожалуйста, звоните менеджеру: +7 495 000-00-00.');
    // Answered by the auto-reply: not kept as a conversation.
    expect(await inbound()).toEqual([]);

    expect((await h.request({ method: 'PUT', url: '/v1/settings', payload: { telegram: { chatWithClient: true } } })).statusCode).toBe(200);
    const count = repliesTo('8001').length;
    const on = await write(8001, 'А сейчас? Привезите, пожалуйста, к 15:00.');
    expect((await on.handled()).reply).toBeNull();
    expect(repliesTo('8001')).toHaveLength(count);
    expect(await inbound()).toEqual([
      expect.objectContaining({
        eventType: 'telegram.inbound',
        counterpartyId: 'tg-client',
        channel: 'telegram',
        recipient: '8001',
        recipientName: 'Ирина',
        body: 'А сейчас? Привезите, пожалуйста, к 15:00.',
        reason: 'Сообщение клиента в Telegram (Ирина)',
      }),
    ]);

    // Telegram delivers an update again when it did not hear our 200: still one row.
    const again = await redeliver(on.update);
    expect(again.statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await inbound()).toHaveLength(1);

    // A chat bound to no client is kept too, under no client.
    await (await write(8999, 'Кто это?')).handled();
    expect((await inbound()).find((e) => e.recipient === '8999')).toMatchObject({ counterpartyId: '', recipientName: null, body: 'Кто это?' });
    expect((await h.request({ method: 'PUT', url: '/v1/settings', payload: { telegram: { chatWithClient: false } } })).statusCode).toBe(200);
  });

  it('refuses a webhook call with a wrong secret with 401 and changes nothing', async () => {
    const token = new URL((await contact()).telegram.link).searchParams.get('start')!;
    const wrongPath = await write(9009, `/start ${token}`, { path: '/v1/telegram/webhook/not-the-right-secret-at-all' });
    expect(wrongPath.res.statusCode).toBe(401);
    expect(wrongPath.res.json().error.code).toBe('UNAUTHORIZED');
    const wrongHeader = await write(9009, `/start ${token}`, { secretHeader: 'forged-secret-value-123456' });
    expect(wrongHeader.res.statusCode).toBe(401);
    await expect(wrongHeader.handled()).rejects.toThrow();
    expect((await contact()).telegram.chatId).toBe('8001');
    expect(repliesTo('9009')).toHaveLength(0);
  });

  it('unbinds the chat with /stop, and the next event goes by SMS', async () => {
    const stop = await write(8001, '/stop');
    expect((await stop.handled()).reply).toBe('unsubscribed');
    expect(repliesTo('8001').at(-1)).toMatch(/^Вы отписались от уведомлений/);
    expect((await contact()).telegram).toMatchObject({ subscribed: false, chatId: null });

    const sentBefore = repliesTo('8001').length;
    const { workflowId } = await postEvent(h, { id: 'tg-after-stop', type: 'test.subscription', counterpartyId: 'tg-client', data: { n: 'ЗК-51' } });
    await h.temporal.workflow.getHandle(workflowId).result();
    expect(repliesTo('8001')).toHaveLength(sentBefore);
    expect(smsc.messages().map((m) => m.text)).toEqual(['SMS: заказ ЗК-51 готов']);
    expect(storyOf(await journalOf(h, 'tg-after-stop'), 'Ирина')).toEqual(['fallback telegram', 'rendered sms', 'sent sms']);
  });
});

describe('Telegram webhook settings', () => {
  let h: Harness;
  let telegram: TelegramBotApiPeer;
  let other: TelegramBotApiPeer;

  beforeAll(async () => {
    telegram = await startTelegramBotApi({ botUsername: 'first_notify_bot' });
    h = await createHarness({ worker: false, telegramApiRoot: telegram.apiRoot });
  });
  afterAll(async () => {
    await h?.close();
    await telegram?.stop();
    await other?.stop();
  });

  it('refuses a webhook without a bot token and changes nothing', async () => {
    const res = await h.request({ method: 'PUT', url: '/v1/settings', payload: { telegram: { webhookUrl: 'https://notify.example.ru' } } });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details[0].path).toBe('/body/telegram/webhookUrl');
    expect((await h.request({ method: 'GET', url: '/v1/settings' })).json().telegram).toMatchObject({ updates: 'polling', webhookUrl: null });
  });

  it('keeps nothing of a change Telegram refuses; registering again gives a fresh secret and the old one stops working', async () => {
    const first = await h.request({
      method: 'PUT',
      url: '/v1/settings',
      payload: { telegram: { botToken: telegram.token, webhookUrl: 'https://notify.example.ru' } },
    });
    expect(first.statusCode, first.body).toBe(200);
    const firstSecret = telegram.webhook!.secretToken;

    // A token the Bot API does not know: its getMe is refused at save, before any webhook call.
    other = await startTelegramBotApi({ botUsername: 'second_notify_bot' });
    const changed = await h.request({ method: 'PUT', url: '/v1/settings', payload: { telegram: { botToken: other.token } } });
    expect(changed.statusCode).toBe(422);
    expect(changed.json().error.code).toBe('BOT_TOKEN_REFUSED');
    expect(changed.body).not.toContain(other.token);
    const settings = (await h.request({ method: 'GET', url: '/v1/settings' })).json();
    expect(settings.telegram).toMatchObject({ updates: 'webhook', webhookUrl: 'https://notify.example.ru' });

    // The refused change kept nothing: the first bot still holds its webhook and token.
    expect(telegram.webhook!.secretToken).toBe(firstSecret);
    const again = await h.request({ method: 'PUT', url: '/v1/settings', payload: { telegram: { botToken: telegram.token, webhookUrl: 'https://notify.example.ru' } } });
    expect(again.statusCode, again.body).toBe(200);
    expect(telegram.webhook!.secretToken).not.toBe(firstSecret);
    const res = await h.request({
      method: 'POST',
      url: new URL(telegram.webhook!.url).pathname,
      key: null,
      headers: { 'x-telegram-bot-api-secret-token': firstSecret! },
      payload: { update_id: 1 },
    });
    expect(res.statusCode).toBe(401);
  });

  it('removes the webhook with null and goes back to polling', async () => {
    const res = await h.request({ method: 'PUT', url: '/v1/settings', payload: { telegram: { webhookUrl: null } } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().telegram).toMatchObject({ updates: 'polling', webhookUrl: null });
    expect(telegram.webhook).toBeNull();
    await h.temporal.workflow.getHandle(`telegram-poll:${h.companyId}`).terminate('test finished').catch(() => undefined);
  });
});
