import { randomBytes, randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalEntries } from '../../src/db/schema';
import { seedDemo } from '../../src/db/seed';
import { SCHEDULE_NAMES, scheduleIdOf } from '../../src/temporal/schedules';
import { createHarness, type Harness } from '../helpers/harness';
import { startTelegramBotApi, type TelegramBotApiPeer } from '../../src/dev/peers/telegram-bot-api';

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Two companies in one database: A (the harness's company, with the worker
 * running) and B (seeded next to it). B's key is aimed at A's ids on every
 * authenticated route; nothing of A may show in B's answers, and nothing of A
 * may change.
 */

/** A's ids, chosen by A: B may use the same ids for objects of its own. */
const A_IDS = {
  counterparty: 'a-secret-client',
  manager: 'a-manager',
  eventType: 'a.private',
  event: 'a-event-1',
  smsProvider: 'a-sms-provider',
} as const;

/** A's data: every string is unique to A, so finding one in B's answer is a leak. */
const A_DATA = {
  counterpartyName: 'ООО «Альфа Секрет Клиент»',
  contactName: 'Алиса Секретова',
  contactEmail: 'alisa@alpha-secret.example',
  contactPhone: '+79035550101',
  contactChatId: '700100200',
  managerName: 'Андрей Альфа-Менеджер',
  managerEmail: 'andrey@alpha-secret.example',
  managerPhone: '+79035550202',
  eventTypeName: 'Альфа: приватное событие',
  eventTypeDescription: 'alpha-private-description',
  variableExample: 'ALPHA-EXAMPLE-0001',
  templateSubject: 'Альфа-заказ {{ orderNumber }}',
  templateText: 'alpha-private-template: заказ {{ orderNumber }}',
  orderNumber: 'ALPHA-ORDER-7731',
  keyName: 'alpha-secret-key',
  companyName: 'ООО «Альфа Тайна»',
  emailFrom: 'notify@alpha-secret.example',
  emailFromName: 'Альфа Тайна',
  adminEmail: 'admin@alpha-secret.example',
  botUsername: 'alpha_secret_bot',
  autoReply: 'alpha-secret-autoreply',
  providerName: 'Альфа SMS',
  userName: 'Альфа Секретная Сотрудница',
  userLogin: 'alpha-secret-user',
  /** Never shown, not even to A. */
  userPassword: `alpha-secret-password-${randomBytes(4).toString('hex')}`,
  /** Write-only: not even A sees it again. */
  providerApiId: `alpha-secret-apiid-${randomBytes(4).toString('hex')}`,
} as const;

/** B's own objects under A's ids: names and data of B's own, so they can be told apart. */
const B_DATA = {
  counterpartyName: 'ООО «Бета Клиент»',
  contactName: 'Борис Бетов',
  contactEmail: 'boris@beta.example',
  managerName: 'Бета Менеджер',
  managerEmail: 'manager@beta.example',
  eventTypeName: 'Бета: своё событие',
  variableExample: 'BETA-EXAMPLE-0001',
  companyName: 'ООО «Бета»',
  autoReply: 'beta-autoreply',
  testText: `beta-test-message-${randomBytes(4).toString('hex')}`,
} as const;

/** What A made, learned in `beforeAll`. */
interface CompanyA {
  companyId: string;
  /** The harness's seeded admin key. */
  adminKey: string;
  adminKeyId: number;
  /** The key A made through the API. */
  keyId: number;
  key: string;
  contactId: number;
  /** The contact's Telegram deep-link token. */
  linkToken: string;
  workflowId: string;
  /** A's "not sent, tracked by manager" entry of `a-event-1`. */
  trackedEntryId: number;
  /** Every journal entry of A. */
  entryIds: number[];
  configChangeIds: number[];
  botToken: string;
  /** A user of A's, made through the users API. */
  userId: number;
}

interface Ctx {
  h: Harness;
  bCompanyId: string;
  bKey: string;
  a: CompanyA;
  telegram: TelegramBotApiPeer;
}

/** What B does on one route: `foreign` aims at A's ids while B has nothing of that name; `own` makes B's own objects under them. */
interface Probe {
  foreign?: (ctx: Ctx) => Promise<void>;
  own?: (ctx: Ctx) => Promise<void>;
}

const asB = (ctx: Ctx, method: Method, url: string, payload?: object) =>
  ctx.h.request({ method, url, key: ctx.bKey, ...(payload === undefined ? {} : { payload }) });

const expectStatus = (res: LightMyRequestResponse, status: number, what: string) => {
  expect(res.statusCode, `${what}: ${res.body}`).toBe(status);
  return res;
};

/** Every string only A has: its data, its company id, its key values, its bot token, its contact's link token. */
const secretsOf = (a: CompanyA): string[] => [
  ...Object.values(A_DATA),
  a.companyId,
  a.adminKey,
  a.key,
  a.botToken,
  a.linkToken,
  a.workflowId,
];

/**
 * Asserts the raw answer contains nothing of A: none of A's strings, nothing
 * matching "alpha"/"альфа" (every datum of A carries it) and, with `ids`, none
 * of A's ids either (while B has no objects of those ids itself).
 */
function expectNothingOfA(ctx: Ctx, res: LightMyRequestResponse, what: string, opts: { ids: boolean }): void {
  const text = res.body;
  for (const secret of secretsOf(ctx.a)) expect(text.includes(secret), `${what} reveals A's "${secret}": ${text}`).toBe(false);
  expect(/alpha|альфа/i.test(text), `${what} reveals A's data: ${text}`).toBe(false);
  if (opts.ids) for (const id of Object.values(A_IDS)) expect(text.includes(id), `${what} reveals A's id "${id}": ${text}`).toBe(false);
}

/** 404 with the contract's error body (HEAD: no body); the message names only what B asked for. */
function expectNotFound(ctx: Ctx, res: LightMyRequestResponse, method: Method, what: string): void {
  expectStatus(res, 404, what);
  if (method === 'HEAD') {
    expect(res.body).toBe('');
    return;
  }
  expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String), details: [] } });
  expectNothingOfA(ctx, res, what, { ids: false });
}

/** A list of B's: 200 (HEAD: empty body), nothing of A in it. */
async function expectCleanList(ctx: Ctx, method: 'GET' | 'HEAD', url: string, opts: { ids: boolean }): Promise<LightMyRequestResponse> {
  const res = expectStatus(await asB(ctx, method, url), 200, `B ${method} ${url}`);
  if (method === 'HEAD') expect(res.body).toBe('');
  else expectNothingOfA(ctx, res, `B ${method} ${url}`, opts);
  return res;
}

