import { and, eq } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalEntries, type NewJournalEntry } from '../../src/db/schema';
import { buildEvent } from '../helpers/factories';
import { createHarness, type Harness, type TestSession } from '../helpers/harness';

interface Confirmation {
  entryId: number;
  eventId: string;
  eventType: string;
  eventTypeName: string | null;
  counterpartyId: string;
  counterpartyName: string | null;
  managerId: string | null;
  createdAt: string;
  expiresAt: string | null;
  pending: { recipient: string; channel: string; text: string; recipientName: string }[];
}
interface Tracked {
  id: number;
  eventId: string;
  counterpartyId: string;
  counterpartyName: string | null;
  status: string;
  recipient: string | null;
  body: string | null;
}

/**
 * The work queues of the console (R13, R14, R20), computed by the API from
 * the whole journal: what waits for a decision and what waits for a manager.
 */
describe('work queues: GET /v1/queues/* (R13, R14, R20)', () => {
  let h: Harness;
  /** The demo manager (manager-1, Ольга Соколова), signed in. */
  let manager: TestSession;
  /** A second manager's user (manager-2). */
  let otherManager: TestSession;
  /** A signed-in person who is no manager. */
  let admin: TestSession;
  /** Awaiting events: of manager-1's client and of manager-2's. */
  let mineAwaiting: string;
  let othersAwaiting: string;
  /** Tracked entries: two of manager-1's client, one of manager-2's. */
  let trackedMine: number[];
  let trackedOthers: number;

  const ok = (res: LightMyRequestResponse, status = 200) => {
    expect(res.statusCode, res.body).toBe(status);
    return res;
  };
  const get = async <T>(url: string, session?: TestSession): Promise<T> =>
    ok(await h.request({ method: 'GET', url, ...(session ? { session } : {}) })).json() as T;

  const waitForStatus = async (eventId: string, status: string, count = 1): Promise<number[]> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const rows = await h.db
        .select({ id: journalEntries.id })
        .from(journalEntries)
        .where(and(eq(journalEntries.companyId, h.companyId), eq(journalEntries.eventId, eventId), eq(journalEntries.status, status)));
      if (rows.length >= count) return rows.map((r) => r.id).sort((a, b) => a - b);
      if (Date.now() > deadline) throw new Error(`event ${eventId}: no ${count} entries "${status}" within 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  /** Every page of a queue, following `next`. */
  const all = async <T>(path: string, session?: TestSession): Promise<T[]> => {
    const items: T[] = [];
    let cursor: number | null = null;
    for (;;) {
      const sep = path.includes('?') ? '&' : '?';
      const page: { items: T[]; next: number | null } = await get(`${path}${sep}limit=2${cursor ? `&cursor=${cursor}` : ''}`, session);
      items.push(...page.items);
      if (page.next === null) return items;
      cursor = page.next;
    }
  };

  beforeAll(async () => {
    h = await createHarness();
    ok(await h.request({ method: 'PUT', url: '/v1/managers/manager-2', payload: { name: 'Пётр Волков', email: 'p.volkov@demo-parts.example' } }));
    manager = await h.signIn('manager', h.demoPasswords.manager);
    otherManager = await h.userWithRoles(['journal:read', 'journal:write'], { name: 'Пётр Волков', managerId: 'manager-2' });
    admin = await h.signIn('admin', h.demoPasswords.admin);

    // Confirmation first (R13): one event of each manager's client.
    ok(
      await h.request({
        method: 'PUT',
        url: '/v1/event-types/queue.confirm',
        payload: {
          name: 'Отгрузка по предоплате',
          confirmBeforeSend: true,
          channels: ['email'],
          variables: [{ name: 'orderNumber', description: 'Номер заказа', example: 'ЗК-0001' }],
          templates: { client: { email: { subject: 'Отгрузка {{ orderNumber }}', text: 'Здравствуйте, {{ recipient.name }}! Заказ {{ orderNumber }} отгружен.' } } },
        },
      }),
    );
    ok(
      await h.request({
        method: 'PUT',
        url: '/v1/counterparties/queue-other',
        payload: { name: 'ООО «Василёк»', managerId: 'manager-2', contacts: [{ name: 'Мария Иванова', email: 'maria@vasilek.example' }] },
      }),
    );
    const mineEvent = buildEvent({ type: 'queue.confirm', data: { orderNumber: 'ЗК-7001' } });
    const othersEvent = buildEvent({ type: 'queue.confirm', counterpartyId: 'queue-other', data: { orderNumber: 'ЗК-7002' } });
    mineAwaiting = mineEvent.id;
    othersAwaiting = othersEvent.id;
    // One after the other, so that the newest-first order is known.
    ok(await h.request({ method: 'POST', url: '/v1/events', payload: mineEvent }), 202);
    await waitForStatus(mineAwaiting, 'awaiting_confirmation');
    ok(await h.request({ method: 'POST', url: '/v1/events', payload: othersEvent }), 202);
    await waitForStatus(othersAwaiting, 'awaiting_confirmation');

    // Tracked by the manager (R14): clients that turned "order ready" off.
    ok(await h.request({ method: 'PUT', url: '/v1/event-types/order.ready_for_pickup', payload: { trackedByManager: true } }));
    for (const [id, managerId, contacts] of [
      ['queue-tracked-1', 'manager-1', 2],
      ['queue-tracked-2', 'manager-2', 1],
    ] as const) {
      ok(
        await h.request({
          method: 'PUT',
          url: `/v1/counterparties/${id}`,
          payload: {
            name: `ООО «Отслеживаемый ${id.slice(-1)}»`,
            managerId,
            contacts: Array.from({ length: contacts }, (_, i) => ({ name: `Контакт ${i + 1}`, email: `c${i + 1}@${id}.example` })),
            overrides: { 'order.ready_for_pickup': { send: false } },
          },
        }),
      );
    }
    const t1 = buildEvent({ counterpartyId: 'queue-tracked-1' });
    const t2 = buildEvent({ counterpartyId: 'queue-tracked-2' });
    ok(await h.request({ method: 'POST', url: '/v1/events', payload: t1 }), 202);
    trackedMine = await waitForStatus(t1.id, 'not_sent_tracked', 2);
    ok(await h.request({ method: 'POST', url: '/v1/events', payload: t2 }), 202);
    [trackedOthers] = (await waitForStatus(t2.id, 'not_sent_tracked', 1)) as [number];

    // Then a busy day: 600 events decided since, newer than the waiting ones (1200 journal rows), and another company's waiting work.
    const filler: NewJournalEntry[] = [];
    for (let i = 0; i < 600; i++) {
      const eventId = `queue-filler-${i}`;
      const workflowId = `event:${h.companyId}:${eventId}`;
      const base = { companyId: h.companyId, eventId, eventType: 'queue.confirm', counterpartyId: 'demo-client', workflowId };
      filler.push({ ...base, stepKey: `${workflowId}/awaiting_confirmation`, status: 'awaiting_confirmation', details: { pending: [] } });
      filler.push({ ...base, stepKey: `${workflowId}/approved`, status: i % 2 ? 'approved' : 'expired' });
    }
    const foreign = { companyId: 'queue-foreign-company', eventType: 'queue.confirm', counterpartyId: 'demo-client' };
    filler.push({ ...foreign, eventId: 'f-1', workflowId: 'event:queue-foreign-company:f-1', stepKey: `event:queue-foreign-company:f-1/awaiting_confirmation`, status: 'awaiting_confirmation' });
    filler.push({ ...foreign, eventId: 'f-2', workflowId: 'event:queue-foreign-company:f-2', stepKey: `event:queue-foreign-company:f-2/c/email/tracked`, status: 'not_sent_tracked' });
    for (let i = 0; i < filler.length; i += 400) await h.db.insert(journalEntries).values(filler.slice(i, i + 400));
    // The way the console used to look: the newest 500 awaiting entries no longer include the waiting events.
    const newest = await get<{ items: { eventId: string }[] }>('/v1/journal?status=awaiting_confirmation&limit=500');
    expect(newest.items.map((e) => e.eventId)).not.toContain(mineAwaiting);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  it('lists the events awaiting confirmation behind 1200 newer journal rows, newest first, with their texts, names and no decided or foreign ones', async () => {
    const items = await all<Confirmation>('/v1/queues/confirmations');
    expect(items.map((i) => i.eventId)).toEqual([othersAwaiting, mineAwaiting]);
    const mine = items[1]!;
    expect(mine).toMatchObject({
      eventType: 'queue.confirm',
      eventTypeName: 'Отгрузка по предоплате',
      counterpartyId: 'demo-client',
      counterpartyName: 'ООО «Ромашка»',
      managerId: 'manager-1',
    });
    expect(Date.parse(mine.expiresAt!)).toBeGreaterThan(Date.parse(mine.createdAt));
    expect(mine.pending.length).toBeGreaterThan(0);
    for (const p of mine.pending) expect(p).toMatchObject({ channel: 'email', recipient: expect.stringContaining('@'), text: expect.stringContaining('Заказ ЗК-7001 отгружен') });
    // The same texts as the event's page shows.
    const event = await get<{ pending: unknown[] }>(`/v1/events/${mineAwaiting}`);
    expect(mine.pending).toEqual(event.pending);
  });

  it('lists tracked entries nobody acted on, newest first, with paging', async () => {
    const items = await all<Tracked>('/v1/queues/tracked');
    expect(items.map((i) => i.id)).toEqual([trackedOthers, ...[...trackedMine].reverse()]);
    expect(items.every((i) => i.status === 'not_sent_tracked')).toBe(true);
    expect(items[0]).toMatchObject({ counterpartyId: 'queue-tracked-2', counterpartyName: 'ООО «Отслеживаемый 2»' });
    expect(items[1]!.body).toContain('ЗК-000123');
  });

  it('shows a manager only their clients with mine=true, and filters by client', async () => {
    expect((await all<Confirmation>('/v1/queues/confirmations?mine=true', manager)).map((i) => i.eventId)).toEqual([mineAwaiting]);
    expect((await all<Confirmation>('/v1/queues/confirmations?mine=true', otherManager)).map((i) => i.eventId)).toEqual([othersAwaiting]);
    expect((await all<Tracked>('/v1/queues/tracked?mine=true', manager)).map((i) => i.id).sort()).toEqual([...trackedMine].sort());
    expect((await all<Tracked>('/v1/queues/tracked?mine=true', otherManager)).map((i) => i.id)).toEqual([trackedOthers]);
    // Without mine, a manager sees everything like anyone else.
    expect(await all<Confirmation>('/v1/queues/confirmations', manager)).toHaveLength(2);
    expect((await all<Confirmation>('/v1/queues/confirmations?counterpartyId=queue-other')).map((i) => i.eventId)).toEqual([othersAwaiting]);
    expect((await all<Tracked>('/v1/queues/tracked?counterpartyId=queue-tracked-2')).map((i) => i.id)).toEqual([trackedOthers]);
    expect(await get('/v1/queues/counts?mine=true', manager)).toEqual({ confirmations: 1, tracked: 2 });
    expect(await get('/v1/queues/counts?mine=true', otherManager)).toEqual({ confirmations: 1, tracked: 1 });
    expect(await get('/v1/queues/counts?counterpartyId=queue-tracked-1')).toEqual({ confirmations: 0, tracked: 2 });
  });

  it('answers 400 naming mine to an API key and to a person who is no manager', async () => {
    for (const url of ['/v1/queues/confirmations?mine=true', '/v1/queues/tracked?mine=true', '/v1/queues/counts?mine=true']) {
      for (const who of [{}, { session: admin }]) {
        const res = await h.request({ method: 'GET', url, ...who });
        expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
        expect(res.json().error.details).toEqual([expect.objectContaining({ path: '/mine' })]);
      }
    }
    // mine=false is no filter at all.
    expect(await get('/v1/queues/counts?mine=false')).toEqual({ confirmations: 2, tracked: 3 });
  });

  it('counts what the lists hold', async () => {
    const counts = await get<{ confirmations: number; tracked: number }>('/v1/queues/counts');
    expect(counts).toEqual({
      confirmations: (await all('/v1/queues/confirmations')).length,
      tracked: (await all('/v1/queues/tracked')).length,
    });
    expect(counts).toEqual({ confirmations: 2, tracked: 3 });
  });

  it('drops a decided event, a tracked entry sent by hand and one whose status changed; the counts follow', async () => {
    ok(await h.request({ method: 'POST', url: `/v1/events/${mineAwaiting}/decision`, session: manager, payload: { approve: true } }));
    await waitForStatus(mineAwaiting, 'approved');
    expect((await all<Confirmation>('/v1/queues/confirmations')).map((i) => i.eventId)).toEqual([othersAwaiting]);

    const [toSend, toChange] = trackedMine as [number, number];
    ok(await h.request({ method: 'POST', url: `/v1/journal/${toSend}/send`, session: manager, payload: { comment: 'Клиент попросил' } }));
    expect((await all<Tracked>('/v1/queues/tracked')).map((i) => i.id)).toEqual([trackedOthers, toChange]);
    ok(await h.request({ method: 'PATCH', url: `/v1/journal/${toChange}`, session: manager, payload: { status: 'resolved', comment: 'Позвонила' } }));
    expect((await all<Tracked>('/v1/queues/tracked')).map((i) => i.id)).toEqual([trackedOthers]);

    expect(await get('/v1/queues/counts')).toEqual({ confirmations: 1, tracked: 1 });
    expect(await get('/v1/queues/counts?mine=true', manager)).toEqual({ confirmations: 0, tracked: 0 });
    expect(await get('/v1/queues/counts?mine=true', otherManager)).toEqual({ confirmations: 1, tracked: 1 });
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = await get<{ paths: Record<string, { get?: { parameters?: { name: string }[] } }> }>('/docs/json');
    for (const path of ['/v1/queues/confirmations', '/v1/queues/tracked', '/v1/queues/counts']) {
      expect(doc.paths[path]?.get?.parameters?.map((p) => p.name), path).toContain('mine');
    }
  });

});
