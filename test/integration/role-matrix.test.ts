import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalEntries } from '../../src/db/schema';
import { ROLES, type Role } from '../../src/domain/roles';
import { buildEvent } from '../helpers/factories';
import { createHarness, type Harness, type TestSession } from '../helpers/harness';

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What the sample requests act on, made in `beforeAll` so that each route can succeed. */
interface Context {
  h: Harness;
  /** An event posted and run to its end. */
  eventId: string;
  /** Events whose workflows wait for a decision (R13): each sample request takes the next, as a decided one answers 409. */
  awaitingEventIds: string[];
  /** "Not sent, tracked by manager" journal entries (R14): to send by hand (each request takes the next), and one to change the status of. */
  trackedEntriesToSend: number[];
  trackedEntryToChange: number;
  /** A user the users API may change. */
  userId: number;
}

/** How many requests of one sample the matrix makes: without, by key and by session, refused and succeeding. */
const REQUESTS_PER_SAMPLE = 5;

const next = <T>(queue: T[], what: string): T => {
  const value = queue.shift();
  if (value === undefined) throw new Error(`the matrix ran out of ${what}`);
  return value;
};

interface Sample {
  /** The role the route must require (R18): part of the contract, so a change here is deliberate. */
  role: Role;
  /** A request that succeeds for a key with `role`. Called once per request, so ids can be fresh. */
  request(ctx: Context): Promise<{ url: string; payload?: object }> | { url: string; payload?: object };
  /** The success status. */
  status: number;
}

const statically = (url: string, payload?: object) => () => (payload === undefined ? { url } : { url, payload });

/**
 * One sample request per authenticated route, keyed `METHOD url` as in `app.routeRoles`.
 * A new route fails the coverage test until it gets an entry here.
 */
