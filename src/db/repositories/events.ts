import { and, eq, isNull, sql } from 'drizzle-orm';
import type { EventVariableDef } from '../../domain/vocabulary';
import type { Db } from '../client';
import { counterparties, events, eventTypes, type EventRow } from '../schema';

export type { EventRow };
export type NewEvent = typeof events.$inferInsert;

/** What an event's check needs to know about its type and client, in one round trip. */
export interface EventTargets {
  /** The type's declared variables; undefined when no such type is configured. */
  variables: EventVariableDef[] | undefined;
  counterpartyExists: boolean;
  /** The type's Russian name, for the run's summary in the Temporal UI. */
  typeName: string | undefined;
  /** The client's name, for the run's summary in the Temporal UI. */
  counterpartyName: string | undefined;
}

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

    /** The event type's variables and whether the client exists, for checking a posted event. */
    async targets(companyId: string, type: string, counterpartyId: string): Promise<EventTargets> {
      const [row] = await db.select(targetColumns(companyId, type, counterpartyId)).from(sql`(select 1) as one`);
      return targetsOf(row);
    },

    /**
     * A post's one read: the event stored under `id`, if any, and the targets
     * a new event of this type and client would have, in one statement.
     */
    async findWithTargets(
      companyId: string,
      id: string,
      type: string,
      counterpartyId: string,
    ): Promise<{ existing: EventRow | undefined; targets: EventTargets }> {
      const [row] = await db
        .select({ event: events, ...targetColumns(companyId, type, counterpartyId) })
        .from(sql`(select 1) as one`)
        .leftJoin(events, and(eq(events.companyId, companyId), eq(events.id, id)));
      return { existing: row?.event ?? undefined, targets: targetsOf(row) };
    },

    /**
     * Stores an event unless one with its id exists: a concurrent post of the
     * same id keeps the first. Returns the stored row when this call stored it.
     */
    async insertOnce(event: NewEvent): Promise<EventRow | undefined> {
      const [row] = await db.insert(events).values(event).onConflictDoNothing().returning();
      return row;
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

function targetColumns(companyId: string, type: string, counterpartyId: string) {
  return {
    variables: sql<EventVariableDef[] | null>`(select ${eventTypes.variables} from ${eventTypes} where ${eventTypes.companyId} = ${companyId} and ${eventTypes.type} = ${type})`,
    typeName: sql<string | null>`(select ${eventTypes.name} from ${eventTypes} where ${eventTypes.companyId} = ${companyId} and ${eventTypes.type} = ${type})`,
    counterpartyName: sql<
      string | null
    >`(select ${counterparties.name} from ${counterparties} where ${counterparties.companyId} = ${companyId} and ${counterparties.id} = ${counterpartyId})`,
  };
}

function targetsOf(row: { variables: EventVariableDef[] | null; typeName: string | null; counterpartyName: string | null } | undefined): EventTargets {
  return {
    variables: row?.variables ?? undefined,
    counterpartyExists: row?.counterpartyName !== null && row?.counterpartyName !== undefined,
    typeName: row?.typeName ?? undefined,
    counterpartyName: row?.counterpartyName ?? undefined,
  };
}
