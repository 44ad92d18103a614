import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { journalEntries } from '../schema';

export interface PurgeBatchInput {
  companyId: string;
  /** Events whose every journal row is older than this go. */
  before: Date;
  /** Only events after this id (the previous batch's last), so kept events are not looked at again. */
  afterEventId: string | null;
  /** Events looked at per batch. */
  limit: number;
}

export interface PurgeBatchResult {
  /** Events looked at: fewer than `limit` means the company has no more old events after the cursor. */
  examined: number;
  deletedEvents: number;
  deletedRows: number;
  /** The cursor for the next batch: the last event id looked at. */
  lastEventId: string | null;
}

/**
 * Journal retention: deletes the journal of closed events a whole event at a
 * time, so no event is left with half a history. An event stays while any of
 * its rows is newer than `before`, while an e-mail of it waits in the outbox
 * (queued, not dispatched), or while its last step awaits confirmation.
 * Idempotent: a batch run twice deletes nothing the second time.
 */
export function createJournalRetentionRepository(db: Db) {
  const j = journalEntries;
  return {
    async purgeBatch(input: PurgeBatchInput): Promise<PurgeBatchResult> {
      const before = input.before.toISOString();
      const after = input.afterEventId ?? '';
      return db.transaction(async (tx) => {
        // The events of the company with rows older than the cutoff, in id order after the cursor
        // (journal_company_created_idx finds the old rows).
        const candidates = await tx.execute<{ event_id: string }>(sql`
          select distinct ${j.eventId} as event_id from ${j}
          where ${j.companyId} = ${input.companyId} and ${j.createdAt} < ${before} and ${j.eventId} > ${after}
          order by 1 limit ${input.limit}`);
        const ids = candidates.rows.map((r) => r.event_id);
        if (ids.length === 0) return { examined: 0, deletedEvents: 0, deletedRows: 0, lastEventId: null };
        const deleted = await tx.execute<{ event_id: string }>(sql`
          with closed as (
            select e.id from unnest(array[${sql.join(ids.map((id) => sql`${id}`), sql`, `)}]::text[]) as e(id)
            where not exists (
              select 1 from ${j} k
              where k.company_id = ${input.companyId} and k.event_id = e.id
                and (k.created_at >= ${before} or (k.status = 'queued' and k.channel = 'email' and k.dispatched_at is null))
            )
            and coalesce((
              select l.status from ${j} l where l.company_id = ${input.companyId} and l.event_id = e.id order by l.id desc limit 1
            ), '') <> 'awaiting_confirmation'
          )
          delete from ${j} d using closed
          where d.company_id = ${input.companyId} and d.event_id = closed.id
          returning d.event_id`);
        return {
          examined: ids.length,
          deletedEvents: new Set(deleted.rows.map((r) => r.event_id)).size,
          deletedRows: deleted.rows.length,
          lastEventId: ids[ids.length - 1]!,
        };
      });
    },
  };
}
