import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalEntries } from '../../src/db/schema';
import { ensureJournalRetentionSchedule, journalRetentionScheduleId } from '../../src/temporal/schedules';
import { buildEvent } from '../helpers/factories';
import { createHarness, type Harness } from '../helpers/harness';
import { journalOf, until } from '../helpers/scenario';

/**
 * Journal retention (JOURNAL_RETENTION_DAYS): the scheduled `purgeJournal`
 * deletes the journal of closed events older than the age, a whole event at a
 * time, in batches, and leaves newer events and open ones alone.
 */
let h: Harness;

beforeAll(async () => {
  h = await createHarness({ mode: 'live' });
});
afterAll(async () => {
  await h?.close();
});

async function completedEvent(): Promise<string> {
  const event = buildEvent();
  const posted = await h.request({ method: 'POST', url: '/v1/events', payload: event });
  expect(posted.statusCode, posted.body).toBe(202);
  const result = await h.temporal.workflow.getHandle(posted.json().workflowId).result();
  expect(result.outcome).toBe('completed');
  return event.id;
}

/** Moves every journal row of the events `days` into the past. */
async function age(eventIds: string[], days: number): Promise<void> {
  await h.db
    .update(journalEntries)
    .set({ createdAt: sql`now() - make_interval(days => ${days})` })
    .where(and(eq(journalEntries.companyId, h.companyId), inArray(journalEntries.eventId, eventIds)));
}

/** An event still open a long time ago: its last row has `status`, nothing newer. */
async function openEvent(status: 'awaiting_confirmation' | 'queued'): Promise<string> {
  const eventId = `open-${status}-${Math.random().toString(36).slice(2)}`;
  const base = { companyId: h.companyId, eventId, eventType: 'order.ready_for_pickup', counterpartyId: 'demo-client', workflowId: `event:${eventId}` };
  await h.db.insert(journalEntries).values([
    { ...base, stepKey: `${eventId}/received`, status: 'received', createdAt: sql`now() - interval '400 days'` },
    {
      ...base,
      stepKey: status === 'queued' ? `${eventId}/client/0/email/queued` : `${eventId}/awaiting`,
      status,
      ...(status === 'queued' ? { channel: 'email', recipient: 'queued@example.com' } : {}),
      createdAt: sql`now() - interval '399 days'`,
    },
  ]);
  return eventId;
}

describe('journal retention', () => {
  it('deletes in batches the journals of closed events older than the age, keeps newer and open ones, and a second run deletes nothing', async () => {
    const old = [await completedEvent(), await completedEvent(), await completedEvent()];
    const recent = await completedEvent();
    const straddling = await completedEvent();
    await age(old, 400);
    await age([recent], 30);
    // A delivery report or a manual step written recently keeps the whole event.
    await age([straddling], 400);
    const [last] = await h.db
      .select({ id: journalEntries.id })
      .from(journalEntries)
      .where(and(eq(journalEntries.companyId, h.companyId), eq(journalEntries.eventId, straddling)))
      .orderBy(sql`${journalEntries.id} desc`)
      .limit(1);
    await h.db.update(journalEntries).set({ createdAt: sql`now()` }).where(eq(journalEntries.id, last!.id));
    const awaiting = await openEvent('awaiting_confirmation');
    const queued = await openEvent('queued');
    const oldRows = (await Promise.all(old.map((id) => journalOf(h, id)))).flat().length;
    expect(oldRows).toBeGreaterThan(old.length);

    // Batches of one event: the cursor walks past the kept ones.
    const first = await h.temporal.workflow.execute('purgeJournal', {
      workflowId: `purge-${Date.now()}`,
      taskQueue: h.taskQueue,
      args: [{ olderThanDays: 365, batchSize: 1 }],
    });
    expect(first).toMatchObject({ deletedEvents: 3, deletedRows: oldRows, more: false });
    for (const id of old) expect(await journalOf(h, id)).toEqual([]);
    for (const id of [recent, straddling, awaiting, queued]) expect((await journalOf(h, id)).length, id).toBeGreaterThan(0);
    expect((await journalOf(h, straddling)).length).toBeGreaterThan(1);

    const again = await h.temporal.workflow.execute('purgeJournal', {
      workflowId: `purge-again-${Date.now()}`,
      taskQueue: h.taskQueue,
      args: [{ olderThanDays: 365, batchSize: 1 }],
    });
    expect(again).toMatchObject({ deletedEvents: 0, deletedRows: 0 });

    // A shorter age takes the 30-day-old event too.
    const shorter = await h.temporal.workflow.execute('purgeJournal', {
      workflowId: `purge-shorter-${Date.now()}`,
      taskQueue: h.taskQueue,
      args: [{ olderThanDays: 7 }],
    });
    expect(shorter.deletedEvents).toBe(1);
    expect(await journalOf(h, recent)).toEqual([]);
  }, 120_000);

  it('keeps one daily schedule in step with JOURNAL_RETENTION_DAYS, with a Russian note, and its run deletes old journals', async () => {
    const ctx = { client: h.temporal, taskQueue: h.taskQueue };
    const scheduleId = journalRetentionScheduleId(h.taskQueue);
    expect(await ensureJournalRetentionSchedule(ctx, undefined)).toBe('absent');
    expect(await ensureJournalRetentionSchedule(ctx, 365)).toBe('created');
    expect(await ensureJournalRetentionSchedule(ctx, 365)).toBe('unchanged');
    let described = await h.temporal.schedule.getHandle(scheduleId).describe();
    expect(described.spec.intervals?.[0]?.every).toBe(86_400_000);
    expect(described.state.note).toBe('Очистка журнала уведомлений: удаляются записи старше 365 дн.');
    expect(described.action.type === 'startWorkflow' && described.action.args).toEqual([{ olderThanDays: 365 }]);

    expect(await ensureJournalRetentionSchedule(ctx, 90)).toBe('updated');
    described = await h.temporal.schedule.getHandle(scheduleId).describe();
    expect(described.action.type === 'startWorkflow' && described.action.args).toEqual([{ olderThanDays: 90 }]);
    expect(described.state.note).toContain('старше 90 дн.');

    const old = await completedEvent();
    const kept = await completedEvent();
    await age([old], 100);
    await h.temporal.schedule.getHandle(scheduleId).trigger();
    await until(async () => ((await journalOf(h, old)).length === 0 ? true : undefined), 'the scheduled run to delete the old journal', 60_000);
    expect((await journalOf(h, kept)).length).toBeGreaterThan(0);

    expect(await ensureJournalRetentionSchedule(ctx, undefined)).toBe('deleted');
    await expect(h.temporal.schedule.getHandle(scheduleId).describe()).rejects.toThrow();
  }, 120_000);
});