const ROUTES: Record<string, Sample> = {
  'POST /v1/events': { role: 'events:write', status: 202, request: () => ({ url: '/v1/events', payload: buildEvent() }) },
  'GET /v1/events/:id': { role: 'journal:read', status: 200, request: ({ eventId }) => ({ url: `/v1/events/${eventId}` }) },
  'HEAD /v1/events/:id': { role: 'journal:read', status: 200, request: ({ eventId }) => ({ url: `/v1/events/${eventId}` }) },
  'POST /v1/events/:id/decision': {
    role: 'journal:write',
    status: 200,
    request: ({ awaitingEventIds }) => ({
      url: `/v1/events/${next(awaitingEventIds, 'awaiting events')}/decision`,
      payload: { approve: true, by: 'Ольга Соколова' },
    }),
  },

  'GET /v1/journal': { role: 'journal:read', status: 200, request: ({ eventId }) => ({ url: `/v1/journal?eventId=${eventId}` }) },
  'HEAD /v1/journal': { role: 'journal:read', status: 200, request: statically('/v1/journal') },
  'GET /v1/messages': { role: 'journal:read', status: 200, request: ({ eventId }) => ({ url: `/v1/messages?eventId=${eventId}` }) },
  'HEAD /v1/messages': { role: 'journal:read', status: 200, request: statically('/v1/messages') },
  'GET /v1/queues/confirmations': { role: 'journal:read', status: 200, request: statically('/v1/queues/confirmations') },
  'HEAD /v1/queues/confirmations': { role: 'journal:read', status: 200, request: statically('/v1/queues/confirmations') },
  'GET /v1/queues/tracked': { role: 'journal:read', status: 200, request: statically('/v1/queues/tracked?limit=5') },
  'HEAD /v1/queues/tracked': { role: 'journal:read', status: 200, request: statically('/v1/queues/tracked') },
  'GET /v1/queues/counts': { role: 'journal:read', status: 200, request: statically('/v1/queues/counts') },
  'HEAD /v1/queues/counts': { role: 'journal:read', status: 200, request: statically('/v1/queues/counts') },
  'POST /v1/journal/:entryId/send': {
    role: 'journal:write',
    status: 200,
    request: ({ trackedEntriesToSend }) => ({
      url: `/v1/journal/${next(trackedEntriesToSend, 'tracked entries')}/send`,
      payload: { comment: 'Отправлено вручную' },
    }),
  },
  'PATCH /v1/journal/:entryId': {
    role: 'journal:write',
    status: 200,
    request: ({ trackedEntryToChange }) => ({ url: `/v1/journal/${trackedEntryToChange}`, payload: { status: 'resolved', comment: 'Позвонили клиенту' } }),
  },

  'GET /v1/settings': { role: 'settings:admin', status: 200, request: statically('/v1/settings') },
  'HEAD /v1/settings': { role: 'settings:admin', status: 200, request: statically('/v1/settings') },
  'PUT /v1/settings': { role: 'settings:admin', status: 200, request: statically('/v1/settings', { reserveChannel: 'sms' }) },
  'PATCH /v1/settings': { role: 'settings:admin', status: 200, request: statically('/v1/settings', { reserveChannel: 'sms' }) },

  'GET /v1/event-types': { role: 'templates:read', status: 200, request: statically('/v1/event-types') },
  'HEAD /v1/event-types': { role: 'templates:read', status: 200, request: statically('/v1/event-types') },
  'GET /v1/event-types/:type': { role: 'templates:read', status: 200, request: statically('/v1/event-types/order.ready_for_pickup') },
  'HEAD /v1/event-types/:type': { role: 'templates:read', status: 200, request: statically('/v1/event-types/order.ready_for_pickup') },
  'PUT /v1/event-types/:type': {
    role: 'templates:write',
    status: 200,
    request: statically('/v1/event-types/order.ready_for_pickup', {
      templates: { client: { sms: { text: 'Заказ {{ orderNumber }} на {{ total }} ₽ готов к выдаче.' } } },
    }),
  },
  'PATCH /v1/event-types/:type': {
    role: 'templates:write',
    status: 200,
    request: statically('/v1/event-types/order.ready_for_pickup', { templates: { client: { email: { fromName: 'Склад' } } } }),
  },
  'POST /v1/templates/preview': {
    role: 'templates:read',
    status: 200,
    request: statically('/v1/templates/preview', { channel: 'sms', template: 'Заказ {{ orderNumber }} готов.', eventType: 'order.ready_for_pickup' }),
  },

  'GET /v1/counterparties': { role: 'journal:read', status: 200, request: statically('/v1/counterparties') },
  'HEAD /v1/counterparties': { role: 'journal:read', status: 200, request: statically('/v1/counterparties') },
  'GET /v1/counterparties/:id': { role: 'journal:read', status: 200, request: statically('/v1/counterparties/demo-client') },
  'HEAD /v1/counterparties/:id': { role: 'journal:read', status: 200, request: statically('/v1/counterparties/demo-client') },
  'PUT /v1/counterparties/:id': {
    role: 'settings:admin',
    status: 200,
    request: statically('/v1/counterparties/demo-client', { name: 'ООО «Ромашка»', managerId: 'manager-1' }),
  },

  'GET /v1/counterparties/:id/contacts/:contactId/telegram-qr.png': {
    role: 'journal:read',
    // No bot is set up in this file: the route answers that, after the role check.
    status: 409,
    request: async ({ h }) => {
      const contact = (await h.request({ method: 'GET', url: '/v1/counterparties/demo-client' })).json().contacts[0] as { id: number };
      return { url: `/v1/counterparties/demo-client/contacts/${contact.id}/telegram-qr.png` };
    },
  },
  'HEAD /v1/counterparties/:id/contacts/:contactId/telegram-qr.png': {
    role: 'journal:read',
    status: 409,
    request: async ({ h }) => {
      const contact = (await h.request({ method: 'GET', url: '/v1/counterparties/demo-client' })).json().contacts[0] as { id: number };
      return { url: `/v1/counterparties/demo-client/contacts/${contact.id}/telegram-qr.png` };
    },
  },
  'PATCH /v1/counterparties/:id': {
    role: 'settings:admin',
    status: 200,
    request: statically('/v1/counterparties/demo-client', { name: 'ООО «Ромашка»' }),
  },

  'GET /v1/managers': { role: 'journal:read', status: 200, request: statically('/v1/managers') },
  'HEAD /v1/managers': { role: 'journal:read', status: 200, request: statically('/v1/managers') },
  'GET /v1/managers/:id': { role: 'journal:read', status: 200, request: statically('/v1/managers/manager-1') },
  'HEAD /v1/managers/:id': { role: 'journal:read', status: 200, request: statically('/v1/managers/manager-1') },
  'PUT /v1/managers/:id': {
    role: 'settings:admin',
    status: 200,
    request: statically('/v1/managers/manager-1', { name: 'Ольга Соколова', email: 'o.sokolova@demo-parts.example', phone: '+79031234567' }),
  },

  'GET /v1/api-keys': { role: 'settings:admin', status: 200, request: statically('/v1/api-keys') },
  'HEAD /v1/api-keys': { role: 'settings:admin', status: 200, request: statically('/v1/api-keys') },
  'POST /v1/api-keys': { role: 'settings:admin', status: 201, request: statically('/v1/api-keys', { name: 'матрица', roles: ['journal:read'] }) },
  'DELETE /v1/api-keys/:id': {
    role: 'settings:admin',
    status: 204,
    // A throwaway key each time: revoking one twice is a 404.
    async request({ h }) {
      const created = await h.request({ method: 'POST', url: '/v1/api-keys', payload: { name: 'на отзыв', roles: ['journal:read'] } });
      expect(created.statusCode, created.body).toBe(201);
      return { url: `/v1/api-keys/${created.json().id}` };
    },
  },

  'POST /v1/messaging/test': {
    role: 'settings:admin',
    status: 200,
    request: statically('/v1/messaging/test', { channel: 'email', to: 'matrix@demo-parts.example' }),
  },
  'GET /v1/messaging/sms/balance': { role: 'settings:admin', status: 200, request: statically('/v1/messaging/sms/balance') },
  'HEAD /v1/messaging/sms/balance': { role: 'settings:admin', status: 200, request: statically('/v1/messaging/sms/balance') },

  'GET /v1/schedules': { role: 'settings:admin', status: 200, request: statically('/v1/schedules') },
  'HEAD /v1/schedules': { role: 'settings:admin', status: 200, request: statically('/v1/schedules') },
  'PUT /v1/schedules/:name': { role: 'settings:admin', status: 200, request: statically('/v1/schedules/sms-balance', { paused: true }) },
  'POST /v1/schedules/:name/trigger': { role: 'settings:admin', status: 202, request: statically('/v1/schedules/sms-balance/trigger') },

  'GET /v1/users': { role: 'settings:admin', status: 200, request: statically('/v1/users') },
  'HEAD /v1/users': { role: 'settings:admin', status: 200, request: statically('/v1/users') },
  'POST /v1/users': {
    role: 'settings:admin',
    status: 201,
    // A fresh login each time: a taken one answers 409.
    request: () => ({
      url: '/v1/users',
      payload: { login: `matrix-${randomUUID().slice(0, 8)}`, name: 'Матрица Проверочная', password: 'matrix-password-1', roles: ['journal:read'] },
    }),
  },
  'PATCH /v1/users/:id': {
    role: 'settings:admin',
    status: 200,
    request: ({ userId }) => ({ url: `/v1/users/${userId}`, payload: { name: 'Матрица Изменённая', roles: ['journal:read', 'templates:read'] } }),
  },

  'GET /v1/config-changes': { role: 'settings:admin', status: 200, request: statically('/v1/config-changes?entity=settings') },
  'HEAD /v1/config-changes': { role: 'settings:admin', status: 200, request: statically('/v1/config-changes') },
};

