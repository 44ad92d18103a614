import { createJournalRepository } from '../src/db/repositories/journal';
import type { NewJournalEntry } from '../src/db/schema';
import { stepKey } from '../src/domain/keys';
import { FINAL_DELIVERY_STATUSES, createMetrics, reasonLabel, timed } from '../src/metrics';
import { currentExecution, eventLog } from './context';
import type { ActivityDeps } from './deps';
import type { RecordStepInput, RecordStepResult } from './types';

const FINAL: ReadonlySet<string> = new Set(FINAL_DELIVERY_STATUSES);

/** A workflow's step as the journal row of its run. */
export function stepRow(input: RecordStepInput, workflowId: string, runId: string): NewJournalEntry {
  return {
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
  };
}

/** Journal writes (R15), idempotent by step key: a retried write finds its own row. */
export function createJournalActivities({ db, metrics = createMetrics({ processMetrics: false }) }: Pick<ActivityDeps, 'db' | 'metrics'>) {
  const journal = createJournalRepository(db);
  return {
    async recordStep(input: RecordStepInput): Promise<RecordStepResult> {
      const { workflowId, runId } = currentExecution();
      const { entry, created } = await timed((s) => metrics.journalWriteLatency.observe(s), () => journal.record(stepRow(input, workflowId, runId)));
      // Counted once per row: a retried write that finds its own row adds nothing.
      if (created) countStep(input);
      return { entryId: entry.id, created };
    },

    /**
     * Several steps in one statement, in order; each idempotent by its step key like {@link recordStep}.
     * `opensEvent` (an event run's first steps): the statement also records this run as the event's.
     */
    async recordSteps(inputs: RecordStepInput[], opensEvent?: { companyId: string; eventId: string }): Promise<RecordStepResult[]> {
      const { workflowId, runId } = currentExecution();
      const results = await timed((s) => metrics.journalWriteLatency.observe(s), () =>
        journal.recordMany(
          inputs.map((input) => stepRow(input, workflowId, runId)),
          opensEvent ? { startedRun: { ...opensEvent, runId } } : {},
        ),
      );
      return results.map(({ entry, created }, i) => {
        if (created) countStep(inputs[i]!);
        return { entryId: entry.id, created };
      });
    },
  };

  function countStep(input: RecordStepInput): void {
    // A delivery's end (it names an audience); the event's own steps (skipped, completed) are not deliveries.
    if (input.audience !== undefined && FINAL.has(input.status)) {
      metrics.deliveries.inc({ channel: input.channel ?? 'none', provider: input.provider ?? 'none', status: input.status });
      if (input.status === 'failed') {
        eventLog(input.scope).warn('delivery failed', { channel: input.channel ?? 'none', step: input.step, failureType: reasonLabel(input.details?.type) });
      }
    }
    if (input.status === 'fallback') {
      const from = typeof input.details?.from === 'string' ? input.details.from : (input.channel ?? 'none');
      const to = typeof input.details?.to === 'string' ? input.details.to : 'none';
      const reason = reasonLabel(input.details?.type);
      metrics.fallbacks.inc({ from, to, reason });
      eventLog(input.scope).info('falling back to the next channel', { from, to, reason, step: input.step });
    }
  }
}
