import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  patched,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { JournalScope, Plan, PlannedDelivery, RenderedMessage, Route } from '../activities/types';
import {
  decideUpdate,
  stateQuery,
  type DecisionInput,
  type DeliveryOutcome,
  type EventWorkflowState,
  type NotifyEventInput,
  type NotifyEventResult,
} from './contract';

const PERMANENT_ERRORS = ['InvalidRecipientError', 'RejectedError', 'BlockedError', 'NotSubscribedError', 'TemplateError'];

const { recordStep, loadPlan, renderMessage } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: PERMANENT_ERRORS },
});

/**
 * Provider calls per channel. Each has a bounded budget: when it is spent the
 * delivery falls back to the next channel (R6) or is journaled as failed.
 * A rate limit's retry_after overrides the backoff for that attempt.
 */
const senders = {
  // Each budget is above the adapter's own worst case, so Temporal never starts a new attempt while one still runs;
  // the heartbeat shows a dead worker within seconds instead of at the end of the budget.
  email: proxyActivities<Activities>({
    startToCloseTimeout: '90 seconds',
    heartbeatTimeout: '10 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6, nonRetryableErrorTypes: PERMANENT_ERRORS },
  }).sendMessage,
  sms: proxyActivities<Activities>({
    startToCloseTimeout: '90 seconds',
    heartbeatTimeout: '10 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: PERMANENT_ERRORS },
  }).sendMessage,
  telegram: proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    heartbeatTimeout: '10 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 4, nonRetryableErrorTypes: PERMANENT_ERRORS },
  }).sendMessage,
};

/**
 * One business event: plan who is told, wait for a person's approval where
 * configured (R13), then deliver to every recipient in parallel with channel
 * fallback (R6), journaling every step (R15).
 */
export async function notifyEvent(input: NotifyEventInput): Promise<NotifyEventResult> {
  let state: EventWorkflowState = 'running';
  let decision: DecisionInput | undefined;
  setHandler(stateQuery, () => state);
  setHandler(
    decideUpdate,
    (answer) => {
      decision = answer;
      return { accepted: true, approve: answer.approve };
    },
    {
      validator: (answer: DecisionInput) => {
        if (!answer.by) throw new Error('a decision needs to say who made it');
        if (state !== 'awaiting_confirmation' || decision !== undefined) {
          throw new Error('the event is not awaiting confirmation');
        }
      },
    },
  );

  const scope: JournalScope = {
    companyId: input.companyId,
    eventId: input.eventId,
    eventType: input.eventType,
    counterpartyId: input.counterpartyId,
  };
  await recordStep({ scope, step: 'received', status: 'received', details: { data: input.data } });

  const plan = await loadPlan({ companyId: input.companyId, eventType: input.eventType, counterpartyId: input.counterpartyId });
  if (plan.mode === 'off') {
    await recordStep({ scope, step: 'skipped', status: 'skipped', reason: 'sending is off for the company' });
    return { outcome: 'skipped', reason: 'mode off', deliveries: [] };
  }
  if (plan.skipReason !== undefined) {
    await recordStep({ scope, step: 'skipped', status: 'skipped', reason: plan.skipReason });
    return { outcome: 'skipped', reason: plan.skipReason, deliveries: [] };
  }
  await recordStep({
    scope,
    step: 'recipients',
    status: 'recipients_resolved',
    details: {
      mode: plan.mode,
      recipients: plan.deliveries.map((d) => ({
        key: d.key,
        audience: d.audience,
        name: d.recipientName,
        routes: d.routes,
        ...(d.optedOut ? { optedOut: true } : {}),
      })),
    },
  });

  if (plan.confirm.required) {
    state = 'awaiting_confirmation';
    await recordStep({
      scope,
      step: 'awaiting-confirmation',
      status: 'awaiting_confirmation',
      details: { timeoutSeconds: plan.confirm.timeoutSeconds },
    });
    const answered = await condition(() => decision !== undefined, plan.confirm.timeoutSeconds * 1000);
    state = 'running';
    if (!answered || decision === undefined) {
      await recordStep({ scope, step: 'expired', status: 'expired', reason: `no decision within ${plan.confirm.timeoutSeconds} s` });
      return { outcome: 'expired', reason: 'no decision in time', deliveries: [] };
    }
    const comment = decision.comment ?? null;
    if (!decision.approve) {
      await recordStep({ scope, step: 'rejected', status: 'rejected', reason: comment ?? 'rejected', details: { by: decision.by, comment } });
      return { outcome: 'rejected', reason: `rejected by ${decision.by}`, deliveries: [] };
    }
    await recordStep({ scope, step: 'approved', status: 'approved', details: { by: decision.by, comment } });
    // The wait may have lasted hours: honour the company's mode as it is now (R1), not as it was.
    if (patched('mode-after-approval')) {
      const now = await loadPlan({ companyId: input.companyId, eventType: input.eventType, counterpartyId: input.counterpartyId });
      if (now.mode === 'off') {
        await recordStep({ scope, step: 'skipped', status: 'skipped', reason: 'sending was turned off while awaiting confirmation' });
        return { outcome: 'skipped', reason: 'mode off', deliveries: [] };
      }
      plan.mode = now.mode;
    }
  }

  const deliveries = await Promise.all(
    plan.deliveries.map((d) =>
      // Whatever goes wrong with one recipient stays with that recipient.
      deliver(scope, input, plan, d).catch(async (err: unknown): Promise<DeliveryOutcome> => {
        const failure = failureReason(err);
        await recordStep({ scope, audience: d.audience, recipientName: d.recipientName, step: `${d.key}/error`, status: 'failed', reason: failure.message, details: failure.details });
        return { key: d.key, audience: d.audience, recipient: d.recipientName, status: 'failed', reason: failure.message };
      }),
    ),
  );
  const attempted = deliveries.filter((d) => d.status !== 'skipped' && d.status !== 'not_sent_tracked');
  const ok = attempted.filter((d) => d.status === 'sent' || d.status === 'test' || d.status === 'queued').length;
  const outcome = ok === attempted.length ? 'completed' : ok === 0 ? 'failed' : 'partial';
  await recordStep({ scope, step: 'completed', status: 'completed', reason: outcome, details: { outcome } });
  return { outcome, deliveries };
}

