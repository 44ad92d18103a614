import { eq } from 'drizzle-orm';
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

    async findByStepKey(stepKey: string): Promise<JournalEntry | undefined> {
      const rows = await db.select().from(journalEntries).where(eq(journalEntries.stepKey, stepKey)).limit(1);
      return rows[0];
    },
  };
}

export type JournalRepository = ReturnType<typeof createJournalRepository>;
