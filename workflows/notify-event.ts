import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { JournalScope, Plan, PlannedDelivery } from '../activities/types';
import type { DeliveryOutcome, NotifyEventInput, NotifyEventResult } from './contract';

const { recordStep, loadPlan, renderEmail } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Sending talks to a provider: give it a bounded budget so a dead peer ends
 * in a journaled failure instead of a workflow stuck for ever.
 */
const { sendEmail } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 6,
    nonRetryableErrorTypes: ['InvalidRecipientError', 'RejectedError', 'BlockedError', 'NotSubscribedError'],
  },
});

/** One business event: plan who is told, render, send, journal every step. */
export async function notifyEvent(input: NotifyEventInput): Promise<NotifyEventResult> {
  const scope: JournalScope = {
    companyId: input.companyId,
    eventId: input.eventId,
    eventType: input.eventType,
    counterpartyId: input.counterpartyId,
  };
  await recordStep({ scope, step: 'received', status: 'received', details: { data: input.data } });

  const plan = await loadPlan({
    companyId: input.companyId,
    eventType: input.eventType,
    counterpartyId: input.counterpartyId,
  });

  if (plan.mode === 'off') {
    await recordStep({ scope, step: 'skipped', status: 'skipped', reason: 'sending is off for the company' });
    return { outcome: 'skipped', reason: 'mode off', deliveries: [] };
  }
  if (plan.skipReason !== undefined || plan.template === null) {
    const reason = plan.skipReason ?? 'nothing to send';
    await recordStep({ scope, step: 'skipped', status: 'skipped', reason });
    return { outcome: 'skipped', reason, deliveries: [] };
  }

  await recordStep({
    scope,
    step: 'recipients',
    status: 'recipients_resolved',
    details: {
      mode: plan.mode,
      recipients: plan.deliveries.map((d) => ({ channel: d.channel, recipient: d.recipient, name: d.recipientName })),
    },
  });

  const unreachable = await Promise.all(
    plan.unreachable.map(async (u): Promise<DeliveryOutcome> => {
      await recordStep({
        scope,
        step: `${u.key}/skipped`,
        status: 'skipped',
        audience: 'client',
        recipientName: u.recipientName,
        reason: u.reason,
      });
      return { key: u.key, channel: 'email', recipient: u.recipientName, status: 'skipped', reason: u.reason };
    }),
  );
  const delivered = await Promise.all(plan.deliveries.map((d) => deliver(scope, input, plan, d)));
  const deliveries = [...delivered, ...unreachable];

  const ok = delivered.filter((d) => d.status === 'sent' || d.status === 'test').length;
  const outcome = ok === delivered.length ? 'completed' : ok === 0 ? 'failed' : 'partial';
  await recordStep({ scope, step: 'completed', status: 'completed', details: { outcome } });
  return { outcome, deliveries };
}

/** One recipient on one channel; a failure here is journaled and never fails the others. */
async function deliver(
  scope: JournalScope,
  input: NotifyEventInput,
  plan: Plan,
  delivery: PlannedDelivery,
): Promise<DeliveryOutcome> {
  const base = {
    scope,
    audience: delivery.audience,
    channel: delivery.channel,
    recipient: delivery.recipient,
    recipientName: delivery.recipientName,
  } as const;
  const outcome = { key: delivery.key, channel: delivery.channel, recipient: delivery.recipient };
  try {
    const email = await renderEmail({
      template: plan.template!,
      data: { ...plan.context, ...input.data },
      recipient: { name: delivery.recipientName, address: delivery.recipient },
    });
    await recordStep({
      ...base,
      step: `${delivery.key}/rendered`,
      status: 'rendered',
      subject: email.subject,
      body: email.text,
      details: email.html === null ? {} : { html: email.html },
    });

    if (plan.mode === 'test') {
      await recordStep({
        ...base,
        step: `${delivery.key}/test`,
        status: 'test',
        subject: email.subject,
        body: email.text,
        reason: 'test mode: rendered, not sent',
      });
      return { ...outcome, status: 'test' };
    }

    const sent = await sendEmail({ scope, delivery, from: plan.from, email });
    return { ...outcome, status: 'sent', providerMessageId: sent.providerMessageId };
  } catch (err) {
    const reason = failureReason(err);
    await recordStep({ ...base, step: `${delivery.key}/failed`, status: 'failed', reason: reason.message, details: reason.details });
    return { ...outcome, status: 'failed', reason: reason.message };
  }
}

function failureReason(err: unknown): { message: string; details: Record<string, unknown> } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const providerReason = cause.details?.[0];
    return {
      message: cause.message,
      details: { type: cause.type, ...(typeof providerReason === 'string' ? { providerReason } : {}) },
    };
  }
  return { message: cause instanceof Error ? cause.message : String(cause), details: {} };
}
