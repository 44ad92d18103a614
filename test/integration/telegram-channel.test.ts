import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BlockedError,
  InvalidRecipientError,
  NotSubscribedError,
  RateLimitedError,
  RejectedError,
  UnavailableError,
  type ChannelError,
} from '../../src/channels/errors';
import { createTelegramChannel, parseStartCommand, type TelegramChannel } from '../../src/channels/telegram';
import { startTelegramBotApi, type TelegramBotApiPeer } from '../../src/dev/peers/telegram-bot-api';
import { createOutboundPolicy } from '../../src/providers/outbound-policy';

/** The error a promise rejects with; fails the test when it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<ChannelError> {
  try {
    await promise;
  } catch (err) {
    return err as ChannelError;
  }
  throw new Error('expected the call to fail');
}

/** Everything of an error that could reach a log or the journal. */
function everythingSaidBy(err: ChannelError): string {
  return [err.message, err.stack ?? '', err.providerReason ?? '', JSON.stringify(err), String(err), String(err.cause ?? '')].join('\n');
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Telegram channel against a local Bot API server', () => {
  let peer: TelegramBotApiPeer;
  let telegram: TelegramChannel;

  beforeAll(async () => {
    peer = await startTelegramBotApi({ botUsername: 'demo_parts_bot' });
    telegram = createTelegramChannel({ token: peer.token, apiRoot: peer.apiRoot });
  });
  afterEach(() => {
    peer.clearFailures();
  });
  afterAll(async () => {
    await telegram?.close?.();
    await peer?.stop();
  });

  describe('sending', () => {
    it('delivers the Cyrillic text to the chat and returns chat-qualified message id and the answer', async () => {
      const text = 'Здравствуйте, Иван! Заказ № ЗК-777 готов к выдаче на складе «Южный».';
      const result = await telegram.send({ to: '424242', text });

      const delivered = peer.sent.filter((m) => m.chatId === '424242');
      expect(delivered).toHaveLength(1);
      expect(delivered[0]).toMatchObject({ chatId: '424242', text });
      expect(result.provider).toBe('telegram');
      expect(result.providerMessageId).toBe(`424242:${delivered[0]!.messageId}`);
      expect(JSON.parse(result.response)).toMatchObject({ message_id: delivered[0]!.messageId, chat_id: 424242 });
      expect(result.response).not.toContain(peer.token);
    });

    it('numbers messages per chat, so two chats can share a message_id but never a providerMessageId', async () => {
      const a = await telegram.sendText('1001', 'первое');
      const b = await telegram.sendText('1002', 'первое');
      expect(a.providerMessageId).toBe('1001:1');
      expect(b.providerMessageId).toBe('1002:1');
    });

    it('sends HTML parse mode only when the channel is configured for it', async () => {
      const html = createTelegramChannel({ token: peer.token, apiRoot: peer.apiRoot, parseMode: 'HTML', provider: 'telegram-html' });
      try {
        const result = await html.send({ to: '2001', text: '<b>Заказ</b> готов' });
        expect(result.provider).toBe('telegram-html');
        expect(peer.sent.find((m) => m.chatId === '2001')).toMatchObject({ parseMode: 'HTML', text: '<b>Заказ</b> готов' });
        await telegram.send({ to: '2002', text: '<b>как есть</b>' });
        expect(peer.sent.find((m) => m.chatId === '2002')?.parseMode).toBeUndefined();
      } finally {
        await html.close?.();
      }
    });

    it('refuses a recipient that is not a chat id without calling Telegram', async () => {
      const before = peer.calls.length;
      const error = await rejectionOf(telegram.send({ to: '+7 900 123-45-67', text: 'привет' }));
      expect(error).toBeInstanceOf(InvalidRecipientError);
      expect(error.permanent).toBe(true);
      expect(peer.calls.length).toBe(before);
    });
  });

  describe('failures', () => {
    it('when the client blocked the bot, throws a permanent BlockedError with Telegram\'s words', async () => {
      peer.failFor('3001', { code: 403 });
      const error = await rejectionOf(telegram.send({ to: '3001', text: 'привет' }));
      expect(error).toBeInstanceOf(BlockedError);
      expect(error.permanent).toBe(true);
      expect(error.providerReason).toBe('Forbidden: bot was blocked by the user');
      expect(error.message).toContain('403');
    });

    it('treats a deactivated user as blocked', async () => {
      peer.failFor('3002', { code: 403, description: 'Forbidden: user is deactivated' });
      expect(await rejectionOf(telegram.send({ to: '3002', text: 'привет' }))).toBeInstanceOf(BlockedError);
    });

    it('treats a user who never started the bot as not subscribed', async () => {
      peer.failFor('3003', { code: 403, description: "Forbidden: bot can't initiate conversation with a user" });
      expect(await rejectionOf(telegram.send({ to: '3003', text: 'привет' }))).toBeInstanceOf(NotSubscribedError);
    });

    it('when Telegram does not know the chat, throws a permanent NotSubscribedError', async () => {
      peer.failFor('3004', { code: 400 });
      const error = await rejectionOf(telegram.send({ to: '3004', text: 'привет' }));
      expect(error).toBeInstanceOf(NotSubscribedError);
      expect(error.permanent).toBe(true);
      expect(error.providerReason).toBe('Bad Request: chat not found');
    });

    it('rejects for good a text Telegram finds too long', async () => {
      const error = await rejectionOf(telegram.send({ to: '3005', text: 'я'.repeat(4097) }));
      expect(error).toBeInstanceOf(RejectedError);
      expect(error.providerReason).toBe('Bad Request: message is too long');
    });

    it('rejects for good an empty text', async () => {
      const error = await rejectionOf(telegram.send({ to: '3006', text: '' }));
      expect(error).toBeInstanceOf(RejectedError);
      expect(error.providerReason).toBe('Bad Request: message text is empty');
    });

    it('on 429 throws a transient RateLimitedError that carries retry_after in milliseconds', async () => {
      peer.failFor('3007', { code: 429, retryAfter: 2 });
      const error = await rejectionOf(telegram.send({ to: '3007', text: 'привет' }));
      expect(error).toBeInstanceOf(RateLimitedError);
      expect(error.permanent).toBe(false);
      expect((error as RateLimitedError).retryAfterMs).toBe(2000);
      expect(error.providerReason).toBe('Too Many Requests: retry after 2');
    });

    it('on 500 throws a transient UnavailableError, and the retry succeeds once Telegram recovers', async () => {
      peer.failFor('3008', { code: 500, times: 1 });
      const error = await rejectionOf(telegram.send({ to: '3008', text: 'привет' }));
      expect(error).toBeInstanceOf(UnavailableError);
      expect(error.permanent).toBe(false);
      const retried = await telegram.send({ to: '3008', text: 'привет' });
      expect(retried.providerMessageId).toBe('3008:1');
    });

    it('with a wrong token throws UnavailableError that names no token anywhere', async () => {
      const wrongToken = '987654321:AAwrong-token-that-must-stay-secret_x';
      const wrong = createTelegramChannel({ token: wrongToken, apiRoot: peer.apiRoot });
      try {
        const error = await rejectionOf(wrong.send({ to: '3009', text: 'привет' }));
        expect(error).toBeInstanceOf(UnavailableError);
        expect(error.message).toContain('401');
        expect(everythingSaidBy(error)).not.toContain(wrongToken);
        expect(everythingSaidBy(error)).not.toContain('AAwrong-token');
        expect(peer.sent.some((m) => m.chatId === '3009')).toBe(false);
      } finally {
        await wrong.close?.();
      }
    });

    it('when the Bot API cannot be reached, throws UnavailableError that says so in a few words, without the token, address or port', async () => {
      const unreachable = createTelegramChannel({ token: peer.token, apiRoot: `http://127.0.0.1:${await closedPort()}` });
      try {
        const error = await rejectionOf(unreachable.send({ to: '3010', text: 'привет' }));
        expect(error).toBeInstanceOf(UnavailableError);
        expect(error.providerReason).toBe('connection refused');
        expect(everythingSaidBy(error)).not.toContain(peer.token);
        expect(everythingSaidBy(error)).not.toContain('127.0.0.1');
      } finally {
        await unreachable.close?.();
      }
    });

    it("with a company's own API root, follows no redirect and connects to no address the policy refuses", async () => {
      let victimHits = 0;
      const victim = http.createServer((_req, res) => {
        victimHits += 1;
        res.end('{"ok":true,"result":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"}}}');
      });
      await new Promise<void>((resolve) => victim.listen(0, '127.0.0.2', resolve));
      const redirector = http.createServer((_req, res) => {
        res.writeHead(307, { location: `http://127.0.0.2:${(victim.address() as AddressInfo).port}/` }).end();
      });
      await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
      const resolveHost = createOutboundPolicy({ allow: ['127.0.0.1'] }).resolve;
      const root = (port: number, host = '127.0.0.1') => `http://${host}:${port}`;
      const redirected = createTelegramChannel({ token: peer.token, apiRoot: root((redirector.address() as AddressInfo).port), resolveHost });
      const direct = createTelegramChannel({ token: peer.token, apiRoot: root((victim.address() as AddressInfo).port, '127.0.0.2'), resolveHost });
      try {
        const viaRedirect = await rejectionOf(redirected.send({ to: '3012', text: 'привет' }));
        expect(viaRedirect).toBeInstanceOf(UnavailableError);
        const refused = await rejectionOf(direct.send({ to: '3012', text: 'привет' }));
        expect(refused).toBeInstanceOf(RejectedError);
        expect(refused.providerReason).toBe('address not allowed');
        expect(victimHits).toBe(0);
      } finally {
        await redirected.close?.();
        await direct.close?.();
        await new Promise((resolve) => redirector.close(resolve));
        await new Promise((resolve) => victim.close(resolve));
      }
    });

    it('when the Bot API does not answer in time, throws UnavailableError', async () => {
      const silent = http.createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as AddressInfo;
      const slow = createTelegramChannel({ token: peer.token, apiRoot: `http://127.0.0.1:${port}`, requestTimeoutMs: 300 });
      try {
        const error = await rejectionOf(slow.send({ to: '3011', text: 'привет' }));
        expect(error).toBeInstanceOf(UnavailableError);
        expect(error.providerReason).toBe('timed out');
        expect(everythingSaidBy(error)).not.toContain(peer.token);
      } finally {
        await slow.close?.();
        silent.closeAllConnections();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      }
    });
  });

  describe('bot management', () => {
    it('getMe returns the bot behind the token', async () => {
      expect(await telegram.getMe()).toEqual({ id: peer.bot.id, username: 'demo_parts_bot' });
    });

    it('setWebhook records url and secret, and Telegram then posts updates with the secret header', async () => {
      const received: Array<{ secret: string | undefined; body: unknown }> = [];
      const hook = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({
            secret: req.headers['x-telegram-bot-api-secret-token'] as string | undefined,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
          });
          res.end('ok');
        });
      });
      await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/telegram/webhook/demo`;
      try {
        await telegram.setWebhook(url, 'secret_Token-42');
        expect(peer.webhook).toEqual({ url, secretToken: 'secret_Token-42' });
        expect(peer.calls.at(-1)).toMatchObject({ method: 'setWebhook', params: { url, secret_token: 'secret_Token-42' } });

        const pushed = await peer.pushUpdate({ chatId: 555, text: '/start abc123' });
        expect(pushed.status).toBe(200);
        expect(received).toEqual([{ secret: 'secret_Token-42', body: pushed.update }]);

        const conflict = await rejectionOf(telegram.getUpdates(0, 0));
        expect(conflict).toBeInstanceOf(UnavailableError);
        expect(conflict.message).toContain('409');
      } finally {
        await telegram.deleteWebhook();
        await new Promise<void>((resolve) => hook.close(() => resolve()));
      }
      expect(peer.webhook).toBeNull();
    });

    it('getUpdates returns a queued message and forgets it once the offset moves past it', async () => {
      const queued = peer.queueUpdate({ chatId: 777, text: '/start tok-1', from: { first_name: 'Анна', username: 'anna' } });

      const first = await telegram.getUpdates(0, 0);
      expect(first).toEqual([
        {
          update_id: queued.update_id,
          message: {
            message_id: queued.message.message_id,
            date: queued.message.date,
            chat: { id: 777, type: 'private' },
            from: { id: 777, first_name: 'Анна', username: 'anna' },
            text: '/start tok-1',
          },
        },
      ]);
      // Without a new offset the update stays: nothing was confirmed.
      expect(await telegram.getUpdates(0, 0)).toHaveLength(1);

      const next = peer.queueUpdate({ chatId: 778, text: 'добрый день' });
      const after = await telegram.getUpdates(queued.update_id + 1, 0);
      expect(after.map((u) => u.update_id)).toEqual([next.update_id]);
      expect(await telegram.getUpdates(next.update_id + 1, 0)).toEqual([]);
    });

    it('a long poll returns as soon as an update is queued, well before its timeout', async () => {
      const offset = (await telegram.getUpdates(0, 0)).reduce((max, u) => Math.max(max, u.update_id + 1), 0);
      const started = Date.now();
      const poll = telegram.getUpdates(offset, 20);
      setTimeout(() => peer.queueUpdate({ chatId: 779, text: '/stop' }), 200);
      const updates = await poll;
      expect(updates.map((u) => u.message?.text)).toEqual(['/stop']);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('an empty long poll waits for its timeout and returns nothing', async () => {
      const offset = (await telegram.getUpdates(0, 0)).reduce((max, u) => Math.max(max, u.update_id + 1), 0);
      const started = Date.now();
      expect(await telegram.getUpdates(offset, 1)).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    });
  });
});

describe('parseStartCommand', () => {
  it.each([
    ['/start abc123', { command: 'start', payload: 'abc123' }],
    ['/start@demo_parts_bot abc123', { command: 'start', payload: 'abc123' }],
    ['  /start   tok_-9  ', { command: 'start', payload: 'tok_-9' }],
    ['/start', { command: 'start' }],
    ['/start@demo_parts_bot', { command: 'start' }],
    ['/stop', { command: 'stop' }],
    ['/stop@demo_parts_bot', { command: 'stop' }],
    ['/STOP', { command: 'stop' }],
    ['/starting abc', { command: null }],
    ['start abc', { command: null }],
    ['Здравствуйте, когда будет заказ?', { command: null }],
    ['', { command: null }],
  ] as const)('reads %j', (text, expected) => {
    expect(parseStartCommand(text)).toEqual(expected);
  });

  it('ignores a command addressed to another bot when the bot name is known', () => {
    expect(parseStartCommand('/start@other_bot abc', 'demo_parts_bot')).toEqual({ command: null });
    expect(parseStartCommand('/start@Demo_Parts_Bot abc', '@demo_parts_bot')).toEqual({ command: 'start', payload: 'abc' });
  });
});
