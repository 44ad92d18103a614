import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../client';
import { events, type EventRow } from '../schema';

export type { EventRow };
export type NewEvent = typeof events.$inferInsert;

/** Events as posted by business systems, keyed by company and the caller's id. */
export function createEventRepository(db: Db) {
  return {
    async find(companyId: string, id: string): Promise<EventRow | undefined> {
      const [row] = await db
        .select()
        .from(events)
        .where(and(eq(events.companyId, companyId), eq(events.id, id)))
        .limit(1);
      return row;
    },

    /** Stores an event unless one with its id exists: a concurrent post of the same id keeps the first. */
    async insertOnce(event: NewEvent): Promise<void> {
      await db.insert(events).values(event).onConflictDoNothing();
    },

    /** Records the run Temporal accepted; a run already recorded stays. */
    async markStarted(companyId: string, id: string, runId: string): Promise<void> {
      await db
        .update(events)
        .set({ runId, startedAt: new Date() })
        .where(and(eq(events.companyId, companyId), eq(events.id, id), isNull(events.runId)));
    },
  };
}

export type EventRepository = ReturnType<typeof createEventRepository>;
