/**
 * Issue 12, "Reliability and security": long ids, outages of PostgreSQL and
 * Temporal, and the keys that must stay revoked or must not be revoked.
 */
import http from 'node:http';
import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramBotApi, type TelegramBotApiPeer } from '../../src/dev/peers/telegram-bot-api';
import { buildApp } from '../../src/app';
import { createDatabase, type Database } from '../../src/db/client';
import { ensureAdminKey, seedDemo } from '../../src/db/seed';
import { DEFAULT_LIMITS } from '../../src/domain/limits';
import { createSecretBox } from '../../src/secrets';
import { buildEvent } from '../helpers/factories';
import { TEST_SECRETS_KEY, createHarness, type Harness } from '../helpers/harness';
import { journalOf, putClient, putNoticeType, until } from '../helpers/scenario';

/** Asserts the contract's error body: `{ error: { code, message, details } }`. */
function expectErrorBody(res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, code: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  const body = JSON.parse(res.body) as { error: { code: string; message: string; details: { path: string; message: string }[] } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'details', 'message']);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error;
}

async function timed<T>(call: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await call();
  return { result, ms: Date.now() - started };
}

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ mode: 'live' });
  await putNoticeType(h, 'rel.confirm', { confirmBeforeSend: true, channels: ['email'] });
  await putNoticeType(h, 'rel.notice', { channels: ['email'] });
  await putClient(h, 'rel-client', [{ name: 'Иван Надёжный', email: 'ivan@reliable.example' }]);
});
afterAll(async () => {
  await h?.close();
});

const awaitStatus = (eventId: string, status: string) =>
  until(async () => (await journalOf(h, eventId)).some((e) => e.status === status) || undefined, `${eventId}: ${status}`);

/** Another app over the harness's parts, with some replaced: a database or a Temporal that is down. */
function appWith(over: Partial<Parameters<typeof buildApp>[0]>): Promise<FastifyInstance> {
  return buildApp({
    db: h.db,
    temporal: h.temporal,
    taskQueue: h.taskQueue,
    namespace: 'default',
    temporalUiUrl: h.temporalUiUrl,
    secrets: createSecretBox(TEST_SECRETS_KEY),
    logger: false,
    ...over,
  });
}

const auth = (key = h.apiKey) => ({ authorization: `Bearer ${key}` });