/** The lists B reads, each with what must hold of its items besides "nothing of A". */
const LISTS: Record<string, (ctx: Ctx, body: Record<string, unknown>) => void> = {
  '/v1/journal?limit=500': ({ a }, body) => {
    const items = body.items as { id: number; workflowId: string }[];
    for (const item of items) expect(a.entryIds, `B sees A's journal entry ${item.id}`).not.toContain(item.id);
  },
  '/v1/counterparties?limit=500': ({ a }, body) => {
    const items = body.items as { contacts: { id: number }[] }[];
    for (const contact of items.flatMap((i) => i.contacts)) expect(contact.id).not.toBe(a.contactId);
  },
  '/v1/managers': () => undefined,
  '/v1/event-types': () => undefined,
  '/v1/api-keys': ({ a }, body) => {
    const ids = (body.items as { id: number }[]).map((k) => k.id);
    expect(ids).not.toContain(a.keyId);
    expect(ids).not.toContain(a.adminKeyId);
  },
  '/v1/config-changes?limit=200': ({ a }, body) => {
    for (const item of body.items as { id: number }[]) expect(a.configChangeIds, `B sees A's configuration change ${item.id}`).not.toContain(item.id);
  },
  '/v1/schedules': ({ bCompanyId }, body) => {
    const items = body.items as { scheduleId: string }[];
    expect(items).toHaveLength(SCHEDULE_NAMES.length);
    for (const item of items) expect(item.scheduleId).toContain(`:${bCompanyId}`);
  },
  '/v1/settings': ({ bCompanyId }, body) => {
    expect(body.companyId).toBe(bCompanyId);
    expect((body.telegram as { botToken: unknown }).botToken).toEqual({ set: false });
  },
};

/** Reads B's list, checks it has nothing of A and what `LISTS` says of its items. */
async function expectListOfB(ctx: Ctx, url: string, opts: { ids: boolean }): Promise<Record<string, unknown>> {
  const res = await expectCleanList(ctx, 'GET', url, opts);
  const body = res.json() as Record<string, unknown>;
  LISTS[url]!(ctx, body);
  return body;
}

/** Everything of A, read through A's own key; compared before and after B's requests. */
async function readA(ctx: Ctx): Promise<Record<string, unknown>> {
  const read = async (url: string, key = ctx.a.adminKey) => {
    const res = await ctx.h.request({ method: 'GET', url, key });
    expect(res.statusCode, `A GET ${url}: ${res.body}`).toBe(200);
    return res.json() as unknown;
  };
  const schedules = (await read('/v1/schedules')) as { items: Record<string, unknown>[] };
  return {
    counterparty: await read(`/v1/counterparties/${A_IDS.counterparty}`),
    manager: await read(`/v1/managers/${A_IDS.manager}`),
    eventType: await read(`/v1/event-types/${A_IDS.eventType}`),
    event: await read(`/v1/events/${A_IDS.event}`),
    journal: await read('/v1/journal?limit=500'),
    trackedQueue: await read('/v1/queues/tracked?limit=200'),
    counterparties: await read('/v1/counterparties?limit=500'),
    managers: await read('/v1/managers'),
    eventTypes: await read('/v1/event-types'),
    apiKeys: await read('/v1/api-keys'),
    users: await read('/v1/users'),
    settings: await read('/v1/settings'),
    configChanges: await read('/v1/config-changes?limit=200'),
    // Both of A's schedules are paused, so nothing of them moves by itself; when they would next run does, with time.
    schedules: schedules.items.map(({ nextRunAt: _next, ...rest }) => rest),
    // A's own key, made through the API, still works.
    settingsThroughKey: await read('/v1/settings', ctx.a.key),
  };
}

/**
 * One entry per authenticated route, keyed `METHOD url` as in `app.routeRoles`;
 * a new route fails the coverage test until it gets one. Within a phase the
 * probes run in this order (B's own event type before its preview, its event
 * before reading it).
 */
