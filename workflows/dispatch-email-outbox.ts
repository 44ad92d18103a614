import { continueAsNew, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SendQueuedEmailResult } from '../activities/types';
import type { DispatchEmailOutboxInput, DispatchEmailOutboxResult } from './contract';

const MIN_LEASE_SECONDS = 300;
/** Well under Temporal's limits; a batch adds about 7 events (160 for 50 e-mails before batches). */
const MAX_HISTORY_EVENTS = 5_000;

const { claimQueuedEmails } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 5 },
});

// Channel failures are handled inside the activity; these retries are for the database or the worker going away.
const { sendQueuedEmail } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: ['NotFound'] },
});

// One activity sends a whole batch: several e-mails at a time over the pooled transport, heartbeating as
// each goes out. A batch of 500 at a slow server's pace still fits the timeout; a stalled one is retried.
const { sendQueuedEmails } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: ['NotFound'] },
});

/** Runs started before batches keep sending one activity per e-mail when replayed. */
const BATCH_SEND_PATCH = 'dispatch-batch-send';

/**
 * "Exchange journal. Send e-mail" (R16): drains the e-mail queued in the journal,
 * batch by batch, until none is left or the run's cap is reached. Safe to run
 * twice at once: each batch is claimed with `FOR UPDATE SKIP LOCKED` and a lease.
 */
export async function dispatchEmailOutbox(input: DispatchEmailOutboxInput = {}): Promise<DispatchEmailOutboxResult> {
  const maxEmails = Math.max(1, input.maxEmails ?? 5_000);
  const leaseSeconds = Math.max(MIN_LEASE_SECONDS, input.leaseSeconds ?? 600);
  const retryDelaySeconds = Math.max(0, input.retryDelaySeconds ?? 60);
  const totals: DispatchEmailOutboxResult = {
    batches: 0,
    claimed: 0,
    sent: 0,
    failed: 0,
    retryLater: 0,
    skipped: 0,
    errors: 0,
    ...input.progress,
    more: false,
  };

  // Batches: 100 by default; runs started before them replay with their 50.
  const batchSizeOr = (fallback: number) => Math.min(500, Math.max(1, Math.floor(input.batchSize ?? fallback)));
  if (patched(BATCH_SEND_PATCH)) return dispatchBatches(input, totals, { batchSize: batchSizeOr(100), maxEmails, leaseSeconds, retryDelaySeconds });
  const batchSize = batchSizeOr(50);

  for (let batch = 0; ; batch++) {
    const limit = Math.min(batchSize, maxEmails - totals.claimed);
    if (limit <= 0) {
      totals.more = true;
      break;
    }
    const claimToken = `${workflowInfo().runId}:${batch}`;
    const { entryIds } = await claimQueuedEmails({
      ...(input.companyId !== undefined ? { companyId: input.companyId } : {}),
      limit,
      leaseSeconds,
      claimToken,
    });
    if (entryIds.length === 0) break;
    totals.batches += 1;
    totals.claimed += entryIds.length;
    const results = await Promise.allSettled(
      entryIds.map((entryId) => sendQueuedEmail({ entryId, claimToken, leaseSeconds, retryDelaySeconds })),
    );
    for (const result of results) count(totals, result);

    // Fewer than asked: the queue is drained, or another run holds the rest.
    if (entryIds.length < limit) break;
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > MAX_HISTORY_EVENTS) {
      await continueAsNew<typeof dispatchEmailOutbox>({ ...input, progress: totals });
    }
  }
  return totals;
}

/**
 * One activity sends a whole claimed batch, and the next batch is claimed
 * while it sends, so the transport never waits for a claim.
 */
async function dispatchBatches(
  input: DispatchEmailOutboxInput,
  totals: DispatchEmailOutboxResult,
  opts: { batchSize: number; maxEmails: number; leaseSeconds: number; retryDelaySeconds: number },
): Promise<DispatchEmailOutboxResult> {
  const { leaseSeconds, retryDelaySeconds } = opts;
  let batch = 0;
  /** Asked for by a claim not answered yet: the cap counts it. */
  let reserved = 0;
  /** Claims the next batch, or nothing once the run has taken its cap. */
  const claimNext = () => {
    const limit = Math.min(opts.batchSize, opts.maxEmails - totals.claimed - reserved);
    if (limit <= 0) {
      totals.more = true;
      return undefined;
    }
    reserved += limit;
    const claimToken = `${workflowInfo().runId}:${batch++}`;
    return claimQueuedEmails({
      ...(input.companyId !== undefined ? { companyId: input.companyId } : {}),
      limit,
      leaseSeconds,
      claimToken,
    }).then(({ entryIds }) => {
      reserved -= limit;
      totals.claimed += entryIds.length;
      return { entryIds, claimToken, limit };
    });
  };

  let next = claimNext();
  while (next) {
    const { entryIds, claimToken, limit } = await next;
    if (entryIds.length === 0) break;
    totals.batches += 1;
    // Fewer than asked: the queue is drained, or another run holds the rest.
    const full = entryIds.length === limit;
    const info = workflowInfo();
    const longHistory = info.continueAsNewSuggested || info.historyLength > MAX_HISTORY_EVENTS;
    next = full && !longHistory ? claimNext() : undefined;
    try {
      const { results } = await sendQueuedEmails({ entryIds, claimToken, leaseSeconds, retryDelaySeconds });
      for (const value of results) count(totals, { status: 'fulfilled', value });
    } catch {
      // Its claims stay until their lease passes; a later run sends what this one could not.
      totals.errors += entryIds.length;
    }
    if (full && longHistory) await continueAsNew<typeof dispatchEmailOutbox>({ ...input, progress: totals });
  }
  return totals;
}

function count(totals: DispatchEmailOutboxResult, result: PromiseSettledResult<SendQueuedEmailResult>): void {
  if (result.status === 'rejected') {
    totals.errors += 1;
    return;
  }
  switch (result.value.outcome) {
    case 'sent':
      totals.sent += 1;
      break;
    case 'failed':
      totals.failed += 1;
      break;
    case 'retry_later':
      totals.retryLater += 1;
      break;
    case 'already_done':
    case 'not_claimed':
      totals.skipped += 1;
      break;
  }
}
