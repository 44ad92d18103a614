import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { failureReason, PERMANENT_FAILURE_TYPES } from '../src/domain/failures';
import { MANUAL_SEND_STEPS } from '../src/domain/keys';
import { applyManualEdits, manualSendReason } from '../src/domain/manual-send';
import { reasonText } from '../src/domain/reasons';
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
 * A manager sends a "not sent, tracked by manager" message by hand (R14): the
 * journaled text, or the manager's edited text / subject / recipient, goes out
 * on the stored channel, journaled like any send. The `requested` step keeps
 * both the original and the sent text (and the recipient change). The workflow
 * id is derived from the journal entry; each run journals its own steps (keyed
 * by the run), and the `sent` step is keyed by the entry, so it is sent once.
 */
export async function manualSend(input: ManualSendInput): Promise<ManualSendResult> {
  const plan = await loadManualSend({ companyId: input.companyId, entryId: input.entryId });
  const original = plan.send;
  const outgoing = applyManualEdits(
    {
      to: original.to,
      toName: original.toName,
      text: original.message.text,
      ...(original.message.subject !== undefined ? { subject: original.message.subject } : {}),
      ...(original.message.html ? { html: original.message.html } : {}),
    },
    input.edits,
    original.channel,
  );
  const send = { ...original, to: outgoing.to, toName: outgoing.toName, message: { ...original.message, ...outgoing.message } };
  if (outgoing.message.html === undefined) delete send.message.html;
  // Steps of this run: a message of the manual send's own, under the tracked recipient's delivery key.
  const run = workflowInfo().runId.slice(0, 8);
  const step = (name: string) => `${original.deliveryKey}/${name}-${run}`;
  const base = {
    scope: plan.scope,
    audience: send.audience,
    channel: send.channel,
    recipient: send.to,
    recipientName: send.toName,
  };
  const done = { recipient: send.to, edited: outgoing.edited };
  await recordStep({
    ...base,
    step: step(MANUAL_SEND_STEPS.requested),
    status: 'queued',
    subject: send.message.subject,
    body: send.message.text,
    reason: manualSendReason(input.by, outgoing.edited, original.to, send.to, input.comment),
    details: {
      manualOf: input.entryId,
      by: input.by,
      ...(input.byUserId !== undefined ? { byUserId: input.byUserId } : {}),
      comment: input.comment ?? null,
      requestKey: input.requestKey ?? null,
      edited: outgoing.edited,
      original: { recipient: original.to, subject: original.message.subject ?? null, text: original.message.text },
      sent: { recipient: send.to, subject: send.message.subject ?? null, text: send.message.text },
    },
  });
  if (plan.mode === 'off') {
    const reason = reasonText('sending_off');
    await recordStep({ ...base, step: step(MANUAL_SEND_STEPS.skipped), status: 'skipped', reason, details: { manualOf: input.entryId } });
    return { status: 'failed', reason, ...done };
  }
  if (plan.mode === 'test') {
    const entry = await recordStep({
      ...base,
      step: step(MANUAL_SEND_STEPS.test),
      status: 'test',
      subject: send.message.subject,
      body: send.message.text,
      reason: reasonText('test_mode'),
      details: { manualOf: input.entryId },
    });
    return { status: 'test', entryId: entry.entryId, ...done };
  }
  try {
    const sent = await sendMessage({ ...send, scope: plan.scope, manualOf: input.entryId });
    return { status: 'sent', entryId: sent.entryId, providerMessageId: sent.providerMessageId, ...done };
  } catch (err) {
    const reason = failureReason(err).message;
    await recordStep({ ...base, step: step(MANUAL_SEND_STEPS.failed), status: 'failed', reason, details: { manualOf: input.entryId } });
    return { status: 'failed', reason, ...done };
  }
}