describe('event ids up to the limit of 200 characters', () => {
  // 200 characters, 1,180 once percent-encoded in a URL.
  const longId = `evt-${'я'.repeat(196)}`;

  it('reads back and decides an event whose id has the maximum length', async () => {
    expect([...longId]).toHaveLength(200);
    const posted = await h.request({
      method: 'POST',
      url: '/v1/events',
      payload: { id: longId, type: 'rel.confirm', counterpartyId: 'rel-client', data: { n: 'ЗК-200' } },
    });
    expect(posted.statusCode, posted.body).toBe(202);
    await awaitStatus(longId, 'awaiting_confirmation');

    const read = await h.request({ method: 'GET', url: `/v1/events/${encodeURIComponent(longId)}` });
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toMatchObject({ eventId: longId, state: 'awaiting_confirmation' });

    const decided = await h.request({
      method: 'POST',
      url: `/v1/events/${encodeURIComponent(longId)}/decision`,
      payload: { approve: true, by: 'Ольга Соколова' },
    });
    expect(decided.statusCode, decided.body).toBe(200);
    await h.smtp.waitForMessages(1);
    expect(h.smtp.messages.some((m) => m.to.includes('ivan@reliable.example'))).toBe(true);
  });

  it('refuses an id over the limit with 400 naming it, wherever an id is taken', async () => {
    const tooLong = `evt-${'я'.repeat(197)}`;
    const cases: [string, LightMyRequestResponse, string][] = [
      ['POST body', await h.request({ method: 'POST', url: '/v1/events', payload: buildEvent({ id: tooLong }) }), '/body/id'],
      ['GET path', await h.request({ method: 'GET', url: `/v1/events/${encodeURIComponent(tooLong)}` }), '/params/id'],
      [
        'decision path',
        await h.request({ method: 'POST', url: `/v1/events/${encodeURIComponent(tooLong)}/decision`, payload: { approve: true, by: 'x' } }),
        '/params/id',
      ],
      ['journal filter', await h.request({ method: 'GET', url: `/v1/journal?eventId=${encodeURIComponent(tooLong)}` }), '/querystring/eventId'],
      ['counterparty path', await h.request({ method: 'GET', url: `/v1/counterparties/${encodeURIComponent(tooLong)}` }), '/params/id'],
      // Characters outside the BMP are two UTF-16 units each: 261 of them are 522 units, still read by the schema.
      [
        'webhook secret',
        await h.request({ method: 'POST', url: `/v1/telegram/webhook/${encodeURIComponent('𝄞'.repeat(261))}`, payload: { update_id: 1 } }),
        '/params/secret',
      ],
    ];
    for (const [where, res, path] of cases) {
      const error = expectErrorBody(res, 400, 'VALIDATION_ERROR');
      expect(error.details.map((d) => d.path), where).toContain(path);
    }
  });

  it('answers a path segment far beyond any id with 414 in the error contract', async () => {
    const res = await h.request({ method: 'GET', url: `/v1/events/${'x'.repeat(5000)}` });
    const error = expectErrorBody(res, 414, 'URI_TOO_LONG');
    expect(error.message).not.toContain('x'.repeat(100));
  });

  it('answers oversized headers with 431 in the error contract', async () => {
    const app = await appWith({});
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as net.AddressInfo;
      const res = await new Promise<{ statusCode: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/v1/events/x', headers: { 'x-padding': 'a'.repeat(64 * 1024) } }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ statusCode: response.statusCode ?? 0, headers: response.headers, body }));
        });
        req.on('error', reject);
      });
      expectErrorBody(res, 431, 'HEADERS_TOO_LARGE');
    } finally {
      await app.close();
    }
  });
});

describe('with PostgreSQL down', () => {
  const cases: [string, () => Database][] = [
    ['nothing listens at the database address', () => createDatabase('postgres://nobody:secret@127.0.0.1:1/nothing', { max: 2 })],
    [
      'the pool is closed',
      () => {
        const database = createDatabase(h.databaseUrl, { max: 2 });
        void database.close();
        return database;
      },
    ],
  ];

  it.each(cases)('answers 503 with Retry-After, never 202 or 500, when %s', async (_name, open) => {
    const database = open();
    const app = await appWith({ db: database.db });
    try {
      const event = buildEvent({ type: 'rel.notice', counterpartyId: 'rel-client', data: { n: '1' } });
      const posted = await app.inject({ method: 'POST', url: '/v1/events', headers: auth(), payload: event });
      const error = expectErrorBody(posted, 503, 'UNAVAILABLE');
      expect(Number(posted.headers['retry-after'])).toBeGreaterThan(0);
      expect(error.message).not.toContain('secret');
      const journal = await app.inject({ method: 'GET', url: '/v1/journal', headers: auth() });
      expectErrorBody(journal, 503, 'UNAVAILABLE');
      expect(journal.headers['retry-after']).toBeDefined();
      // The harness's own app, on the live database, never saw the event.
      const read = await h.request({ method: 'GET', url: `/v1/events/${event.id}` });
      expect(read.statusCode).toBe(404);
    } finally {
      await app.close();
      await database.close().catch(() => undefined);
    }
  });
});

