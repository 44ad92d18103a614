import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { failureReason, PERMANENT_FAILURE_TYPES } from '../src/domain/failures';
import { MANUAL_SEND_STEPS } from '../src/domain/keys';
import type { ManualSendInput, ManualSendResult } from './contract';

const { loadManualSend, recordStep } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 5, nonRetryableErrorTypes: ['NotSendable'] },
});
const { sendMessage } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumAttempts: 5,
    nonRetryableErrorTypes: [...PERMANENT_FAILURE_TYPES],
  },
});

/**
 * A manager sends a "not sent, tracked by manager" message by hand (R14):
 * the stored text goes out on the stored channel, journaled like any send.
 * The workflow id is derived from the journal entry, so it runs once.
 */
export async function manualSend(input: ManualSendInput): Promise<ManualSendResult> {
  const plan = await loadManualSend({ companyId: input.companyId, entryId: input.entryId });
  const base = {
    scope: plan.scope,
    audience: plan.send.audience,
    channel: plan.send.channel,
    recipient: plan.send.to,
    recipientName: plan.send.toName,
  };
  await recordStep({
    ...base,
    step: MANUAL_SEND_STEPS.requested,
    status: 'queued',
    reason: `sent by hand by ${input.by}`,
    details: { manualOf: input.entryId, by: input.by, ...(input.byUserId !== undefined ? { byUserId: input.byUserId } : {}), comment: input.comment ?? null },
  });
  if (plan.mode === 'off') {
    await recordStep({ ...base, step: MANUAL_SEND_STEPS.skipped, status: 'skipped', reason: 'sending is off for the company', details: { manualOf: input.entryId } });
    return { status: 'failed', reason: 'sending is off for the company' };
  }
  if (plan.mode === 'test') {
    const entry = await recordStep({
      ...base,
      step: MANUAL_SEND_STEPS.test,
      status: 'test',
      subject: plan.send.message.subject,
      body: plan.send.message.text,
      reason: 'test mode: rendered, not sent',
      details: { manualOf: input.entryId },
    });
    return { status: 'test', entryId: entry.entryId };
  }
  try {
    const sent = await sendMessage({ ...plan.send, scope: plan.scope, manualOf: input.entryId });
    return { status: 'sent', entryId: sent.entryId, providerMessageId: sent.providerMessageId };
  } catch (err) {
    const reason = failureReason(err).message;
    await recordStep({ ...base, step: MANUAL_SEND_STEPS.failed, status: 'failed', reason, details: { manualOf: input.entryId } });
    return { status: 'failed', reason };
  }
}
