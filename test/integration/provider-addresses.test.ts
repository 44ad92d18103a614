import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProviderRepository } from '../../src/db/repositories/providers';
import { startSmsRuPeer, type SmsRuPeer } from '../../src/dev/peers/sms-ru';
import { startTelegramBotApi, type TelegramBotApiPeer } from '../../src/dev/peers/telegram-bot-api';
import { startSmtpSink, type SmtpSink } from '../../src/dev/smtp-sink';
import { createSecretBox } from '../../src/secrets';
import { createHarness, TEST_SECRETS_KEY, type Harness } from '../helpers/harness';

/**
 * A server of "someone else's": it counts connections and answers anything
 * with an HTTP error page holding a marker, so a test can tell whether the
 * worker connected and whether what it said came back through the API.
 */
interface Listener {
  port: number;
  connections: number;
  received: string;
  stop(): Promise<void>;
}

const BODY_MARKER = 'INTERNAL-ONLY-db-password=hunter2';

async function startListener(): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  const listener: Listener = { port: 0, connections: 0, received: '', stop: async () => undefined };
  const server = net.createServer((socket) => {
    listener.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      listener.received += chunk.toString('latin1');
      const body = `<html><body>${BODY_MARKER}</body></html>`;
      socket.end(`HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  listener.port = (server.address() as net.AddressInfo).port;
  listener.stop = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return listener;
}

interface ErrorBody {
  error: { code: string; details: { path: string; message: string }[] };
}

const put = (h: Harness, payload: unknown) => h.request({ method: 'PUT', url: '/v1/settings', payload: payload as Record<string, unknown> });
const testMessage = async (h: Harness, payload: Record<string, unknown>) => {
  const res = await h.request({ method: 'POST', url: '/v1/messaging/test', payload });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { ok: boolean; error?: string; errorType?: string; provider?: string };
};

describe('a stored secret goes only where it went before (issue 12, finding 1)', () => {
  const PASSWORD = 'own-smtp-Pa55-4c1d';
  let h: Harness;
  let telegram: TelegramBotApiPeer;
  let first: SmtpSink;
  let second: SmtpSink;
  let smsRu: SmsRuPeer;
  let elsewhere: Listener;

  beforeAll(async () => {
    telegram = await startTelegramBotApi();
    first = await startSmtpSink({ auth: { user: 'mailer', pass: PASSWORD } });
    second = await startSmtpSink({ auth: { user: 'mailer', pass: PASSWORD } });
    smsRu = await startSmsRuPeer({ balance: 200 });
    elsewhere = await startListener();
    // The harness allows 127.0.0.1, where every peer listens: this is about secrets, not addresses.
    h = await createHarness({ mode: 'live', telegramApiRoot: telegram.apiRoot });
  });
  afterAll(async () => {
    await h?.temporal.workflow.getHandle(`telegram-poll:${h.companyId}`).terminate('test finished').catch(() => undefined);
    await h?.close();
    await Promise.all([telegram?.stop(), first?.stop(), second?.stop(), smsRu?.stop(), elsewhere?.stop()]);
  });

  const smtp = (port: number, secrets?: Record<string, string>) => ({
    id: 'own-smtp',
    kind: 'smtp',
    name: 'Своя почта',
    config: { host: '127.0.0.1', port, user: 'mailer' },
    ...(secrets ? { secrets } : {}),
  });

  it('refuses to move the SMTP provider to another port while keeping the stored password, and sends nothing there', async () => {
    expect((await put(h, { providers: [smtp(first.port, { password: PASSWORD })] })).statusCode).toBe(200);

    const moved = await put(h, { providers: [smtp(elsewhere.port)] });
    expect(moved.statusCode, moved.body).toBe(422);
    const body = (moved.json() as ErrorBody).error;
    expect(body.details).toEqual([
      { path: '/body/providers/0/secrets/password', message: expect.stringMatching(/must be given again when the address changes/) },
    ]);
    expect(moved.body).not.toContain(PASSWORD);

    // Nothing was stored: the test message still goes to the first server, and the other one never hears from us.
    const sent = await testMessage(h, { channel: 'email', to: 'check@client.example' });
    expect(sent, JSON.stringify(sent)).toMatchObject({ ok: true, provider: 'own-smtp' });
    await first.waitForMessages(1);
    expect(elsewhere.connections).toBe(0);
    const settings = (await h.request({ method: 'GET', url: '/v1/settings' })).json() as { providers: { config: { port: number } }[] };
    expect(settings.providers[0]!.config.port).toBe(first.port);
  });

  it('moves the SMTP provider when the password comes again, sends there, and the history shows the move but no password', async () => {
    const moved = await put(h, { providers: [smtp(second.port, { password: PASSWORD })] });
    expect(moved.statusCode, moved.body).toBe(200);

    const sent = await testMessage(h, { channel: 'email', to: 'moved@client.example' });
    expect(sent, JSON.stringify(sent)).toMatchObject({ ok: true, provider: 'own-smtp' });
    expect((await second.waitForMessages(1))[0]!.to).toEqual(['moved@client.example']);

    const history = await h.request({ method: 'GET', url: '/v1/config-changes?entity=settings' });
    expect(history.body).not.toContain(PASSWORD);
    const [latest] = history.json().items as { before: { providers: unknown[] }; after: { providers: unknown[] } }[];
    expect(latest!.before.providers).toEqual([expect.objectContaining({ id: 'own-smtp', config: expect.objectContaining({ port: first.port }) })]);
    expect(latest!.after.providers).toEqual([
      expect.objectContaining({ id: 'own-smtp', config: expect.objectContaining({ port: second.port }), secrets: { password: { set: true } } }),
    ]);
  });

  it('refuses a new SMS.ru base URL without the api_id, and takes it with the api_id', async () => {
    const smsRuProvider = (baseUrl: string, secrets?: Record<string, string>) => ({
      id: 'smsru',
      kind: 'sms_ru',
      name: 'SMS.ru',
      config: { baseUrl },
      ...(secrets ? { secrets } : {}),
    });
    expect((await put(h, { providers: [smsRuProvider(smsRu.baseUrl, { apiId: smsRu.apiId })], sms: { primaryProviderId: 'smsru' } })).statusCode).toBe(200);

    const moved = await put(h, { providers: [smsRuProvider(`http://127.0.0.1:${elsewhere.port}`)] });
    expect(moved.statusCode, moved.body).toBe(422);
    expect((moved.json() as ErrorBody).error.details).toEqual([
      { path: '/body/providers/0/secrets/apiId', message: expect.stringMatching(/must be given again when the address changes \(baseUrl changed\)/) },
    ]);
    expect((await h.request({ method: 'GET', url: '/v1/messaging/sms/balance' })).json()).toMatchObject({ ok: true, provider: 'smsru' });
    expect(elsewhere.connections).toBe(0);

    // A new address with the key given again is the administrator's own choice.
    const again = await put(h, { providers: [smsRuProvider(`${smsRu.baseUrl}/`, { apiId: smsRu.apiId })] });
    expect(again.statusCode, again.body).toBe(200);
    await put(h, { providers: [], sms: { primaryProviderId: null } });
  });

  it("refuses a Telegram API root of the company's own while the stored bot token is kept, and takes it with the token", async () => {
    expect((await put(h, { telegram: { botToken: telegram.token } })).statusCode).toBe(200);
    const tgProvider = (apiRoot: string) => ({ id: 'tg', kind: 'telegram', name: 'Telegram', config: { apiRoot } });

    const moved = await put(h, { providers: [tgProvider(`http://127.0.0.1:${elsewhere.port}`)] });
    expect(moved.statusCode, moved.body).toBe(422);
    expect((moved.json() as ErrorBody).error.details).toEqual([
      { path: '/body/telegram/botToken', message: expect.stringMatching(/must be given again when the Telegram API root changes/) },
    ]);
    expect((await testMessage(h, { channel: 'telegram', to: '777001' })).ok).toBe(true);
    expect(elsewhere.connections).toBe(0);

    const withToken = await put(h, { providers: [tgProvider(telegram.apiRoot)], telegram: { botToken: telegram.token } });
    expect(withToken.statusCode, withToken.body).toBe(200);
    expect((await testMessage(h, { channel: 'telegram', to: '777002' })).ok).toBe(true);
    expect(telegram.sent.map((m) => m.chatId)).toEqual(expect.arrayContaining(['777001', '777002']));
  });
});