describe('with Temporal down (a port that accepts and never answers)', () => {
  let silent: net.Server;
  const sockets: net.Socket[] = [];
  let connection: Connection;
  let app: FastifyInstance;
  /** The Bot API that accepts the token (getMe) before the polling's start meets the dead Temporal. */
  let botApi: TelegramBotApiPeer;

  beforeAll(async () => {
    botApi = await startTelegramBotApi({ token: '123456:reliability-test-token', botUsername: 'reliability_bot' });
    silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    connection = Connection.lazy({ address: `127.0.0.1:${port}` });
    app = await appWith({ temporal: new Client({ connection, namespace: 'default' }), telegramApiRoot: botApi.apiRoot, outboundAllow: ['127.0.0.1'] });
  });
  afterAll(async () => {
    await app?.close();
    await botApi?.stop();
    await connection?.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent?.close(resolve));
  });

  it('answers POST /v1/events with 503 and Retry-After within about 2 s; the same id is accepted once Temporal is back', async () => {
    const event = buildEvent({ type: 'rel.notice', counterpartyId: 'rel-client', data: { n: '2' } });
    const { result: res, ms } = await timed(() => app.inject({ method: 'POST', url: '/v1/events', headers: auth(), payload: event }));
    expectErrorBody(res, 503, 'UNAVAILABLE');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(ms).toBeLessThan(4000);

    const retried = await h.request({ method: 'POST', url: '/v1/events', payload: event });
    expect(retried.statusCode, retried.body).toBe(202);
  });

  it('serves GET /v1/events/:id from the database with the state "unknown" within about 2 s', async () => {
    const event = buildEvent({ type: 'rel.notice', counterpartyId: 'rel-client', data: { n: '3' } });
    expect((await h.request({ method: 'POST', url: '/v1/events', payload: event })).statusCode).toBe(202);
    await awaitStatus(event.id, 'sent');

    const { result: res, ms } = await timed(() => app.inject({ method: 'GET', url: `/v1/events/${event.id}`, headers: auth() }));
    expect(res.statusCode, res.body).toBe(200);
    expect(ms).toBeLessThan(4000);
    const body = res.json();
    expect(body.state).toBe('unknown');
    expect(body.eventId).toBe(event.id);
    expect(body.journal.map((e: { status: string }) => e.status)).toContain('sent');
  });

  it('gives back the rate unit of a post answered 503: retries of one event id do not run into 429', async () => {
    const limited = await appWith({ temporal: new Client({ connection, namespace: 'default' }), limits: { ...DEFAULT_LIMITS, eventsPerMinute: 2 } });
    try {
      const key = await h.keyWithRoles(['events:write']);
      const event = buildEvent({ type: 'rel.notice', counterpartyId: 'rel-client', data: { n: 'rate' } });
      const answers: number[] = [];
      // Four tries of one event against a limit of two a minute: each 503 asks for the retry, none may be refused with 429.
      for (let i = 0; i < 4; i += 1) answers.push((await limited.inject({ method: 'POST', url: '/v1/events', headers: auth(key), payload: event })).statusCode);
      expect(answers).toEqual([503, 503, 503, 503]);
    } finally {
      await limited.close();
    }
  });

  it('answers every schedule call with 503 and Retry-After within about 2 s', async () => {
    const calls = [
      { method: 'GET' as const, url: '/v1/schedules' },
      { method: 'PUT' as const, url: '/v1/schedules/email-dispatch', payload: { every: '10m', paused: true } },
      { method: 'POST' as const, url: '/v1/schedules/sms-balance/trigger' },
    ];
    for (const call of calls) {
      const { result: res, ms } = await timed(() => app.inject({ ...call, headers: auth() }));
      expectErrorBody(res, 503, 'UNAVAILABLE');
      expect(Number(res.headers['retry-after']), `${call.method} ${call.url}`).toBeGreaterThan(0);
      expect(ms, `${call.method} ${call.url}`).toBeLessThan(4000);
    }
  });

  it('saves a bot token but answers 503 within about 2 s when the polling of the bot cannot be started', async () => {
    const { result: res, ms } = await timed(() =>
      app.inject({ method: 'PUT', url: '/v1/settings', headers: auth(), payload: { telegram: { botToken: '123456:reliability-test-token' } } }),
    );
    const error = expectErrorBody(res, 503, 'UNAVAILABLE');
    expect(error.message).toContain('saved');
    expect(error.message).not.toContain('reliability-test-token');
    expect(ms).toBeLessThan(4000);
    const saved = await h.request({ method: 'GET', url: '/v1/settings' });
    expect(saved.json().telegram.botToken).toEqual({ set: true });
    // Removing the token needs no workflow: answered at once even with Temporal down.
    const removed = await app.inject({ method: 'PUT', url: '/v1/settings', headers: auth(), payload: { telegram: { botToken: null } } });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json().telegram.botToken).toEqual({ set: false });
  });

  it('answers a decision with 503 instead of waiting', async () => {
    const event = buildEvent({ type: 'rel.confirm', counterpartyId: 'rel-client', data: { n: '4' } });
    expect((await h.request({ method: 'POST', url: '/v1/events', payload: event })).statusCode).toBe(202);
    await awaitStatus(event.id, 'awaiting_confirmation');
    const { result: res, ms } = await timed(() =>
      app.inject({ method: 'POST', url: `/v1/events/${event.id}/decision`, headers: auth(), payload: { approve: false, by: 'Тест' } }),
    );
    expectErrorBody(res, 503, 'UNAVAILABLE');
    expect(ms).toBeLessThan(8000);
  });
});

