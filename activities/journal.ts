import { createJournalRepository } from '../src/db/repositories/journal';
import { stepKey } from '../src/domain/keys';
import { currentExecution } from './context';
import type { ActivityDeps } from './deps';
import type { RecordStepInput, RecordStepResult } from './types';

/** Journal writes (R15), idempotent by step key: a retried write finds its own row. */
export function createJournalActivities({ db }: Pick<ActivityDeps, 'db'>) {
  const journal = createJournalRepository(db);
  return {
    async recordStep(input: RecordStepInput): Promise<RecordStepResult> {
      const { workflowId, runId } = currentExecution();
      const { entry, created } = await journal.record({
        ...input.scope,
        stepKey: stepKey(workflowId, input.step),
        workflowId,
        runId,
        status: input.status,
        audience: input.audience,
        channel: input.channel,
        recipient: input.recipient,
        recipientName: input.recipientName,
        subject: input.subject,
        body: input.body,
        provider: input.provider,
        providerMessageId: input.providerMessageId,
        reason: input.reason,
        attempt: input.attempt,
        details: input.details,
      });
      return { entryId: entry.id, created };
    },
  };
}
