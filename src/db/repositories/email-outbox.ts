import { and, asc, eq, inArray, isNotNull, isNull, like, lt, or, sql } from 'drizzle-orm';
import { OUTBOX_STEP_SUFFIX } from '../../domain/keys';
import type { Db } from '../client';
import { companies, journalEntries, type JournalEntry, type NewJournalEntry } from '../schema';
import { createJournalRepository } from './journal';

/**
 * The outbox (R16): queued e-mail of an event workflow (step key ending in
 * `/email/queued`) not yet done with. Other `queued` rows (a manual send's
 * request, R14) are not in it.
 */
const inOutbox = and(
  eq(journalEntries.status, 'queued'),
  eq(journalEntries.channel, 'email'),
  isNull(journalEntries.dispatchedAt),
  like(journalEntries.stepKey, `%${OUTBOX_STEP_SUFFIX}`),
);

const secondsFromNow = (seconds: number) => sql`now() + make_interval(secs => ${seconds})`;

/**
 * Claims on queued e-mail. A dispatch run that claims a row sets its claim
 * token and a lease; when the lease passes, another run may claim it again.
 * A lease without a token is a back-off after a transient failure.
 */
export function createEmailOutboxRepository(db: Db) {
  return {
    /** The entries a claim token already holds (a retried claim gets the same ones back). */
    async claimedBy(claimToken: string): Promise<number[]> {
      const rows = await db
        .select({ id: journalEntries.id })
        .from(journalEntries)
        .where(and(inOutbox, eq(journalEntries.claimToken, claimToken)))
        .orderBy(asc(journalEntries.id));
      return rows.map((r) => r.id);
    },

    /**
     * Claims up to `limit` unclaimed queued e-mails of live companies, oldest
     * first. `FOR UPDATE SKIP LOCKED` keeps two concurrent runs off the same rows.
     */
    async claim(opts: { companyId?: string | undefined; limit: number; leaseSeconds: number; claimToken: string }): Promise<number[]> {
      const candidates = db
        .select({ id: journalEntries.id })
        .from(journalEntries)
        .innerJoin(companies, and(eq(companies.id, journalEntries.companyId), eq(companies.mode, 'live')))
        .where(
          and(
            inOutbox,
            or(isNull(journalEntries.claimedUntil), lt(journalEntries.claimedUntil, sql`now()`)),
            opts.companyId !== undefined ? eq(journalEntries.companyId, opts.companyId) : undefined,
          ),
        )
        .orderBy(asc(journalEntries.id))
        .limit(opts.limit)
        .for('update', { of: journalEntries, skipLocked: true });
      const claimed = await db
        .update(journalEntries)
        .set({ claimToken: opts.claimToken, claimedUntil: secondsFromNow(opts.leaseSeconds) })
        .where(inArray(journalEntries.id, candidates))
        .returning({ id: journalEntries.id });
      return claimed.map((r) => r.id).sort((a, b) => a - b);
    },

    /** Renews the leases of claimed entries in one statement; only those still this token's come back. */
    async renewMany(entryIds: readonly number[], claimToken: string, leaseSeconds: number): Promise<JournalEntry[]> {
      if (entryIds.length === 0) return [];
      return db
        .update(journalEntries)
        .set({ claimedUntil: secondsFromNow(leaseSeconds) })
        .where(and(inArray(journalEntries.id, [...entryIds]), eq(journalEntries.claimToken, claimToken), inOutbox))
        .returning();
    },

    /** Which of these entries some run is already done with. */
    async dispatchedAmong(entryIds: readonly number[]): Promise<Set<number>> {
      if (entryIds.length === 0) return new Set();
      const rows = await db
        .select({ id: journalEntries.id })
        .from(journalEntries)
        .where(and(inArray(journalEntries.id, [...entryIds]), isNotNull(journalEntries.dispatchedAt)));
      return new Set(rows.map((r) => r.id));
    },

    /**
     * Done with many queued rows in one transaction: their outcomes journaled
     * (`sent` or `failed`, each once per step key), the rows marked dispatched,
     * and those that failed for now released with a back-off and their
     * `attempt_failed` entry. `created` is false for an outcome that existed already.
     */
    async settle(settled: {
      finished: readonly { entryId: number; outcome: NewJournalEntry }[];
      retried: readonly { entryId: number; backOffSeconds: number; attempt: NewJournalEntry }[];
      alreadyDone?: readonly number[];
      claimToken: string;
    }): Promise<{ id: number; created: boolean }[]> {
      const done = [...settled.finished.map((f) => f.entryId), ...(settled.alreadyDone ?? [])];
      return db.transaction(async (tx) => {
        const written = await createJournalRepository(tx).recordMany([
          ...settled.finished.map((f) => f.outcome),
          ...settled.retried.map((r) => r.attempt),
        ]);
        if (done.length > 0) {
          await tx
            .update(journalEntries)
            .set({ dispatchedAt: new Date(), claimToken: null, claimedUntil: null })
            .where(inArray(journalEntries.id, done));
        }
        for (const [backOffSeconds, ids] of groupBy(settled.retried, (r) => r.backOffSeconds)) {
          await tx
            .update(journalEntries)
            .set({ claimToken: null, claimedUntil: secondsFromNow(backOffSeconds) })
            .where(and(inArray(journalEntries.id, ids.map((r) => r.entryId)), eq(journalEntries.claimToken, settled.claimToken)));
        }
        return written.slice(0, settled.finished.length).map(({ entry, created }) => ({ id: entry.id, created }));
      });
    },
  };
}

function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
  return groups;
}

/** The outbox at a glance, for the metrics: how many e-mails wait and since when. */
export async function outboxDepth(db: Db): Promise<{ queued: number; oldestQueuedAt: Date | null }> {
  const [row] = await db
    .select({
      queued: sql<number>`count(*)::int`,
      oldest: sql<Date | string | null>`min(${journalEntries.createdAt})`,
    })
    .from(journalEntries)
    .where(inOutbox);
  const oldest = row?.oldest ? new Date(row.oldest) : null;
  return { queued: row?.queued ?? 0, oldestQueuedAt: oldest };
}