describe('company providers cannot reach internal addresses (issue 12, finding 2)', () => {
  let strict: Harness;
  let telegram: TelegramBotApiPeer;
  let victim: Listener;
  const box = createSecretBox(TEST_SECRETS_KEY);

  beforeAll(async () => {
    telegram = await startTelegramBotApi();
    victim = await startListener();
    // No allow-list: what an operator gets without OUTBOUND_ALLOW. The Bot API root is the operator's own, trusted.
    strict = await createHarness({ mode: 'live', telegramApiRoot: telegram.apiRoot, outboundAllow: [] });
  });
  afterEach(() => {
    victim.connections = 0;
  });
  afterAll(async () => {
    await strict?.temporal.workflow.getHandle(`telegram-poll:${strict.companyId}`).terminate('test finished').catch(() => undefined);
    await strict?.close();
    await Promise.all([telegram?.stop(), victim?.stop()]);
  });

  it.each([
    ['127.0.0.1', { id: 'p', kind: 'smtp', name: 'x', config: { host: '127.0.0.1', port: 25 } }, '/body/providers/0/config/host', /address not allowed: loopback/],
    ['10.0.0.5', { id: 'p', kind: 'smtp', name: 'x', config: { host: '10.0.0.5', port: 25 } }, '/body/providers/0/config/host', /address not allowed: private/],
    ['[::1]', { id: 'p', kind: 'smpp', name: 'x', config: { host: '[::1]', port: 2775, systemId: 's', sourceAddr: 'S' } }, '/body/providers/0/config/host', /address not allowed: loopback/],
    ['localhost', { id: 'p', kind: 'smtp', name: 'x', config: { host: 'localhost', port: 25 } }, '/body/providers/0/config/host', /address not allowed/],
    ['a host with a port and path in it', { id: 'p', kind: 'smtp', name: 'x', config: { host: 'evil.example:25/x?', port: 587 } }, '/body/providers/0/config/host', /host name or an IP address/],
    ['port 0', { id: 'p', kind: 'smtp', name: 'x', config: { host: 'mail.example.com', port: 0 } }, '/body/providers/0/config/port', /1 to 65535/],
    ['the metadata address', { id: 'p', kind: 'smpp', name: 'x', config: { host: 'smsc.example.com', port: 2775, systemId: 's', sourceAddr: 'S', balanceUrl: 'http://169.254.169.254/latest/meta-data/' } }, '/body/providers/0/config/balanceUrl', /link-local/],
    ['a URL with credentials', { id: 'p', kind: 'sms_ru', name: 'x', config: { baseUrl: 'https://user:pw@sms.example.com' } }, '/body/providers/0/config/baseUrl', /credentials/],
    ['an odd scheme', { id: 'p', kind: 'sms_ru', name: 'x', config: { baseUrl: 'file:///etc/passwd' } }, '/body/providers/0/config/baseUrl', /http/],
    ['IPv6 loopback API root', { id: 'p', kind: 'telegram', name: 'x', config: { apiRoot: 'http://[::1]:8081' } }, '/body/providers/0/config/apiRoot', /loopback/],
    ['IPv4-mapped loopback', { id: 'p', kind: 'sms_ru', name: 'x', config: { baseUrl: 'http://[::ffff:127.0.0.1]:80' } }, '/body/providers/0/config/baseUrl', /loopback/],
  ])('refuses a provider at %s with 422 naming the field', async (_name, provider, path, message) => {
    const res = await put(strict, { providers: [provider] });
    expect(res.statusCode, res.body).toBe(422);
    expect((res.json() as ErrorBody).error.details).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  it('refuses a Telegram webhook URL on a private address with 422', async () => {
    const res = await put(strict, { telegram: { botToken: telegram.token, webhookUrl: 'http://10.0.0.5/hooks' } });
    expect(res.statusCode, res.body).toBe(422);
    expect((res.json() as ErrorBody).error.details).toEqual([{ path: '/body/telegram/webhookUrl', message: expect.stringMatching(/address not allowed: private/) }]);
    expect(telegram.webhook).toBeNull();
  });

  /** Writes the directory past the settings checks, as an old version or a hand-made row would have. */
  const storeDirectly = async (entries: { id: string; kind: 'smtp' | 'smpp' | 'sms_ru' | 'telegram'; config: Record<string, unknown>; secrets?: Record<string, string> }[]) => {
    await createProviderRepository(strict.db).replaceAll(
      strict.companyId,
      entries.map((e) => ({ id: e.id, kind: e.kind, name: e.id, config: e.config, secrets: e.secrets ? box.seal(e.secrets) : null })),
    );
  };

  it('refuses at send time, without connecting, a provider stored at a loopback address', async () => {
    const okToken = await put(strict, { telegram: { botToken: telegram.token } });
    expect(okToken.statusCode, okToken.body).toBe(200);
    await storeDirectly([
      { id: 'own-smtp', kind: 'smtp', config: { host: '127.0.0.1', port: victim.port, user: 'u' }, secrets: { password: 'stolen-Pa55' } },
      { id: 'tg', kind: 'telegram', config: { apiRoot: `http://127.0.0.1:${victim.port}` } },
      { id: 'smsru', kind: 'sms_ru', config: { baseUrl: `http://localhost:${victim.port}` }, secrets: { apiId: 'stolen-api-id' } },
    ]);
    expect((await put(strict, { sms: { primaryProviderId: 'smsru' } })).statusCode).toBe(200);

    for (const channel of ['email', 'telegram', 'sms'] as const) {
      const to = channel === 'email' ? 'x@client.example' : channel === 'sms' ? '+79160001122' : '424242';
      const result = await testMessage(strict, { channel, to });
      expect(result, channel).toMatchObject({ ok: false, errorType: 'RejectedError' });
      expect(result.error, channel).toMatch(/address not allowed/);
    }
    const balance = (await strict.request({ method: 'GET', url: '/v1/messaging/sms/balance' })).json();
    expect(balance).toMatchObject({ ok: false, error: expect.stringMatching(/address not allowed/) });
    expect(victim.connections).toBe(0);
  });

  it('refuses at send time an SMPP gateway stored at a private address, and its balance URL at the metadata address', async () => {
    await storeDirectly([
      { id: 'smsc', kind: 'smpp', config: { host: '127.0.0.1', port: victim.port, systemId: 'sys', sourceAddr: 'S', balanceUrl: 'http://169.254.169.254/latest' }, secrets: { password: 'pw' } },
    ]);
    expect((await put(strict, { sms: { primaryProviderId: 'smsc' } })).statusCode).toBe(200);
    const started = Date.now();
    const result = await testMessage(strict, { channel: 'sms', to: '+79160001133' });
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/address not allowed/) });
    // Refused at once, not after the 10 s wait for a bind that can never come.
    expect(Date.now() - started).toBeLessThan(8_000);
    const balance = (await strict.request({ method: 'GET', url: '/v1/messaging/sms/balance' })).json();
    expect(balance).toMatchObject({ ok: false, error: expect.stringMatching(/address not allowed/) });
    expect(victim.connections).toBe(0);
    await storeDirectly([]);
  });
});

