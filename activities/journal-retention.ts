import { createCompanyRepository } from '../src/db/repositories/companies';
import { createJournalRetentionRepository, type PurgeBatchResult } from '../src/db/repositories/journal-retention';
import type { ActivityDeps } from './deps';

/** Journal retention (`JOURNAL_RETENTION_DAYS`): the scheduled `purgeJournal` deletes old journals in batches. */
export function createJournalRetentionActivities({ db }: ActivityDeps) {
  const companies = createCompanyRepository(db);
  const retention = createJournalRetentionRepository(db);
  return {
    async listCompanyIds(): Promise<string[]> {
      return companies.listIds();
    },

    /** One batch of one company: the journals of up to `limit` closed events older than `before` (ISO time). */
    async purgeJournalBatch(input: { companyId: string; before: string; afterEventId: string | null; limit: number }): Promise<PurgeBatchResult> {
      return retention.purgeBatch({ ...input, before: new Date(input.before) });
    },
  };
}