const routeKey = (method: string, url: string) => `${method} ${url}`;

describe('the role matrix (R18)', () => {
  let h: Harness;
  let ctx: Context;
  /** Per role: a key with every other role, and a key with only that role; the same as signed-in users. */
  const allBut = new Map<Role, string>();
  const only = new Map<Role, string>();
  const allButUser = new Map<Role, TestSession>();
  const onlyUser = new Map<Role, TestSession>();

  /** Polls the journal until the event has an entry with `status`; returns those entries' ids. */
  const waitForJournal = async (eventId: string, status: string, count = 1): Promise<number[]> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const rows = await h.db
        .select({ id: journalEntries.id })
        .from(journalEntries)
        .where(and(eq(journalEntries.eventId, eventId), eq(journalEntries.status, status)));
      if (rows.length >= count) return rows.map((r) => r.id).sort((a, b) => a - b);
      if (Date.now() > deadline) throw new Error(`event ${eventId}: no ${count} journal entries "${status}" within 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  beforeAll(async () => {
    h = await createHarness();
    for (const role of ROLES) {
      allBut.set(role, await h.keyWithRoles(ROLES.filter((r) => r !== role)));
      only.set(role, await h.keyWithRoles([role]));
      allButUser.set(role, await h.userWithRoles(ROLES.filter((r) => r !== role)));
      onlyUser.set(role, await h.userWithRoles([role]));
    }
    const ok = (res: LightMyRequestResponse, status = 200) => {
      expect(res.statusCode, res.body).toBe(status);
      return res;
    };

    const event = buildEvent();
    ok(await h.request({ method: 'POST', url: '/v1/events', payload: event }), 202);

    // A client that turned "order ready" off, on an event type tracked by the manager: its entries wait for a person.
    ok(await h.request({ method: 'PUT', url: '/v1/event-types/order.ready_for_pickup', payload: { trackedByManager: true } }));
    ok(
      await h.request({
        method: 'PUT',
        url: '/v1/counterparties/matrix-tracked',
        payload: {
          name: 'ООО «Отслеживаемый»',
          managerId: 'manager-1',
          // One entry per contact: one sent by hand per succeeding request, and one to change the status of.
          contacts: Array.from({ length: REQUESTS_PER_SAMPLE + 1 }, (_, i) => ({ name: `Контакт ${i + 1}`, email: `contact-${i + 1}@tracked.example` })),
          overrides: { 'order.ready_for_pickup': { send: false } },
        },
      }),
    );
    const tracked = buildEvent({ counterpartyId: 'matrix-tracked' });
    ok(await h.request({ method: 'POST', url: '/v1/events', payload: tracked }), 202);
    const [toChange, ...toSend] = await waitForJournal(tracked.id, 'not_sent_tracked', REQUESTS_PER_SAMPLE + 1);

    // An event type that asks for approval first.
    ok(
      await h.request({
        method: 'PUT',
        url: '/v1/event-types/matrix.confirm',
        payload: {
          name: 'Событие с подтверждением',
          confirmBeforeSend: true,
          channels: ['email'],
          templates: { client: { email: { subject: 'Проверка', text: 'Здравствуйте, {{ recipient.name }}!' } } },
        },
      }),
    );
    const awaitingEventIds: string[] = [];
    for (let i = 0; i < REQUESTS_PER_SAMPLE; i++) {
      const awaiting = buildEvent({ type: 'matrix.confirm', data: {} });
      ok(await h.request({ method: 'POST', url: '/v1/events', payload: awaiting }), 202);
      awaitingEventIds.push(awaiting.id);
    }
    for (const id of awaitingEventIds) await waitForJournal(id, 'awaiting_confirmation');

    const user = ok(
      await h.request({
        method: 'POST',
        url: '/v1/users',
        payload: { login: 'matrix-target', name: 'Матрица Целевая', password: 'matrix-password-0', roles: ['journal:read'] },
      }),
      201,
    );

    ctx = { h, eventId: event.id, awaitingEventIds, trackedEntriesToSend: toSend, trackedEntryToChange: toChange!, userId: user.json().id };
  });
  afterAll(async () => {
    await h?.close();
  });

  const call = async (key: string | null, [method, url]: [Method, string], payload?: object): Promise<LightMyRequestResponse> =>
    h.request({ method, url, key, ...(payload === undefined ? {} : { payload }) });
  /** The same request with a session cookie (and its CSRF token on changes) instead of a key. */
  const callAs = async (session: TestSession, [method, url]: [Method, string], payload?: object): Promise<LightMyRequestResponse> =>
    h.request({ method, url, session, ...(payload === undefined ? {} : { payload }) });

  /** Error bodies have the contract's shape; HEAD answers carry no body at all. */
  const expectErrorBody = (res: LightMyRequestResponse, method: Method, code: string) => {
    if (method === 'HEAD') {
      expect(res.body).toBe('');
      return;
    }
    expect(res.json()).toEqual({ error: { code, message: expect.any(String), details: [] } });
  };

  it('has a sample for exactly the routes the app serves, each with the role the route requires', () => {
    const served = Object.fromEntries(h.app.routeRoles.map((r) => [routeKey(r.method, r.url), r.role]));
    expect(Object.keys(ROUTES).sort()).toEqual(Object.keys(served).sort());
    expect(Object.fromEntries(Object.entries(ROUTES).map(([k, s]) => [k, s.role]))).toEqual(served);
  });

  it('separates viewing templates from editing them (seed 000: "Шаблоны рассылок. Просмотр / Редактор")', () => {
    expect(ROUTES['GET /v1/event-types/:type']?.role).toBe('templates:read');
    expect(ROUTES['PUT /v1/event-types/:type']?.role).toBe('templates:write');
  });

  describe.each(Object.entries(ROUTES).map(([route, sample]) => ({ route, sample })))('$route', ({ route, sample }) => {
    const [method, url] = route.split(' ') as [Method, string];

    it('answers 401 without a key or with an unknown one, and with a cookie of no session', async () => {
      const { url: concrete, payload } = await sample.request(ctx);
      for (const key of [null, 'nk_not-a-key-of-anyone']) {
        const res = await call(key, [method, concrete], payload);
        expect(res.statusCode, `${route} with ${key ?? 'no key'}: ${res.body}`).toBe(401);
        expectErrorBody(res, method, 'UNAUTHORIZED');
      }
      const res = await callAs({ userId: 0, token: 'not-a-session-of-anyone', csrfToken: 'nothing' }, [method, concrete], payload);
      expect(res.statusCode, `${route} with an unknown session: ${res.body}`).toBe(401);
      expectErrorBody(res, method, 'UNAUTHORIZED');
    });

    it(`answers 403 to a key with every role except ${sample.role}`, async () => {
      const { url: concrete, payload } = await sample.request(ctx);
      const res = await call(allBut.get(sample.role)!, [method, concrete], payload);
      expect(res.statusCode, `${route}: ${res.body}`).toBe(403);
      expectErrorBody(res, method, 'FORBIDDEN');
      if (method !== 'HEAD') expect(res.json().error.message).toContain(sample.role);
    });

    it(`succeeds for a key with only ${sample.role}`, async () => {
      const { url: concrete, payload } = await sample.request(ctx);
      const res = await call(only.get(sample.role)!, [method, concrete], payload);
      expect(res.statusCode, `${route} (${url}): ${res.body}`).toBe(sample.status);
    });

    it(`answers 403 to a signed-in user with every role except ${sample.role}`, async () => {
      const { url: concrete, payload } = await sample.request(ctx);
      const res = await callAs(allButUser.get(sample.role)!, [method, concrete], payload);
      expect(res.statusCode, `${route}: ${res.body}`).toBe(403);
      expectErrorBody(res, method, 'FORBIDDEN');
      if (method !== 'HEAD') expect(res.json().error.message).toContain(sample.role);
    });

    it(`succeeds for a signed-in user with only ${sample.role}`, async () => {
      const { url: concrete, payload } = await sample.request(ctx);
      const res = await callAs(onlyUser.get(sample.role)!, [method, concrete], payload);
      expect(res.statusCode, `${route} (${url}): ${res.body}`).toBe(sample.status);
    });
  });
});