describe('with the operator allow-list, the same addresses work, and answers are not echoed (issue 12, finding 2)', () => {
  let h: Harness;
  let smsRu: SmsRuPeer;
  let internal: Listener;

  beforeAll(async () => {
    smsRu = await startSmsRuPeer({ balance: 300 });
    internal = await startListener();
    h = await createHarness({ mode: 'live', outboundAllow: ['127.0.0.1', 'localhost'] });
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([smsRu?.stop(), internal?.stop()]);
  });

  it('accepts a loopback SMS.ru on the allow-list and sends through it', async () => {
    const res = await put(h, {
      providers: [{ id: 'smsru', kind: 'sms_ru', name: 'SMS.ru', config: { baseUrl: smsRu.baseUrl.replace('127.0.0.1', 'localhost') }, secrets: { apiId: smsRu.apiId } }],
      sms: { primaryProviderId: 'smsru' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(await testMessage(h, { channel: 'sms', to: '+79160002233', text: 'Через разрешённый адрес' })).toMatchObject({ ok: true, provider: 'smsru' });
    expect(smsRu.sent.map((m) => m.msg)).toEqual(['Через разрешённый адрес']);
  });

  it('reports what a server that is not SMS.ru answered without repeating its body, and a closed port as refused', async () => {
    const res = await put(h, {
      providers: [{ id: 'smsru', kind: 'sms_ru', name: 'SMS.ru', config: { baseUrl: `http://127.0.0.1:${internal.port}` }, secrets: { apiId: smsRu.apiId } }],
      sms: { primaryProviderId: 'smsru' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const result = await testMessage(h, { channel: 'sms', to: '+79160002244' });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/HTTP 502/);
    expect(result.error).not.toContain(BODY_MARKER);
    const balance = await h.request({ method: 'GET', url: '/v1/messaging/sms/balance' });
    expect(balance.body).not.toContain(BODY_MARKER);

    const closed = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    await put(h, {
      providers: [{ id: 'smsru', kind: 'sms_ru', name: 'SMS.ru', config: { baseUrl: `http://127.0.0.1:${closed}` }, secrets: { apiId: smsRu.apiId } }],
    });
    const refused = await testMessage(h, { channel: 'sms', to: '+79160002255' });
    expect(refused.error).toBe('connection refused');
    const journal = await h.request({ method: 'GET', url: '/v1/config-changes?entity=settings' });
    expect(journal.body).not.toContain(smsRu.apiId);
  });
});
