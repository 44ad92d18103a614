import { and, eq } from 'drizzle-orm';
import type { DeliveryReport } from '../channels/types';
import type { Db } from './client';
import { journalEntries, type JournalEntry, type NewJournalEntry } from './schema';

export function createJournalRepository(db: Db) {
  return {
    /**
     * Writes an entry once per step key; a second call with the same key
     * returns the first row untouched.
     */
    async record(entry: NewJournalEntry): Promise<{ entry: JournalEntry; created: boolean }> {
      const inserted = await db
        .insert(journalEntries)
        .values(entry)
        .onConflictDoNothing({ target: journalEntries.stepKey })
        .returning();
      if (inserted[0]) return { entry: inserted[0], created: true };
      const existing = await this.findByStepKey(entry.stepKey);
      if (!existing) throw new Error(`journal entry ${entry.stepKey} vanished after a conflict`);
      return { entry: existing, created: false };
    },

    /**
     * A provider's later word on a sent message (R15 "delivered where a
     * provider reports it"): one entry per sent message and outcome.
     */
    async recordDeliveryReport(report: DeliveryReport): Promise<JournalEntry | undefined> {
      const [sent] = await db
        .select()
        .from(journalEntries)
        .where(
          and(
            eq(journalEntries.provider, report.provider),
            eq(journalEntries.providerMessageId, report.providerMessageId),
            eq(journalEntries.status, 'sent'),
          ),
        )
        .limit(1);
      if (!sent) return undefined;
      const { id: _id, createdAt: _createdAt, ...rest } = sent;
      const { entry } = await this.record({
        ...rest,
        stepKey: `${sent.stepKey.replace(/\/sent$/, '')}/${report.status}`,
        status: report.status,
        reason: report.reason ?? null,
        attempt: null,
        details: { reportedAt: report.at.toISOString() },
      });
      return entry;
    },

    async findByStepKey(stepKey: string): Promise<JournalEntry | undefined> {
      const rows = await db.select().from(journalEntries).where(eq(journalEntries.stepKey, stepKey)).limit(1);
      return rows[0];
    },
  };
}

export type JournalRepository = ReturnType<typeof createJournalRepository>;