describe('API keys', () => {
  it('keeps a revoked ADMIN_API_KEY revoked across restarts', async () => {
    const adminKey = 'admin-key-of-the-reliability-test-0123456789';
    // The default company of this test's own database, as `prepareDatabase` makes it at start.
    await seedDemo(h.db);
    await ensureAdminKey(h.db, adminKey);
    const listed = await h.request({ method: 'GET', url: '/v1/api-keys', key: adminKey });
    expect(listed.statusCode, listed.body).toBe(200);
    const own = (listed.json().items as { id: number; name: string }[]).find((k) => k.name === 'ADMIN_API_KEY');
    expect(own).toBeDefined();

    const revoked = await h.request({ method: 'DELETE', url: `/v1/api-keys/${own!.id}`, key: adminKey });
    expect(revoked.statusCode, revoked.body).toBe(204);
    expect((await h.request({ method: 'GET', url: '/v1/api-keys', key: adminKey })).statusCode).toBe(401);

    // A restart with the same ADMIN_API_KEY.
    await ensureAdminKey(h.db, adminKey);
    expect((await h.request({ method: 'GET', url: '/v1/api-keys', key: adminKey })).statusCode).toBe(401);
  });

  it('refuses to revoke the last active key with settings:admin, and revokes the others', async () => {
    const otherAdmin = await h.keyWithRoles(['settings:admin']);
    await h.keyWithRoles(['journal:read']);
    const items = (await h.request({ method: 'GET', url: '/v1/api-keys' })).json().items as {
      id: number;
      name: string;
      roles: string[];
      revokedAt: string | null;
    }[];
    const otherAdminId = items.find((k) => k.name === 'test settings:admin')!.id;
    const readerId = items.find((k) => k.name === 'test journal:read')!.id;
    const mineId = items.find((k) => !k.name.startsWith('test ') && k.roles.includes('settings:admin'))!.id;

    // With another admin key, this one may go; once it is the last admin key, not even it can revoke itself.
    expect((await h.request({ method: 'GET', url: '/v1/api-keys', key: otherAdmin })).statusCode).toBe(200);
    const first = await h.request({ method: 'DELETE', url: `/v1/api-keys/${otherAdminId}` });
    expect(first.statusCode, first.body).toBe(204);
    const last = await h.request({ method: 'DELETE', url: `/v1/api-keys/${mineId}` });
    const error = expectErrorBody(last, 409, 'CONFLICT');
    expect(error.message).toMatch(/last active key with settings:admin/);
    expect((await h.request({ method: 'GET', url: '/v1/api-keys' })).statusCode).toBe(200);

    const reader = await h.request({ method: 'DELETE', url: `/v1/api-keys/${readerId}` });
    expect(reader.statusCode, reader.body).toBe(204);
  });
});
