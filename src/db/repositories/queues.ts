import { and, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
import { MESSAGE_WORKFLOW_PREFIXES } from '../../domain/messages';
import type { Db } from '../client';
import { counterparties, eventTypes, journalEntries, type JournalEntry } from '../schema';

/** Which waiting items a caller wants. */
export interface QueueFilter {
  counterpartyId?: string | undefined;
  /** Only the clients this manager is responsible for ("my clients"). */
  managerId?: string | undefined;
  /** Cursor: only entries older than this id. */
  before?: number | undefined;
  limit: number;
}

/** A waiting journal entry with the names a person reads it by. */
export interface QueueRow {
  entry: JournalEntry;
  counterpartyName: string | null;
  managerId: string | null;
  eventTypeName: string | null;
}

/** The prefix of a manual send's workflow id (`manual-send:<company>:<entry id>`, see `domain/keys`). */
const MANUAL_SEND_PREFIX = MESSAGE_WORKFLOW_PREFIXES[1];

/** Statuses of a manual send that settle the tracked entry it answers: it went out (or was rendered in test mode). */
const MANUAL_SEND_DONE = ['sent', 'test', 'delivered', 'undelivered'] as const;

/**
 * An `awaiting_confirmation` step is still waiting while its event has no
 * later step at all: a decision, an expiry or the end of the run all journal
 * one (the same rule as the `notify_awaiting_confirmation` metric). The
 * lookup runs on the per-event index.
 */
const stillAwaiting = sql`not exists (select 1 from ${journalEntries} as later where later.company_id = ${journalEntries.companyId} and later.event_id = ${journalEntries.eventId} and later.id > ${journalEntries.id})`;

/**
 * A tracked entry nobody has acted on: its status is still `not_sent_tracked`
 * (a status change gives it another) and no manual send of it went out. A
 * manual send journals under its own workflow id, in the event's journal
 * (per-event index).
 */
const notSentByHand = sql`not exists (select 1 from ${journalEntries} as manual where manual.company_id = ${journalEntries.companyId} and manual.event_id = ${journalEntries.eventId} and manual.workflow_id = ${MANUAL_SEND_PREFIX}::text || ${journalEntries.companyId} || ':' || ${journalEntries.id}::text and manual.status in (${sql.join(
  MANUAL_SEND_DONE.map((s) => sql`${s}`),
  sql`, `,
)}))`;

const awaitingWhere = (companyId: string) => and(eq(journalEntries.companyId, companyId), eq(journalEntries.status, 'awaiting_confirmation'), stillAwaiting);
const trackedWhere = (companyId: string) => and(eq(journalEntries.companyId, companyId), eq(journalEntries.status, 'not_sent_tracked'), notSentByHand);

/** The clients of one manager, as a condition on the journal's counterparty. */
const ofManager = (managerId: string) =>
  sql`${journalEntries.counterpartyId} in (select ${counterparties.id} from ${counterparties} where ${counterparties.companyId} = ${journalEntries.companyId} and ${counterparties.managerId} = ${managerId})`;

/** The work queues of the console (R13, R14): what waits for a person, read from the journal. */
export function createQueueRepository(db: Db) {
  const list = async (base: SQL | undefined, filter: QueueFilter): Promise<QueueRow[]> => {
    return db
      .select({
        entry: journalEntries,
        counterpartyName: counterparties.name,
        managerId: counterparties.managerId,
        eventTypeName: eventTypes.name,
      })
      .from(journalEntries)
      .leftJoin(counterparties, and(eq(counterparties.companyId, journalEntries.companyId), eq(counterparties.id, journalEntries.counterpartyId)))
      .leftJoin(eventTypes, and(eq(eventTypes.companyId, journalEntries.companyId), eq(eventTypes.type, journalEntries.eventType)))
      .where(
        and(
          base,
          filter.counterpartyId !== undefined ? eq(journalEntries.counterpartyId, filter.counterpartyId) : undefined,
          filter.managerId !== undefined ? ofManager(filter.managerId) : undefined,
          filter.before !== undefined ? lt(journalEntries.id, filter.before) : undefined,
        ),
      )
      .orderBy(desc(journalEntries.id))
      .limit(filter.limit + 1);
  };

  return {
    /** Events awaiting a decision, newest first; one more row than `limit` tells the caller a next page exists. */
    async listAwaitingConfirmation(companyId: string, filter: QueueFilter): Promise<QueueRow[]> {
      return list(awaitingWhere(companyId), filter);
    },

    /** "Not sent, tracked by manager" entries nobody acted on, newest first; one more row than `limit` as above. */
    async listTracked(companyId: string, filter: QueueFilter): Promise<QueueRow[]> {
      return list(trackedWhere(companyId), filter);
    },

    /** Both queues' lengths in one statement. */
    async counts(companyId: string, filter: Pick<QueueFilter, 'managerId' | 'counterpartyId'> = {}): Promise<{ confirmations: number; tracked: number }> {
      const narrow = and(
        filter.counterpartyId !== undefined ? eq(journalEntries.counterpartyId, filter.counterpartyId) : undefined,
        filter.managerId !== undefined ? ofManager(filter.managerId) : undefined,
      );
      const [row] = await db
        .select({
          confirmations: sql<number>`count(*) filter (where ${journalEntries.status} = 'awaiting_confirmation' and ${stillAwaiting})::int`,
          tracked: sql<number>`count(*) filter (where ${journalEntries.status} = 'not_sent_tracked' and ${notSentByHand})::int`,
        })
        .from(journalEntries)
        .where(and(eq(journalEntries.companyId, companyId), sql`${journalEntries.status} in ('awaiting_confirmation', 'not_sent_tracked')`, narrow));
      return { confirmations: row?.confirmations ?? 0, tracked: row?.tracked ?? 0 };
    },
  };
}

export type QueueRepository = ReturnType<typeof createQueueRepository>;
