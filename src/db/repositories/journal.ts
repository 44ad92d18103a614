import { and, eq } from 'drizzle-orm';
import { deliveryReportStepKey } from '../../domain/keys';
import type { DeliveryReport } from '../../domain/vocabulary';
import type { Db } from '../client';
import { journalEntries, type JournalEntry, type NewJournalEntry } from '../schema';

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
            // A company's own provider names are chosen per company: never match another company's message.
            report.companyId ? eq(journalEntries.companyId, report.companyId) : undefined,
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
        stepKey: deliveryReportStepKey(sent.stepKey, report.status),
        status: report.status,
        reason: report.reason ?? null,
        attempt: null,
        details: { reportedAt: report.at.toISOString() },
      });
      return entry;
    },

    /** One entry of a company's journal; another company's id finds nothing. */
    async findEntry(companyId: string, id: number): Promise<JournalEntry | undefined> {
      const [row] = await db
        .select()
        .from(journalEntries)
        .where(and(eq(journalEntries.companyId, companyId), eq(journalEntries.id, id)));
      return row;
    },

    async findByStepKey(stepKey: string): Promise<JournalEntry | undefined> {
      const rows = await db.select().from(journalEntries).where(eq(journalEntries.stepKey, stepKey)).limit(1);
      return rows[0];
    },
  };
}

export type JournalRepository = ReturnType<typeof createJournalRepository>;

/**
 * The callback channel adapters report deliveries to. A receipt can overtake
 * the `sent` entry it belongs to (a fast SMSC answers before the activity has
 * journaled), so an unmatched report is tried again a few times.
 */
export function createDeliveryReportHandler(
  journal: JournalRepository,
  onError: (err: unknown, report: DeliveryReport) => void = () => undefined,
  delaysMs: readonly number[] = [500, 2_000, 10_000],
): (report: DeliveryReport) => void {
  const attempt = async (report: DeliveryReport, left: readonly number[]): Promise<void> => {
    const entry = await journal.recordDeliveryReport(report);
    if (entry || left.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, left[0]));
    await attempt(report, left.slice(1));
  };
  return (report) => {
    attempt(report, delaysMs).catch((err: unknown) => onError(err, report));
  };
}
