import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PurgeJournalInput, PurgeJournalResult } from './contract';

const { listCompanyIds, purgeJournalBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});

const DAY_MS = 86_400_000;
/** Batches per run: keeps the history small; what is left goes on the next run. */
const MAX_BATCHES = 400;

/**
 * Journal retention: deletes, company by company and in batches, the journal
 * of every closed event older than `olderThanDays` (see
 * `createJournalRetentionRepository`). The cutoff is taken once from the
 * workflow's clock, so retried batches work on the same rows; a batch run
 * twice deletes nothing more.
 */
export async function purgeJournal(input: PurgeJournalInput): Promise<PurgeJournalResult> {
  const before = new Date(Date.now() - input.olderThanDays * DAY_MS).toISOString();
  const limit = input.batchSize ?? 500;
  let deletedEvents = 0;
  let deletedRows = 0;
  let batches = 0;
  for (const companyId of await listCompanyIds()) {
    let afterEventId: string | null = null;
    for (;;) {
      if (batches >= MAX_BATCHES) return { before, deletedEvents, deletedRows, more: true };
      batches++;
      const batch: Awaited<ReturnType<typeof purgeJournalBatch>> = await purgeJournalBatch({ companyId, before, afterEventId, limit });
      deletedEvents += batch.deletedEvents;
      deletedRows += batch.deletedRows;
      if (batch.examined < limit || batch.lastEventId === null) break;
      afterEventId = batch.lastEventId;
    }
  }
  return { before, deletedEvents, deletedRows, more: false };
}