const PROBES: Record<string, Probe> = {
  'POST /v1/events': {
    async foreign(ctx) {
      // B cannot post an event on A's event type or A's client: they do not exist for B.
      const onType = `b-probe-${randomUUID()}`;
      const res1 = await asB(ctx, 'POST', '/v1/events', { id: onType, type: A_IDS.eventType, counterpartyId: 'demo-client', data: {} });
      expectStatus(res1, 422, 'B posts on A\'s event type');
      expect(res1.json().error.code).toBe('UNKNOWN_EVENT_TYPE');
      const onClient = `b-probe-${randomUUID()}`;
      const res2 = await asB(ctx, 'POST', '/v1/events', { id: onClient, type: 'order.ready_for_pickup', counterpartyId: A_IDS.counterparty, data: {} });
      expectStatus(res2, 422, 'B posts for A\'s client');
      expect(res2.json().error.code).toBe('UNKNOWN_COUNTERPARTY');
      for (const id of [onType, onClient]) expectNotFound(ctx, await asB(ctx, 'GET', `/v1/events/${id}`), 'GET', `B's refused event ${id}`);
    },
    async own(ctx) {
      // The same event id in B is B's own event: its own workflow, A's left alone.
      const res = await asB(ctx, 'POST', '/v1/events', {
        id: A_IDS.event,
        type: 'order.ready_for_pickup',
        counterpartyId: 'demo-client',
        data: { orderNumber: 'BETA-ORDER-1', total: '100,00', warehouse: 'Склад Бета' },
      });
      expectStatus(res, 202, 'B posts its own a-event-1');
      const body = res.json();
      expect(body).toMatchObject({ eventId: A_IDS.event, status: 'accepted', duplicate: false });
      expect(body.workflowId).not.toBe(ctx.a.workflowId);
      expect(body.workflowId).toContain(ctx.bCompanyId);
      expectNothingOfA(ctx, res, 'B posts its own a-event-1', { ids: false });
      await waitForEntries(ctx.h, ctx.bCompanyId, A_IDS.event, 'completed');
    },
  },
  'GET /v1/events/:id': {
    async foreign(ctx) {
      expectNotFound(ctx, await asB(ctx, 'GET', `/v1/events/${A_IDS.event}`), 'GET', 'B GET A\'s event');
    },
    async own(ctx) {
      const res = expectStatus(await asB(ctx, 'GET', `/v1/events/${A_IDS.event}`), 200, 'B GET its own a-event-1');
      const body = res.json();
      expect(body).toMatchObject({ eventId: A_IDS.event, type: 'order.ready_for_pickup', counterpartyId: 'demo-client', data: { orderNumber: 'BETA-ORDER-1' } });
      expect(body.workflowId).not.toBe(ctx.a.workflowId);
      expect(body.journal.length).toBeGreaterThan(0);
      for (const entry of body.journal as { id: number; workflowId: string }[]) {
        expect(ctx.a.entryIds).not.toContain(entry.id);
        expect(entry.workflowId).toBe(body.workflowId);
      }
      expectNothingOfA(ctx, res, 'B GET its own a-event-1', { ids: false });
    },
  },
  'HEAD /v1/events/:id': {
    async foreign(ctx) {
      expectNotFound(ctx, await asB(ctx, 'HEAD', `/v1/events/${A_IDS.event}`), 'HEAD', 'B HEAD A\'s event');
    },
  },
  'POST /v1/events/:id/decision': {
    async foreign(ctx) {
      const res = await asB(ctx, 'POST', `/v1/events/${A_IDS.event}/decision`, { approve: true, by: 'Бета' });
      expectNotFound(ctx, res, 'POST', 'B decides on A\'s event');
    },
  },

  'GET /v1/journal': {
    async foreign(ctx) {
      await expectListOfB(ctx, '/v1/journal?limit=500', { ids: true });
      // Filters on A's ids find nothing for B.
      for (const query of [`eventId=${A_IDS.event}`, `counterpartyId=${A_IDS.counterparty}`, `eventType=${A_IDS.eventType}`, 'status=not_sent_tracked']) {
        const res = await expectCleanList(ctx, 'GET', `/v1/journal?${query}`, { ids: true });
        expect(res.json().items, `B GET /v1/journal?${query}`).toEqual([]);
      }
    },
    async own(ctx) {
      const res = await expectCleanList(ctx, 'GET', `/v1/journal?eventId=${A_IDS.event}`, { ids: false });
      const items = res.json().items as { id: number; workflowId: string }[];
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) {
        expect(ctx.a.entryIds).not.toContain(item.id);
        expect(item.workflowId).not.toBe(ctx.a.workflowId);
      }
    },
  },
  'HEAD /v1/journal': {
    async foreign(ctx) {
      await expectCleanList(ctx, 'HEAD', '/v1/journal', { ids: true });
    },
  },
  'GET /v1/messages': {
    async foreign(ctx) {
      // Messages are folded from the journal: B's filters on A's ids find nothing, and no row names A's entries.
      for (const query of ['limit=500', `eventId=${A_IDS.event}`, `counterpartyId=${A_IDS.counterparty}`, `eventType=${A_IDS.eventType}`, 'status=not_sent_tracked']) {
        const res = await expectCleanList(ctx, 'GET', `/v1/messages?${query}`, { ids: true });
        const items = res.json().items as { entryIds: number[]; workflowId: string }[];
        if (query !== 'limit=500') expect(items, `B GET /v1/messages?${query}`).toEqual([]);
        for (const item of items) {
          expect(item.workflowId).not.toBe(ctx.a.workflowId);
          for (const id of item.entryIds) expect(ctx.a.entryIds, `B sees A's journal entry ${id}`).not.toContain(id);
        }
      }
    },
  },
  'HEAD /v1/messages': {
    async foreign(ctx) {
      await expectCleanList(ctx, 'HEAD', '/v1/messages', { ids: true });
    },
  },
  'GET /v1/queues/confirmations': {
    async foreign(ctx) {
      for (const query of ['limit=200', `counterpartyId=${A_IDS.counterparty}`]) {
        const res = await expectCleanList(ctx, 'GET', `/v1/queues/confirmations?${query}`, { ids: true });
        for (const item of res.json().items as { entryId: number }[]) expect(ctx.a.entryIds).not.toContain(item.entryId);
        if (query !== 'limit=200') expect(res.json().items).toEqual([]);
      }
    },
  },
  'HEAD /v1/queues/confirmations': {
    async foreign(ctx) {
      await expectCleanList(ctx, 'HEAD', '/v1/queues/confirmations', { ids: true });
    },
  },
  'GET /v1/queues/tracked': {
    async foreign(ctx) {
      // A has a tracked entry waiting; B's queue never shows it.
      for (const query of ['limit=200', `counterpartyId=${A_IDS.counterparty}`]) {
        const res = await expectCleanList(ctx, 'GET', `/v1/queues/tracked?${query}`, { ids: true });
        const ids = (res.json().items as { id: number }[]).map((i) => i.id);
        expect(ids).not.toContain(ctx.a.trackedEntryId);
        for (const id of ids) expect(ctx.a.entryIds).not.toContain(id);
        if (query !== 'limit=200') expect(ids).toEqual([]);
      }
    },
  },
  'HEAD /v1/queues/tracked': {
    async foreign(ctx) {
      await expectCleanList(ctx, 'HEAD', '/v1/queues/tracked', { ids: true });
    },
  },
  'GET /v1/queues/counts': {
    async foreign(ctx) {
      const res = await expectCleanList(ctx, 'GET', `/v1/queues/counts?counterpartyId=${A_IDS.counterparty}`, { ids: true });
      expect(res.json()).toEqual({ confirmations: 0, tracked: 0 });
    },
  },
  'HEAD /v1/queues/counts': {
    async foreign(ctx) {
      await expectCleanList(ctx, 'HEAD', '/v1/queues/counts', { ids: true });
    },
  },
  'POST /v1/journal/:entryId/send': {
    async foreign(ctx) {
      const res = await asB(ctx, 'POST', `/v1/journal/${ctx.a.trackedEntryId}/send`, { comment: 'Бета отправляет чужое' });
      expectNotFound(ctx, res, 'POST', 'B sends A\'s tracked entry');
      // The 404 is what counts (A is in test mode and would send nothing anyway); no mail went to A's client either.
      expect(ctx.h.smtp.messages.filter((m) => m.to.includes(A_DATA.contactEmail))).toEqual([]);
    },
  },
  'PATCH /v1/journal/:entryId': {
    async foreign(ctx) {
      for (const entryId of [ctx.a.trackedEntryId, ...ctx.a.entryIds]) {
        const res = await asB(ctx, 'PATCH', `/v1/journal/${entryId}`, { status: 'cancelled', comment: 'Бета закрывает чужое' });
        expectNotFound(ctx, res, 'PATCH', `B changes A's journal entry ${entryId}`);
      }
    },
  },

  'GET /v1/settings': {
    async foreign(ctx) {
      await expectListOfB(ctx, '/v1/settings', { ids: true });
    },
  },
  'HEAD /v1/settings': {
    async foreign(ctx) {
      await expectCleanList(ctx, 'HEAD', '/v1/settings', { ids: true });
    },
  },
  'PATCH /v1/settings': {
    async foreign(ctx) {
      // Naming A's provider id removes nothing of A: B's directory has no such provider.
      const res = await asB(ctx, 'PATCH', '/v1/settings', { providers: { [A_IDS.smsProvider]: null } });
      expectStatus(res, 200, 'B PATCH its settings naming A\'s provider');
      expectNothingOfA(ctx, res, 'B PATCH /v1/settings', { ids: false });
    },
  },
  'PUT /v1/settings': {
    async foreign(ctx) {
      // A's SMS provider is not in B's directory.
      const res = await asB(ctx, 'PUT', '/v1/settings', { sms: { primaryProviderId: A_IDS.smsProvider } });
      expectStatus(res, 422, 'B picks A\'s SMS provider');
      expect(res.json().error.code).toBe('UNKNOWN_PROVIDER');
      // The refusal names only the id B sent; B's settings still show nothing of A.
      expectNothingOfA(ctx, res, 'B PUT /v1/settings with A\'s provider', { ids: false });
      await expectListOfB(ctx, '/v1/settings', { ids: true });
    },
    async own(ctx) {
      const res = await asB(ctx, 'PUT', '/v1/settings', {
        name: B_DATA.companyName,
        reserveChannel: 'email',
        adminEmail: 'admin@beta.example',
        telegram: { autoReply: B_DATA.autoReply, botUsername: 'beta_notify_bot' },
      });
      expectStatus(res, 200, 'B changes its settings');
      expect(res.json()).toMatchObject({
        companyId: ctx.bCompanyId,
        name: B_DATA.companyName,
        reserveChannel: 'email',
        telegram: { autoReply: B_DATA.autoReply, botUsername: 'beta_notify_bot', botToken: { set: false } },
      });
      expectNothingOfA(ctx, res, 'B PUT /v1/settings', { ids: true });
    },
  },

  'GET /v1/event-types': {
    async foreign(ctx) {
      const body = await expectListOfB(ctx, '/v1/event-types', { ids: true });
      expect((body.items as { type: string }[]).map((t) => t.type)).not.toContain(A_IDS.eventType);
    },
  },
  'HEAD /v1/event-types': {
    async foreign(ctx) {
      await expectCleanList(ctx, 'HEAD', '/v1/event-types', { ids: true });
    },
  },
  'GET /v1/event-types/:type': {
    async foreign(ctx) {
      expectNotFound(ctx, await asB(ctx, 'GET', `/v1/event-types/${A_IDS.eventType}`), 'GET', 'B GET A\'s event type');
    },
    async own(ctx) {
      const res = expectStatus(await asB(ctx, 'GET', `/v1/event-types/${A_IDS.eventType}`), 200, 'B GET its own a.private');
      expect(res.json()).toMatchObject({ type: A_IDS.eventType, name: B_DATA.eventTypeName });
      expectNothingOfA(ctx, res, 'B GET its own a.private', { ids: false });
    },
  },
  'HEAD /v1/event-types/:type': {
    async foreign(ctx) {
      expectNotFound(ctx, await asB(ctx, 'HEAD', `/v1/event-types/${A_IDS.eventType}`), 'HEAD', 'B HEAD A\'s event type');
    },
  },
  'PATCH /v1/event-types/:type': {
    async foreign(ctx) {
      const res = await asB(ctx, 'PATCH', `/v1/event-types/${A_IDS.eventType}`, { templates: { client: { email: { fromName: 'Чужой' } } } });
      expectNotFound(ctx, res, 'PATCH', 'B PATCH A\'s event type');
    },
  },
  'PUT /v1/event-types/:type': {
    async foreign(ctx) {
      // Without a name the type would have to exist already: for B it does not.
      const res = await asB(ctx, 'PUT', `/v1/event-types/${A_IDS.eventType}`, { active: false, trackedByManager: false });
      expectStatus(res, 400, 'B changes A\'s event type without a name');
      expectNothingOfA(ctx, res, 'B PUT A\'s event type', { ids: false });
    },
    async own(ctx) {
      const res = await asB(ctx, 'PUT', `/v1/event-types/${A_IDS.eventType}`, {
        name: B_DATA.eventTypeName,
        description: 'beta-description',
        variables: [{ name: 'orderNumber', description: 'Номер заказа', example: B_DATA.variableExample }],
        channels: ['sms'],
        active: false,
        templates: { client: { sms: { text: 'beta-template {{ orderNumber }}' }, email: null } },
      });
      expectStatus(res, 200, 'B creates its own a.private');
      const body = res.json();
      expect(body).toMatchObject({ type: A_IDS.eventType, name: B_DATA.eventTypeName, source: 'custom', active: false, channels: ['sms'] });
      expect(Object.keys(body.templates.client)).toEqual(['sms']);
      expectNothingOfA(ctx, res, 'B PUT its own a.private', { ids: false });
    },
  },
  'POST /v1/templates/preview': {
    async foreign(ctx) {
      const res = await asB(ctx, 'POST', '/v1/templates/preview', { channel: 'sms', template: 'Заказ {{ orderNumber }}', eventType: A_IDS.eventType });
      expectNotFound(ctx, res, 'POST', 'B previews with A\'s event type');
    },
    async own(ctx) {
      // B's own a.private (made by the PUT above) gives B's examples, never A's.
      const res = await asB(ctx, 'POST', '/v1/templates/preview', { channel: 'sms', template: 'Заказ {{ orderNumber }}', eventType: A_IDS.eventType });
      expectStatus(res, 200, 'B previews with its own a.private');
      expect(res.json().text).toBe(`Заказ ${B_DATA.variableExample}`);
      expectNothingOfA(ctx, res, 'B previews with its own a.private', { ids: false });
    },
  },

  'GET /v1/counterparties': {
    async foreign(ctx) {
      const body = await expectListOfB(ctx, '/v1/counterparties?limit=500', { ids: true });
      expect((body.items as { id: string }[]).map((c) => c.id)).not.toContain(A_IDS.counterparty);
    },
  },
  'HEAD /v1/counterparties': {
    async foreign(ctx) {
      await expectCleanList(ctx, 'HEAD', '/v1/counterparties', { ids: true });
    },
  },
  'GET /v1/counterparties/:id': {
    async foreign(ctx) {
      expectNotFound(ctx, await asB(ctx, 'GET', `/v1/counterparties/${A_IDS.counterparty}`), 'GET', 'B GET A\'s client');
    },
    async own(ctx) {
      const res = expectStatus(await asB(ctx, 'GET', `/v1/counterparties/${A_IDS.counterparty}`), 200, 'B GET its own a-secret-client');
      expect(res.json()).toMatchObject({ id: A_IDS.counterparty, name: B_DATA.counterpartyName, managerId: A_IDS.manager });
      expectNothingOfA(ctx, res, 'B GET its own a-secret-client', { ids: false });
    },
  },
  'HEAD /v1/counterparties/:id': {
    async foreign(ctx) {
      expectNotFound(ctx, await asB(ctx, 'HEAD', `/v1/counterparties/${A_IDS.counterparty}`), 'HEAD', 'B HEAD A\'s client');
    },
  },
  'PATCH /v1/counterparties/:id': {
    async foreign(ctx) {
      const res = await asB(ctx, 'PATCH', `/v1/counterparties/${A_IDS.counterparty}`, { overrides: { [A_IDS.eventType]: null } });
      expectNotFound(ctx, res, 'PATCH', 'B PATCH A\'s client');
    },
  },
  'GET /v1/counterparties/:id/contacts/:contactId/telegram-qr.png': {
    async foreign(ctx) {
      const url = `/v1/counterparties/${A_IDS.counterparty}/contacts/${ctx.a.contactId}/telegram-qr.png`;
      expectNotFound(ctx, await asB(ctx, 'GET', url), 'GET', 'B GET the QR code of A\'s contact');
    },
  },
  'HEAD /v1/counterparties/:id/contacts/:contactId/telegram-qr.png': {
    async foreign(ctx) {
      const url = `/v1/counterparties/${A_IDS.counterparty}/contacts/${ctx.a.contactId}/telegram-qr.png`;
      expectNotFound(ctx, await asB(ctx, 'HEAD', url), 'HEAD', 'B HEAD the QR code of A\'s contact');
    },
  },
  'PUT /v1/counterparties/:id': {
    async foreign(ctx) {
      const url = `/v1/counterparties/${A_IDS.counterparty}`;
      // Without a name the client would have to exist already: for B it does not.
      const unnamed = await asB(ctx, 'PUT', url, { managerId: 'manager-1' });
      expectStatus(unnamed, 400, 'B changes A\'s client without a name');
      // A's manager and A's event type are not B's to refer to.
      const onManager = await asB(ctx, 'PUT', url, { name: B_DATA.counterpartyName, managerId: A_IDS.manager });
      expectStatus(onManager, 422, 'B refers to A\'s manager');
      expect(onManager.json().error.code).toBe('INVALID_REFERENCE');
      const onType = await asB(ctx, 'PUT', url, { name: B_DATA.counterpartyName, overrides: { [A_IDS.eventType]: { send: true } } });
      expectStatus(onType, 422, 'B overrides A\'s event type');
      expect(onType.json().error.code).toBe('INVALID_REFERENCE');
      for (const res of [unnamed, onManager, onType]) expectNothingOfA(ctx, res, 'B PUT A\'s client', { ids: false });
      // None of the refusals made a client for B.
      expectNotFound(ctx, await asB(ctx, 'GET', url), 'GET', 'B GET a-secret-client after refusals');
    },
    async own(ctx) {
      // Runs after B made its own a-manager and a.private: those are B's to refer to. A's contact id is not B's to update.
      const res = await asB(ctx, 'PUT', `/v1/counterparties/${A_IDS.counterparty}`, {
        name: B_DATA.counterpartyName,
        managerId: A_IDS.manager,
        contacts: [{ id: ctx.a.contactId, name: B_DATA.contactName, email: B_DATA.contactEmail, telegramChatId: '800100200' }],
        overrides: { [A_IDS.eventType]: { send: true } },
      });
      expectStatus(res, 200, 'B creates its own a-secret-client');
      const body = res.json();
      expect(body).toMatchObject({ id: A_IDS.counterparty, name: B_DATA.counterpartyName, managerId: A_IDS.manager });
      expect(body.contacts).toHaveLength(1);
      expect(body.contacts[0]).toMatchObject({ name: B_DATA.contactName, email: B_DATA.contactEmail });
      expect(body.contacts[0].id).not.toBe(ctx.a.contactId);
      expectNothingOfA(ctx, res, 'B PUT its own a-secret-client', { ids: false });
    },
  },

  'GET /v1/managers': {
    async foreign(ctx) {
      const body = await expectListOfB(ctx, '/v1/managers', { ids: true });
      expect((body.items as { id: string }[]).map((m) => m.id)).not.toContain(A_IDS.manager);
    },
  },
  'HEAD /v1/managers': {
    async foreign(ctx) {
      await expectCleanList(ctx, 'HEAD', '/v1/managers', { ids: true });
    },
  },
  'GET /v1/managers/:id': {
    async foreign(ctx) {
      expectNotFound(ctx, await asB(ctx, 'GET', `/v1/managers/${A_IDS.manager}`), 'GET', 'B GET A\'s manager');
    },
    async own(ctx) {
      const res = expectStatus(await asB(ctx, 'GET', `/v1/managers/${A_IDS.manager}`), 200, 'B GET its own a-manager');
      expect(res.json()).toEqual({ id: A_IDS.manager, name: B_DATA.managerName, email: B_DATA.managerEmail, phone: null, telegramChatId: null });
    },
  },
  'HEAD /v1/managers/:id': {
    async foreign(ctx) {
      expectNotFound(ctx, await asB(ctx, 'HEAD', `/v1/managers/${A_IDS.manager}`), 'HEAD', 'B HEAD A\'s manager');
    },
  },
  'PUT /v1/managers/:id': {
    async own(ctx) {
      const res = await asB(ctx, 'PUT', `/v1/managers/${A_IDS.manager}`, { name: B_DATA.managerName, email: B_DATA.managerEmail });
      expectStatus(res, 200, 'B creates its own a-manager');
      expect(res.json()).toEqual({ id: A_IDS.manager, name: B_DATA.managerName, email: B_DATA.managerEmail, phone: null, telegramChatId: null });
      // B's history says "create": B had no a-manager before.
      const history = expectStatus(await asB(ctx, 'GET', `/v1/config-changes?entity=manager&entityId=${A_IDS.manager}`), 200, 'B GET its manager history');
      expect(history.json().items).toMatchObject([{ action: 'create', before: null }]);
      expectNothingOfA(ctx, history, 'B GET its manager history', { ids: false });
    },
  },

  'GET /v1/api-keys': {
    async foreign(ctx) {
      await expectListOfB(ctx, '/v1/api-keys', { ids: true });
    },
  },
  'HEAD /v1/api-keys': {
    async foreign(ctx) {
      await expectCleanList(ctx, 'HEAD', '/v1/api-keys', { ids: true });
    },
  },
  'POST /v1/api-keys': {
    async own(ctx) {
      const res = await asB(ctx, 'POST', '/v1/api-keys', { name: 'beta-key', roles: ['settings:admin'] });
      expectStatus(res, 201, 'B makes a key');
      // B's new key is a key of B: it sees B's settings.
      const settings = expectStatus(await ctx.h.request({ method: 'GET', url: '/v1/settings', key: res.json().key }), 200, 'B\'s new key reads settings');
      expect(settings.json().companyId).toBe(ctx.bCompanyId);
      expectNothingOfA(ctx, settings, 'B\'s new key reads settings', { ids: false });
    },
  },
  'DELETE /v1/api-keys/:id': {
    async foreign(ctx) {
      for (const id of [ctx.a.keyId, ctx.a.adminKeyId]) {
        expectNotFound(ctx, await asB(ctx, 'DELETE', `/v1/api-keys/${id}`), 'DELETE', `B revokes A's key ${id}`);
      }
      // A's keys still work.
      for (const key of [ctx.a.key, ctx.a.adminKey]) {
        const res = expectStatus(await ctx.h.request({ method: 'GET', url: '/v1/settings', key }), 200, 'A\'s key after B tried to revoke it');
        expect(res.json().companyId).toBe(ctx.a.companyId);
      }
    },
  },

  'GET /v1/users': {
    async foreign(ctx) {
      const res = await expectCleanList(ctx, 'GET', '/v1/users', { ids: true });
      expect((res.json().items as { id: number }[]).map((u) => u.id)).not.toContain(ctx.a.userId);
    },
  },
  'HEAD /v1/users': {
    async foreign(ctx) {
      await expectCleanList(ctx, 'HEAD', '/v1/users', { ids: true });
    },
  },
  'POST /v1/users': {
    async own(ctx) {
      const password = 'beta-user-password';
      expectStatus(await asB(ctx, 'POST', '/v1/users', { login: 'beta-user', name: 'Бета Пользователь', password, roles: ['settings:admin', 'journal:read'] }), 201, 'B makes a user');
      // A's login and password do not open B, and B's new user is a user of B.
      const signIn = (login: string, pass: string) =>
        ctx.h.app.inject({ method: 'POST', url: '/v1/session', payload: { login, password: pass, companyId: ctx.bCompanyId } });
      expectStatus(await signIn(A_DATA.userLogin, A_DATA.userPassword), 401, 'A\'s user signs in to B');
      const session = expectStatus(await signIn('beta-user', password), 200, 'B\'s user signs in');
      expect(session.json().user.companyId).toBe(ctx.bCompanyId);
      const cookie = /^notify_session=([^;]+)/.exec([session.headers['set-cookie'] ?? []].flat()[0] ?? '')?.[1];
      const asUser = { userId: session.json().user.id as number, token: cookie!, csrfToken: session.json().csrfToken as string };
      for (const url of ['/v1/users', '/v1/settings', '/v1/journal?limit=500']) {
        const res = expectStatus(await ctx.h.request({ method: 'GET', url, session: asUser }), 200, `B's user GET ${url}`);
        // B has objects of its own under A's ids by now (the probes' `own` phase): A's strings are what must not show.
        expectNothingOfA(ctx, res, `B's user GET ${url}`, { ids: false });
        if (url === '/v1/users') expect((res.json().items as { id: number }[]).map((u) => u.id)).not.toContain(ctx.a.userId);
      }
    },
  },
  'PATCH /v1/users/:id': {
    async foreign(ctx) {
      const res = await asB(ctx, 'PATCH', `/v1/users/${ctx.a.userId}`, { active: false, password: 'taken-over-by-b' });
      expectNotFound(ctx, res, 'PATCH', 'B changes A\'s user');
      const signIn = await ctx.h.app.inject({
        method: 'POST',
        url: '/v1/session',
        payload: { login: A_DATA.userLogin, password: A_DATA.userPassword, companyId: ctx.a.companyId },
      });
      expectStatus(signIn, 200, 'A\'s user signs in after B tried to change it');
    },
  },

  'POST /v1/messaging/test': {
    async foreign(ctx) {
      // B has no bot: a test to A's subscribed chat must not go out through A's bot.
      const viaTelegram = await asB(ctx, 'POST', '/v1/messaging/test', { channel: 'telegram', to: A_DATA.contactChatId, text: B_DATA.testText });
      expectStatus(viaTelegram, 200, 'B tests Telegram');
      expect(viaTelegram.json()).toMatchObject({ ok: false, channel: 'telegram' });
      expectNothingOfA(ctx, viaTelegram, 'B tests Telegram', { ids: true });
      expect(ctx.telegram.sent.filter((m) => m.text.includes(B_DATA.testText) || m.chatId === A_DATA.contactChatId)).toEqual([]);

      // A test e-mail of B goes out as B, never with A's sender.
      const before = ctx.h.smtp.messages.length;
      const viaEmail = await asB(ctx, 'POST', '/v1/messaging/test', { channel: 'email', to: 'inbox@beta.example', text: B_DATA.testText });
      expectStatus(viaEmail, 200, 'B tests e-mail');
      expect(viaEmail.json()).toMatchObject({ ok: true, channel: 'email' });
      const [mail] = (await ctx.h.smtp.waitForMessages(before + 1, 10_000)).slice(before);
      expect(mail?.to).toEqual(['inbox@beta.example']);
      const raw = mail!.raw.toString('utf8');
      expect(raw).toContain(B_DATA.testText);
      expect(raw).not.toContain(A_DATA.emailFrom);
      expect(mail!.from).not.toBe(A_DATA.emailFrom);
    },
  },
  'GET /v1/messaging/sms/balance': {
    async foreign(ctx) {
      await expectCleanList(ctx, 'GET', '/v1/messaging/sms/balance', { ids: true });
    },
  },
  'HEAD /v1/messaging/sms/balance': {
    async foreign(ctx) {
      await expectCleanList(ctx, 'HEAD', '/v1/messaging/sms/balance', { ids: true });
    },
  },

  'GET /v1/schedules': {
    async foreign(ctx) {
      await expectListOfB(ctx, '/v1/schedules', { ids: true });
    },
  },
  'HEAD /v1/schedules': {
    async foreign(ctx) {
      await expectCleanList(ctx, 'HEAD', '/v1/schedules', { ids: true });
    },
  },
  'PUT /v1/schedules/:name': {
    async own(ctx) {
      // A paused both of its schedules; B resumes and changes its own of the same name.
      for (const name of SCHEDULE_NAMES) {
        const res = await asB(ctx, 'PUT', `/v1/schedules/${name}`, { every: '2h', paused: false });
        expectStatus(res, 200, `B changes its ${name}`);
        expect(res.json()).toMatchObject({ name, every: '2h', paused: false });
        expect(res.json().scheduleId).toBe(scheduleIdOf({ name, companyId: ctx.bCompanyId }, ctx.h.taskQueue));
        expectNothingOfA(ctx, res, `B PUT /v1/schedules/${name}`, { ids: true });
      }
    },
  },
  'POST /v1/schedules/:name/trigger': {
    async own(ctx) {
      for (const name of SCHEDULE_NAMES) {
        const res = await asB(ctx, 'POST', `/v1/schedules/${name}/trigger`);
        expectStatus(res, 202, `B triggers its ${name}`);
        expect(res.json().scheduleId).toBe(scheduleIdOf({ name, companyId: ctx.bCompanyId }, ctx.h.taskQueue));
        expectNothingOfA(ctx, res, `B triggers ${name}`, { ids: true });
      }
    },
  },

  'GET /v1/config-changes': {
    async foreign(ctx) {
      await expectListOfB(ctx, '/v1/config-changes?limit=200', { ids: true });
      const queries = [
        `entity=counterparty&entityId=${A_IDS.counterparty}`,
        `entity=manager&entityId=${A_IDS.manager}`,
        `entity=event_type&entityId=${A_IDS.eventType}`,
        `entity=api_key&entityId=${ctx.a.keyId}`,
        `entity=settings&entityId=${ctx.a.companyId}`,
        'entity=schedule',
      ];
      for (const query of queries) {
        const res = await expectCleanList(ctx, 'GET', `/v1/config-changes?${query}`, { ids: true });
        expect(res.json().items, `B GET /v1/config-changes?${query}`).toEqual([]);
      }
    },
  },
  'HEAD /v1/config-changes': {
    async foreign(ctx) {
      await expectCleanList(ctx, 'HEAD', '/v1/config-changes', { ids: true });
    },
  },
};