/**
 * One recipient: channels in order until one delivers. Failures are journaled
 * and end here; they never fail the workflow or hold the other recipients.
 */
async function deliver(scope: JournalScope, input: NotifyEventInput, plan: Plan, d: PlannedDelivery): Promise<DeliveryOutcome> {
  const data = {
    ...plan.context,
    ...input.data,
    recipient: d.recipient,
    event: { id: input.eventId, type: input.eventType, occurredAt: input.occurredAt ?? null },
  };
  const base = { scope, audience: d.audience, recipientName: d.recipientName } as const;
  const outcome = { key: d.key, audience: d.audience, recipient: d.recipientName };
  const usable = d.routes.filter((r): r is Route & { address: string } => r.address !== null && d.templates[r.channel] !== undefined);

  if (d.optedOut) {
    const first = usable[0];
    if (!plan.trackedByManager || !first) {
      await recordStep({ ...base, step: `${d.key}/opted-out`, status: 'skipped', reason: 'client opted out' });
      return { ...outcome, status: 'skipped', reason: 'client opted out' };
    }
    const message = await renderMessage({ channel: first.channel, template: d.templates[first.channel]!, data });
    await recordStep({
      ...base,
      step: `${d.key}/tracked`,
      status: 'not_sent_tracked',
      channel: first.channel,
      recipient: first.address,
      subject: message.subject,
      body: message.text,
      reason: 'not sent: the client turned this notification off; tracked by manager',
      details: { deliveryKey: d.key, ...(message.html ? { html: message.html } : {}) },
    });
    return { ...outcome, channel: first.channel, status: 'not_sent_tracked' };
  }

  if (usable.length === 0) {
    const reason = d.routes.every((r) => r.address === null) ? 'no address' : 'no template for any channel with an address';
    await recordStep({ ...base, step: `${d.key}/skipped`, status: 'skipped', reason });
    return { ...outcome, status: 'skipped', reason };
  }

  let lastReason = '';
  for (const [i, route] of d.routes.entries()) {
    const next = d.routes.slice(i + 1).find((r) => r.address !== null && d.templates[r.channel] !== undefined);
    const routeBase = { ...base, channel: route.channel, ...(route.address ? { recipient: route.address } : {}) };
    const template = d.templates[route.channel];
    if (route.address === null || template === undefined) {
      const reason =
        route.address !== null
          ? `no ${route.channel} template`
          : route.channel === 'telegram'
            ? 'not subscribed to the Telegram bot'
            : `no ${route.channel} address`;
      if (next) await fallback(routeBase, d.key, route.channel, next.channel, reason);
      continue;
    }

    let message: RenderedMessage;
    try {
      message = await renderMessage({ channel: route.channel, template, data });
    } catch (err) {
      lastReason = failureReason(err).message;
      if (next) {
        await fallback(routeBase, d.key, route.channel, next.channel, lastReason);
        continue;
      }
      break;
    }
    await recordStep({
      ...routeBase,
      step: `${d.key}/${route.channel}/rendered`,
      status: 'rendered',
      subject: message.subject,
      body: message.text,
      details: message.html ? { html: message.html } : {},
    });

    if (plan.mode === 'test') {
      await recordStep({
        ...routeBase,
        step: `${d.key}/${route.channel}/test`,
        status: 'test',
        subject: message.subject,
        body: message.text,
        reason: 'test mode: rendered, not sent',
      });
      return { ...outcome, channel: route.channel, status: 'test' };
    }

    const queuedEntry = (reason: string) => ({
      ...routeBase,
      step: `${d.key}/${route.channel}/queued`,
      status: 'queued' as const,
      subject: message.subject,
      body: message.text,
      reason,
      details: {
        deliveryKey: d.key,
        from: message.fromName ? { ...plan.from, name: message.fromName } : plan.from,
        ...(message.html ? { html: message.html } : {}),
        ...(message.attachments ? { attachments: message.attachments } : {}),
      },
    });
    // R16: batched e-mail waits in the exchange journal for the scheduled dispatch.
    if (route.channel === 'email' && plan.emailDelivery === 'batched') {
      await recordStep(queuedEntry('batched: sent by the scheduled e-mail dispatch'));
      return { ...outcome, channel: route.channel, status: 'queued' };
    }

    try {
      const sent = await senders[route.channel]({
        scope,
        deliveryKey: d.key,
        audience: d.audience,
        channel: route.channel,
        to: route.address,
        toName: d.recipientName,
        from: plan.from,
        message,
      });
      return { ...outcome, channel: route.channel, status: 'sent', providerMessageId: sent.providerMessageId };
    } catch (err) {
      const failure = failureReason(err);
      lastReason = failure.message;
      // An e-mail server that stays down past the retries is an outage, not a verdict: queue it (R16).
      if (route.channel === 'email' && !failure.permanent && !next) {
        await recordStep(queuedEntry(`retry later: ${failure.message}`));
        return { ...outcome, channel: route.channel, status: 'queued', reason: failure.message };
      }
      if (next) {
        await fallback(routeBase, d.key, route.channel, next.channel, failure.message, failure.details);
        continue;
      }
      await recordStep({
        ...routeBase,
        step: `${d.key}/${route.channel}/failed`,
        status: 'failed',
        reason: failure.message,
        details: failure.details,
      });
      return { ...outcome, channel: route.channel, status: 'failed', reason: failure.message };
    }
  }
  await recordStep({ ...base, step: `${d.key}/failed`, status: 'failed', reason: lastReason || 'no channel could deliver' });
  return { ...outcome, status: 'failed', reason: lastReason || 'no channel could deliver' };
}

async function fallback(
  routeBase: { scope: JournalScope; audience: 'client' | 'manager'; recipientName: string; channel: Route['channel']; recipient?: string },
  key: string,
  from: string,
  to: string,
  reason: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  await recordStep({
    ...routeBase,
    step: `${key}/${from}/fallback`,
    status: 'fallback',
    reason: `${from} → ${to}: ${reason}`,
    details: { from, to, ...details },
  });
}

function failureReason(err: unknown): { message: string; permanent: boolean; details: Record<string, unknown> } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const providerReason = cause.details?.[0];
    return {
      message: typeof providerReason === 'string' && providerReason ? providerReason : cause.message,
      permanent: cause.nonRetryable || PERMANENT_ERRORS.includes(cause.type ?? ''),
      details: { type: cause.type, error: cause.message },
    };
  }
  if (cause instanceof Error) return { message: cause.message, permanent: false, details: { type: cause.name } };
  return { message: String(cause), permanent: false, details: {} };
}

