import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramBotApi, type TelegramBotApiPeer } from '../../src/dev/peers/telegram-bot-api';
import { createHarness, type Harness } from '../helpers/harness';

interface ContactView {
  id: number;
  name: string;
  telegram: { subscribed: boolean; chatId: string | null; link: string | null };
}

describe('Telegram setup against the dev Bot API peer: getMe at save, deep links of seeded contacts, QR codes', () => {
  let h: Harness;
  let telegram: TelegramBotApiPeer;

  beforeAll(async () => {
    telegram = await startTelegramBotApi({ botUsername: 'setup_notify_bot' });
    h = await createHarness({ worker: false, telegramApiRoot: telegram.apiRoot });
  });
  afterAll(async () => {
    await h?.close();
    await telegram?.stop();
  });

  const contactsOf = async (id: string) => {
    const res = await h.request({ method: 'GET', url: `/v1/counterparties/${id}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().contacts as ContactView[];
  };

  it('has no deep links and no QR code before a bot is set up', async () => {
    const [first] = await contactsOf('demo-client');
    expect(first!.telegram.link).toBeNull();
    const qr = await h.request({ method: 'GET', url: `/v1/counterparties/demo-client/contacts/${first!.id}/telegram-qr.png` });
    expect(qr.statusCode, qr.body).toBe(409);
    expect(qr.json().error.message).toMatch(/no Telegram bot/);
  });

  it('refuses a token Telegram does not accept with 422 naming the field, keeping nothing and never echoing the token', async () => {
    const bad = '123456:wrong-token-value';
    const res = await h.request({ method: 'PUT', url: '/v1/settings', payload: { telegram: { botToken: bad } } });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error.details).toEqual([expect.objectContaining({ path: '/body/telegram/botToken' })]);
    expect(res.body).not.toContain(bad);
    const settings = (await h.request({ method: 'GET', url: '/v1/settings' })).json();
    expect(settings.telegram).toMatchObject({ botToken: { set: false }, botUsername: null });
  });

  it("stores the bot's username from getMe (not the one typed), and every seeded contact gets a stable deep link with a QR code of it", async () => {
    const res = await h.request({ method: 'PUT', url: '/v1/settings', payload: { telegram: { botToken: telegram.token, botUsername: 'typed_by_hand_bot' } } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().telegram).toMatchObject({ botToken: { set: true }, botUsername: 'setup_notify_bot' });
    expect(telegram.calls.some((c) => c.method === 'getMe')).toBe(true);

    const contacts = await contactsOf('demo-client');
    expect(contacts.map((c) => c.name)).toEqual(['Иван Петров', 'Анна Смирнова']);
    for (const c of contacts) expect(c.telegram.link).toMatch(/^https:\/\/t\.me\/setup_notify_bot\?start=[A-Za-z0-9_-]{16,}$/);
    expect(new Set(contacts.map((c) => c.telegram.link)).size).toBe(2);
    expect((await contactsOf('demo-client')).map((c) => c.telegram.link)).toEqual(contacts.map((c) => c.telegram.link));

    const qr = await h.request({ method: 'GET', url: `/v1/counterparties/demo-client/contacts/${contacts[1]!.id}/telegram-qr.png` });
    expect(qr.statusCode).toBe(200);
    expect(qr.headers['content-type']).toBe('image/png');
    const png = PNG.sync.read(qr.rawPayload);
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(decoded?.data).toBe(contacts[1]!.telegram.link);

    const missing = await h.request({ method: 'GET', url: '/v1/counterparties/demo-client/contacts/999999/telegram-qr.png' });
    expect(missing.statusCode).toBe(404);
  });

  it('the link subscribes the contact through the dev Bot API, and the auto-reply answers what a client writes', async () => {
    const contacts = await contactsOf('demo-client');
    const token = new URL(contacts[0]!.telegram.link!).searchParams.get('start')!;
    await h.startWorker();
    try {
      const chat = await h.request({ method: 'PUT', url: '/v1/settings', payload: { telegram: { chatWithClient: false, autoReply: 'Здравствуйте! Напишите менеджеру: +7 903 123-45-67.' } } });
      expect(chat.statusCode, chat.body).toBe(200);
      telegram.queueUpdate({ chatId: 8101, text: `/start ${token}` });
      telegram.queueUpdate({ chatId: 8101, text: 'Когда привезут заказ?' });
      await until(async () => telegram.sent.filter((m) => m.chatId === '8101').length >= 2 || undefined, 'the bot answers');
      // Each update is its own workflow: the two answers may come in either order.
      const answers = telegram.sent.filter((m) => m.chatId === '8101').map((m) => m.text);
      expect(answers).toHaveLength(2);
      expect(answers).toContain('Здравствуйте! Напишите менеджеру: +7 903 123-45-67.');
      expect(answers.filter((text) => text.includes('вы подписаны на уведомления'))).toHaveLength(1);
      expect((await contactsOf('demo-client'))[0]!.telegram).toMatchObject({ subscribed: true, chatId: '8101' });
    } finally {
      await h.stopWorker();
    }
  });
});

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