const routeKey = (method: string, url: string) => `${method} ${url}`;

/** Polls until company `companyId` has an entry of `status` for the event; returns the ids of those entries. */
async function waitForEntries(h: Harness, companyId: string, eventId: string, status: string): Promise<number[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rows = await h.db
      .select({ id: journalEntries.id })
      .from(journalEntries)
      .where(and(eq(journalEntries.companyId, companyId), eq(journalEntries.eventId, eventId), eq(journalEntries.status, status)));
    if (rows.length > 0) return rows.map((r) => r.id).sort((x, y) => x - y);
    if (Date.now() > deadline) throw new Error(`${companyId}/${eventId}: no journal entry "${status}" within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('tenant isolation: a key of company B never reads or changes company A', () => {
  let ctx: Ctx;
  /** A as A saw it right after making it. */
  let snapshot: Record<string, unknown>;
  let harness: Harness | undefined;
  let bot: TelegramBotApiPeer | undefined;
  let bCompanyId = '';

  beforeAll(async () => {
    const telegram = (bot = await startTelegramBotApi({ botUsername: A_DATA.botUsername }));
    const h = (harness = await createHarness({ telegramApiRoot: telegram.apiRoot }));
    bCompanyId = `tenant-b-${randomBytes(4).toString('hex')}`;
    const seededB = await seedDemo(h.db, bCompanyId);
    if (!seededB.apiKey) throw new Error('seeding company B made no key');

    const a = async (method: Method, url: string, payload?: object, status = 200) =>
      expectStatus(await h.request({ method, url, key: h.apiKey, ...(payload === undefined ? {} : { payload }) }), status, `A ${method} ${url}`);

    // A's settings, with a bot token (polled from the local Bot API peer).
    await a('PUT', '/v1/settings', {
      name: A_DATA.companyName,
      email: { from: A_DATA.emailFrom, fromName: A_DATA.emailFromName },
      adminEmail: A_DATA.adminEmail,
      telegram: { botToken: telegram.token, botUsername: A_DATA.botUsername, autoReply: A_DATA.autoReply },
      // Nothing listens there: A's balance is never asked in this test, and never from the real SMS.ru.
      providers: [{ id: A_IDS.smsProvider, kind: 'sms_ru', name: A_DATA.providerName, config: { baseUrl: 'http://127.0.0.1:9' }, secrets: { apiId: A_DATA.providerApiId } }],
      sms: { primaryProviderId: A_IDS.smsProvider },
    });
    await a('PUT', `/v1/managers/${A_IDS.manager}`, { name: A_DATA.managerName, email: A_DATA.managerEmail, phone: A_DATA.managerPhone });
    // Tracked by the manager: a client who turned it off gets a "not sent, tracked" entry (R14).
    await a('PUT', `/v1/event-types/${A_IDS.eventType}`, {
      name: A_DATA.eventTypeName,
      description: A_DATA.eventTypeDescription,
      variables: [{ name: 'orderNumber', description: 'Номер заказа', example: A_DATA.variableExample }],
      channels: ['email'],
      sendToClient: true,
      sendToManager: false,
      trackedByManager: true,
      templates: { client: { email: { subject: A_DATA.templateSubject, text: A_DATA.templateText } } },
    });
    const client = await a('PUT', `/v1/counterparties/${A_IDS.counterparty}`, {
      name: A_DATA.counterpartyName,
      managerId: A_IDS.manager,
      contacts: [{ name: A_DATA.contactName, email: A_DATA.contactEmail, phone: A_DATA.contactPhone, telegramChatId: A_DATA.contactChatId }],
      overrides: { [A_IDS.eventType]: { send: false } },
    });
    const contact = client.json().contacts[0] as { id: number; telegram: { link: string | null } };
    const linkToken = new URL(contact.telegram.link ?? 'https://t.me/none').searchParams.get('start');
    if (!linkToken) throw new Error(`A's contact has no Telegram link: ${client.body}`);

    const event = await a('POST', '/v1/events', { id: A_IDS.event, type: A_IDS.eventType, counterpartyId: A_IDS.counterparty, data: { orderNumber: A_DATA.orderNumber } }, 202);
    const [trackedEntryId] = await waitForEntries(h, h.companyId, A_IDS.event, 'not_sent_tracked');
    await waitForEntries(h, h.companyId, A_IDS.event, 'completed');

    const key = (await a('POST', '/v1/api-keys', { name: A_DATA.keyName, roles: ['settings:admin', 'journal:read'] }, 201)).json() as { id: number; key: string };
    // A's schedules exist and are paused, with periods of A's own.
    await a('PUT', '/v1/schedules/email-dispatch', { every: '6h', paused: true });
    await a('PUT', '/v1/schedules/sms-balance', { every: '7h', paused: true });

    const user = (await a('POST', '/v1/users', { login: A_DATA.userLogin, name: A_DATA.userName, password: A_DATA.userPassword, roles: ['journal:read'] }, 201)).json() as {
      id: number;
    };
    const keys = (await a('GET', '/v1/api-keys')).json().items as { id: number; name: string }[];
    const adminKeyId = keys.find((k) => k.name === 'demo admin')?.id;
    if (adminKeyId === undefined) throw new Error('A has no seeded admin key');
    const journal = (await a('GET', '/v1/journal?limit=500')).json().items as { id: number }[];
    const changes = (await a('GET', '/v1/config-changes?limit=200')).json().items as { id: number }[];

    ctx = {
      h,
      bCompanyId,
      bKey: seededB.apiKey,
      telegram,
      a: {
        companyId: h.companyId,
        adminKey: h.apiKey,
        adminKeyId,
        keyId: key.id,
        key: key.key,
        contactId: contact.id,
        linkToken,
        workflowId: event.json().workflowId,
        trackedEntryId: trackedEntryId!,
        entryIds: journal.map((e) => e.id),
        configChangeIds: changes.map((c) => c.id),
        botToken: telegram.token,
        userId: user.id,
      },
    };
    snapshot = await readA(ctx);
    // The setup is what the probes assume.
    expect(snapshot.event).toMatchObject({ eventId: A_IDS.event, state: 'completed', data: { orderNumber: A_DATA.orderNumber } });
    expect((snapshot.event as { journal: { id: number; status: string }[] }).journal).toContainEqual(
      expect.objectContaining({ id: trackedEntryId, status: 'not_sent_tracked', recipient: A_DATA.contactEmail }),
    );
    expect(snapshot.settings).toMatchObject({ companyId: h.companyId, telegram: { botToken: { set: true } } });
  });

  afterAll(async () => {
    const h = harness;
    if (h) {
      await h.temporal.workflow.getHandle(`telegram-poll:${h.companyId}`).terminate('test finished').catch(() => undefined);
      for (const companyId of [h.companyId, bCompanyId]) {
        for (const name of SCHEDULE_NAMES) {
          await h.temporal.schedule.getHandle(scheduleIdOf({ name, companyId }, h.taskQueue)).delete().catch(() => undefined);
        }
      }
      await h.close();
    }
    await bot?.stop();
  });

  /** After anything B did that could write: A, read through A's key, is exactly as it was. */
  const expectAUnchanged = async () => {
    expect(await readA(ctx)).toEqual(snapshot);
  };

  it('has a probe for exactly the authenticated routes the app serves', () => {
    const served = ctx.h.app.routeRoles.map((r) => routeKey(r.method, r.url)).sort();
    expect(Object.keys(PROBES).sort()).toEqual(served);
    for (const [route, probe] of Object.entries(PROBES)) expect(probe.foreign ?? probe.own, route).toBeDefined();
  });

  it('finds A\'s data in A\'s own answers, so that its absence from B\'s means something', async () => {
    const expected: Record<keyof typeof LISTS, string[]> = {
      '/v1/journal?limit=500': [A_DATA.contactEmail, A_DATA.orderNumber, ctx.a.workflowId],
      '/v1/counterparties?limit=500': [A_IDS.counterparty, A_DATA.counterpartyName, A_DATA.contactName, A_DATA.contactEmail, ctx.a.linkToken],
      '/v1/managers': [A_IDS.manager, A_DATA.managerName, A_DATA.managerEmail],
      '/v1/event-types': [A_IDS.eventType, A_DATA.eventTypeName, A_DATA.templateText],
      '/v1/api-keys': [A_DATA.keyName],
      '/v1/config-changes?limit=200': [A_DATA.companyName, A_DATA.managerName, A_DATA.eventTypeName],
      '/v1/schedules': [ctx.a.companyId],
      '/v1/settings': [ctx.a.companyId, A_IDS.smsProvider, A_DATA.companyName, A_DATA.botUsername, A_DATA.autoReply, A_DATA.providerName],
    };
    expect(Object.keys(expected).sort()).toEqual(Object.keys(LISTS).sort());
    for (const [url, strings] of Object.entries(expected)) {
      const res = expectStatus(await ctx.h.request({ method: 'GET', url, key: ctx.a.adminKey }), 200, `A GET ${url}`);
      for (const s of strings) expect(res.body, `A GET ${url}`).toContain(s);
      // Schedules carry no data of A's, only its company id.
      if (url !== '/v1/schedules') expect(res.body).toMatch(/alpha|альфа/i);
    }
  });

  it('B\'s key is a key of B', async () => {
    const res = expectStatus(await asB(ctx, 'GET', '/v1/settings'), 200, 'B GET /v1/settings');
    expect(res.json().companyId).toBe(ctx.bCompanyId);
  });

  describe('B aims at A\'s ids while it has nothing of those ids itself: 404, refusals, nothing of A shown or changed', () => {
    for (const [route, probe] of Object.entries(PROBES)) {
      if (!probe.foreign) continue;
      const foreign = probe.foreign;
      it(route, async () => {
        await foreign(ctx);
        if (!route.startsWith('GET ') && !route.startsWith('HEAD ')) await expectAUnchanged();
      });
    }
  });

  describe('B makes objects of its own under A\'s ids: they are B\'s, A\'s stay as they were', () => {
    // B's manager and event type first (its client refers to them, its preview uses the type), then its client.
    const order = ['PUT /v1/managers/:id', 'PUT /v1/event-types/:type', 'PUT /v1/counterparties/:id'];
    const routes = [...order, ...Object.keys(PROBES).filter((r) => !order.includes(r))];
    for (const route of routes) {
      const own = PROBES[route]?.own;
      if (!own) continue;
      it(route, async () => {
        await own(ctx);
        if (!route.startsWith('GET ') && !route.startsWith('HEAD ')) await expectAUnchanged();
      });
    }
  });

  it('after all of B\'s requests, A is unchanged and B\'s lists still show nothing of A', async () => {
    await expectAUnchanged();
    for (const url of Object.keys(LISTS)) await expectListOfB(ctx, url, { ids: false });
    // A's event is still A's alone, and still completed.
    expect(snapshot.event).toMatchObject({ workflowId: ctx.a.workflowId, state: 'completed' });
    // A's bot sent nothing on B's behalf.
    expect(ctx.telegram.sent.filter((m) => m.text.includes(B_DATA.testText))).toEqual([]);
  });
});
