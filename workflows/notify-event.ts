import {
  type ActivityOptions,
  ApplicationFailure,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type {
  FirstAttempt,
  JournalScope,
  RecordStepInput,
  RenderAndSendAllResult,
  RenderAndSendInput,
  RenderedMessage,
  RenderMessageInput,
  SendMessageResult,
} from '../activities/types';
import { failureReason, failureType, isPermanentFailureType, isTemplateFailure, PERMANENT_FAILURE_TYPES } from '../src/domain/failures';
import { MODE_OFF_REASON, recipientsDetails } from '../src/domain/event-steps';
import { deliveryStep, EVENT_STEPS, routeStep } from '../src/domain/keys';
import { expiredReason, outcomeReason, reasonText } from '../src/domain/reasons';
import { senderOf, type Plan, type PlannedDelivery } from '../src/domain/plan';
import {
  eventOutcome,
  isUsable,
  NO_CHANNEL_REASON,
  nextUsableRoute,
  noUsableRouteReason,
  optedOutDecision,
  queuesAfterFailure,
  TRACKED_REASON,
  unusableRouteReason,
  usableRoutes,
  type UsableRoute,
  waitsForDispatch,
} from '../src/domain/routing';
import type { Channel, NotifyState } from '../src/domain/vocabulary';
import {
  decideUpdate,
  eventSearchAttributes,
  SEARCH_ATTRIBUTES,
  stateQuery,
  type DecisionInput,
  type DeliveryOutcome,
  type EventWorkflowState,
  type NotifyEventInput,
  type NotifyEventResult,
  type PendingMessage,
} from './contract';

const PERMANENT_ERRORS = [...PERMANENT_FAILURE_TYPES];

const { recordStep, loadPlan, renderMessage } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: PERMANENT_ERRORS },
});

/**
 * The same steps as local activities: they run in the worker that runs the
 * workflow and leave one marker in the history instead of an activity task's
 * round trips through the server. Journal writes and renders are short and
 * idempotent; a local activity that outlives its attempt is retried the same way.
 */
const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: PERMANENT_ERRORS },
});

/**
 * The journal, plan and render steps of one run: activities through the
 * server in runs recorded before `notify-local-steps`, local activities after.
 * `record` writes several entries in one statement where the steps are local.
 */
interface Steps {
  local: boolean;
  recordStep(input: RecordStepInput): Promise<unknown>;
  record(...inputs: RecordStepInput[]): Promise<unknown>;
  loadPlan: typeof loadPlan;
  renderMessage(input: RenderMessageInput): Promise<RenderedMessage>;
}

const serverSteps: Steps = {
  local: false,
  recordStep,
  async record(...inputs) {
    for (const input of inputs) await recordStep(input);
  },
  loadPlan,
  renderMessage,
};

const localSteps: Steps = {
  local: true,
  recordStep: local.recordStep,
  record: (...inputs) => (inputs.length === 1 ? local.recordStep(inputs[0]!) : local.recordSteps(inputs)),
  loadPlan: local.loadPlan,
  renderMessage: local.renderMessage,
};

/**
 * Provider calls per channel. Each has a bounded budget: when it is spent the
 * delivery falls back to the next channel (R6) or is journaled as failed.
 * A rate limit's retry_after overrides the backoff for that attempt.
 */
const sendBudgets = {
  email: { summary: 'Отправка e-mail', startToCloseMs: 90_000, initialIntervalMs: 2_000, maximumIntervalMs: 60_000, maximumAttempts: 6 },
  sms: { summary: 'Отправка SMS', startToCloseMs: 90_000, initialIntervalMs: 2_000, maximumIntervalMs: 60_000, maximumAttempts: 5 },
  telegram: { summary: 'Отправка в Telegram', startToCloseMs: 30_000, initialIntervalMs: 1_000, maximumIntervalMs: 10_000, maximumAttempts: 4 },
} satisfies Record<Channel, { summary: string; startToCloseMs: number; initialIntervalMs: number; maximumIntervalMs: number; maximumAttempts: number }>;
const BACKOFF = 2;

/**
 * A channel's send options; `after` attempts already made by another activity
 * (the first, by `renderAndSendAll`) continue the same schedule: the next
 * interval, and only the attempts left.
 */
function sendOptionsOf(channel: Channel, after = 0): ActivityOptions {
  const budget = sendBudgets[channel];
  return {
    summary: budget.summary,
    // Each budget is above the adapter's own worst case, so Temporal never starts a new attempt while one still runs;
    // the heartbeat shows a dead worker within seconds instead of at the end of the budget.
    startToCloseTimeout: budget.startToCloseMs,
    heartbeatTimeout: '10 seconds',
    retry: {
      initialInterval: Math.min(budget.initialIntervalMs * BACKOFF ** after, budget.maximumIntervalMs),
      backoffCoefficient: BACKOFF,
      maximumInterval: budget.maximumIntervalMs,
      maximumAttempts: budget.maximumAttempts - after,
      nonRetryableErrorTypes: PERMANENT_ERRORS,
    },
  };
}

const CHANNELS = ['email', 'sms', 'telegram'] as const satisfies readonly Channel[];
const perChannel = <T>(make: (channel: Channel) => T): Record<Channel, T> =>
  Object.fromEntries(CHANNELS.map((channel) => [channel, make(channel)])) as Record<Channel, T>;

const senders = perChannel((channel) => proxyActivities<Activities>(sendOptionsOf(channel)).sendMessage);

/** Render, journal and send in one activity task (runs after `notify-local-steps`), with the same budgets. */
const renderSenders = perChannel((channel) => proxyActivities<Activities>(sendOptionsOf(channel)).renderAndSend);

/** The attempts after a first one made by `renderAndSendAll`. */
const laterSenders = perChannel((channel) => proxyActivities<Activities>(sendOptionsOf(channel, 1)).renderAndSend);

/**
 * The first attempt of up to `FIRST_ATTEMPTS_PER_TASK` messages at once (runs
 * after `notify-send-batch`): one activity task for a whole ordinary event.
 * Never retried as a whole; each message's failure comes back in its result.
 * Its budget is the longest channel's: the messages go out side by side.
 */
const { renderAndSendAll } = proxyActivities<Activities>({
  summary: 'Отправка сообщений',
  startToCloseTimeout: Math.max(...CHANNELS.map((channel) => sendBudgets[channel].startToCloseMs)),
  heartbeatTimeout: '10 seconds',
  retry: { maximumAttempts: 1 },
});
const FIRST_ATTEMPTS_PER_TASK = 10;

/**
 * The same first attempts as a local activity (runs after `notify-send-local`):
 * an ordinary event then ends in the workflow task that started it, with no
 * activity task and no second workflow task through the server. A worker that
 * dies mid-send leaves no marker; the task's retry on another worker runs the
 * activity again, and it finds in the journal what the dead run got done.
 * Local activities cannot heartbeat: a dead worker shows by the workflow task's timeout.
 */
const { renderAndSendAll: renderAndSendAllHere } = proxyLocalActivities<Activities>({
  summary: 'Отправка сообщений',
  startToCloseTimeout: Math.max(...CHANNELS.map((channel) => sendBudgets[channel].startToCloseMs)),
  retry: { maximumAttempts: 1 },
});

/**
 * One business event: plan who is told, wait for a person's approval where
 * configured (R13), then deliver to every recipient in parallel with channel
 * fallback (R6), journaling every step (R15).
 */
export async function notifyEvent(input: NotifyEventInput): Promise<NotifyEventResult> {
  // Runs from here on make the first attempt of an event's messages in one local activity. Runs from
  // `notify-send-batch` on make it in one activity task (`renderAndSendAll`). Runs from `notify-local-steps` on
  // journal, plan and render through local activities and send with `renderAndSend`. Each patch implies the
  // earlier ones and is asked only when the later one is not there: a patch costs a run two history events
  // (its marker and an upsert).
  const sendsHere = patched('notify-send-local');
  const batched = sendsHere || patched('notify-send-batch');
  const steps = batched || patched('notify-local-steps') ? localSteps : serverSteps;
  // Runs recorded before the search attributes replay without the upserts.
  const indexed = steps.local || patched('notify-search-attributes');
  const mark = (notifyState: NotifyState): void => {
    if (indexed) upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.notifyState, value: notifyState }]);
  };
  /** The result, with `NotifyState` set to its outcome for the Temporal UI. */
  const finish = (result: NotifyEventResult): NotifyEventResult => {
    mark(result.outcome);
    return result;
  };
  // The API sets these at start; a run started any other way (by hand, from the UI) gets them here.
  // (Skipped when the start set them: one history event less per run.)
  if (indexed && !(steps.local && workflowInfo().typedSearchAttributes.get(SEARCH_ATTRIBUTES.notifyState) !== undefined)) {
    upsertSearchAttributes(eventSearchAttributes(input, 'received'));
  }

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
  const plan = steps.local ? await local.beginEvent({ scope, data: input.data }) : await beginOnServer(scope, input);
  if (plan.mode === 'off') return finish({ outcome: 'skipped', reason: MODE_OFF_REASON, deliveries: [] });
  if (plan.skipReason !== undefined) return finish({ outcome: 'skipped', reason: plan.skipReason, deliveries: [] });

  if (plan.confirm.required) {
    if (steps.local || patched('render-before-confirmation')) {
      // The person deciding sees what would go out (R13): the texts are journaled before a decision is accepted.
      const pending = await pendingMessages(steps, input, plan);
      await steps.recordStep({
        scope,
        step: EVENT_STEPS.awaitingConfirmation,
        status: 'awaiting_confirmation',
        details: { timeoutSeconds: plan.confirm.timeoutSeconds, pending },
      });
      state = 'awaiting_confirmation';
      mark('awaiting_confirmation');
    } else {
      state = 'awaiting_confirmation';
      mark('awaiting_confirmation');
      await steps.recordStep({
        scope,
        step: EVENT_STEPS.awaitingConfirmation,
        status: 'awaiting_confirmation',
        details: { timeoutSeconds: plan.confirm.timeoutSeconds },
      });
    }
    const answered = await condition(() => decision !== undefined, plan.confirm.timeoutSeconds * 1000);
    state = 'running';
    if (!answered || decision === undefined) {
      await steps.recordStep({ scope, step: EVENT_STEPS.expired, status: 'expired', reason: expiredReason(plan.confirm.timeoutSeconds) });
      return finish({ outcome: 'expired', reason: expiredReason(plan.confirm.timeoutSeconds), deliveries: [] });
    }
    const comment = decision.comment ?? null;
    const decider = { by: decision.by, ...(decision.byUserId !== undefined ? { byUserId: decision.byUserId } : {}) };
    if (!decision.approve) {
      await steps.recordStep({ scope, step: EVENT_STEPS.rejected, status: 'rejected', reason: reasonText('rejected_by_person', comment ?? undefined), details: { ...decider, comment } });
      return finish({ outcome: 'rejected', reason: reasonText('rejected_by_person', decision.by), deliveries: [] });
    }
    await steps.recordStep({ scope, step: EVENT_STEPS.approved, status: 'approved', details: { ...decider, comment } });
    // The wait may have lasted hours: honour the company's mode as it is now (R1), not as it was.
    if (steps.local || patched('mode-after-approval')) {
      const now = await steps.loadPlan({ companyId: input.companyId, eventType: input.eventType, counterpartyId: input.counterpartyId });
      if (now.mode === 'off') {
        await steps.recordStep({ scope, step: EVENT_STEPS.skipped, status: 'skipped', reason: reasonText('sending_turned_off') });
        return finish({ outcome: 'skipped', reason: MODE_OFF_REASON, deliveries: [] });
      }
      plan.mode = now.mode;
    }
  }

  mark('sending');
  const firstAttempts = batched ? sendFirstAttempts(scope, input, plan, sendsHere) : { byKey: new Map<string, Promise<FirstAttempt>>(), completed: Promise.resolve(false) };
  const deliveries = await Promise.all(
    plan.deliveries.map((d) =>
      // Whatever goes wrong with one recipient stays with that recipient.
      deliver(steps, scope, input, plan, d, firstAttempts.byKey.get(d.key)).catch(async (err: unknown): Promise<DeliveryOutcome> => {
        const failure = failureReason(err);
        await steps.recordStep({ scope, audience: d.audience, recipientName: d.recipientName, step: deliveryStep(d.key, 'error'), status: 'failed', reason: failure.message, details: failure.details });
        return { key: d.key, audience: d.audience, recipient: d.recipientName, status: 'failed', reason: failure.message };
      }),
    ),
  );
  const tracked = plan.deliveries.filter((d) => deliveries.some((o) => o.key === d.key && o.status === 'not_sent_tracked'));
  if (tracked.length > 0 && plan.trackedAlert && patched('tracked-manager-alert')) {
    // R14: the responsible manager hears that a message waits for them, with a link to act on it.
    const alert = trackedAlertOf(input, plan, plan.trackedAlert, tracked);
    await deliver(steps, scope, input, plan, alert).catch(async (err: unknown) => {
      const failure = failureReason(err);
      await steps.recordStep({ scope, audience: alert.audience, recipientName: alert.recipientName, step: deliveryStep(alert.key, 'error'), status: 'failed', reason: failure.message, details: failure.details });
    });
  }
  const outcome = eventOutcome(deliveries);
  // Every message went out on its first attempt: the send task has journaled the closing entry.
  if (!(await firstAttempts.completed)) await steps.recordStep(completionStep(scope, outcome));
  return finish({ outcome, deliveries });
}

/**
 * The opening steps as runs recorded before `notify-local-steps` took them:
 * one activity each for `received`, the plan, and `skipped` or `recipients_resolved`.
 */
async function beginOnServer(scope: JournalScope, input: NotifyEventInput): Promise<Plan> {
  await recordStep({ scope, step: EVENT_STEPS.received, status: 'received', details: { data: input.data } });

  const plan = await loadPlan({ companyId: input.companyId, eventType: input.eventType, counterpartyId: input.counterpartyId });
  if (plan.mode === 'off') {
    await recordStep({ scope, step: EVENT_STEPS.skipped, status: 'skipped', reason: MODE_OFF_REASON });
    return plan;
  }
  if (plan.skipReason !== undefined) {
    await recordStep({ scope, step: EVENT_STEPS.skipped, status: 'skipped', reason: plan.skipReason });
    return plan;
  }
  await recordStep({ scope, step: EVENT_STEPS.recipients, status: 'recipients_resolved', details: recipientsDetails(plan) });
  return plan;
}

/**
 * The route a delivery's message goes out on now, rendered and sent by one
 * activity: its first route, when that one can be tried and does not wait for
 * a scheduled dispatch. Undefined when the delivery starts any other way.
 */
function firstRouteNow(plan: Plan, d: PlannedDelivery): UsableRoute | undefined {
  const route = d.routes[0];
  if (plan.mode === 'test' || d.optedOut || !route || !isUsable(d, route) || waitsForDispatch(route.channel, plan.emailDelivery)) return undefined;
  return route;
}

/** What one delivery's send activity is given, but the template and its variables. */
function sendInputOf(scope: JournalScope, plan: Plan, d: PlannedDelivery, route: UsableRoute) {
  return { scope, deliveryKey: d.key, audience: d.audience, channel: route.channel, to: route.address, toName: d.recipientName, from: plan.from };
}

/** The event's closing journal entry. */
function completionStep(scope: JournalScope, outcome: NotifyEventResult['outcome']): RecordStepInput {
  return { scope, step: EVENT_STEPS.completed, status: 'completed', reason: outcomeReason(outcome), details: { outcome } };
}

/**
 * Starts the first attempt of every message that goes out now on its
 * delivery's first route, `FIRST_ATTEMPTS_PER_TASK` to an activity (a local
 * one when `here`), and returns each delivery's attempt by its key. An
 * activity that fails as a whole is a transient failure of each of its messages.
 * When one task carries all of the event's messages, it also journals the
 * event `completed` if every one was sent (`completed` resolves true then).
 */
function sendFirstAttempts(
  scope: JournalScope,
  input: NotifyEventInput,
  plan: Plan,
  here: boolean,
): { byKey: Map<string, Promise<FirstAttempt>>; completed: Promise<boolean> } {
  const messages = plan.deliveries.flatMap((d) => {
    const route = firstRouteNow(plan, d);
    return route ? [{ key: d.key, send: { ...sendInputOf(scope, plan, d, route), template: d.templates[route.channel]!, data: messageData(input, plan, d) } }] : [];
  });
  const byKey = new Map<string, Promise<FirstAttempt>>();
  const whole = messages.length > 0 && messages.length === plan.deliveries.length && messages.length <= FIRST_ATTEMPTS_PER_TASK;
  let completed = Promise.resolve(false);
  for (let i = 0; i < messages.length; i += FIRST_ATTEMPTS_PER_TASK) {
    const chunk = messages.slice(i, i + FIRST_ATTEMPTS_PER_TASK);
    const task = (here ? renderAndSendAllHere : renderAndSendAll)({
      messages: chunk.map((m) => m.send),
      ...(whole ? { completion: completionStep(scope, 'completed') } : {}),
    }).catch(
      (err: unknown): RenderAndSendAllResult => ({
        results: chunk.map(() => ({ failed: { type: failureType(err) ?? 'ActivityFailure', message: failureReason(err).message, providerReason: null, nonRetryable: false } })),
      }),
    );
    chunk.forEach((m, j) => byKey.set(m.key, task.then(({ results }) => results[j]!)));
    if (whole) completed = task.then((result) => result.completed === true);
  }
  return { byKey, completed };
}

/**
 * A message whose first attempt `renderAndSendAll` made: its result, or the
 * attempts left of its channel's budget after the same backoff (a rate
 * limit's wait first). A permanent failure is thrown as it came.
 */
async function afterFirstAttempt(channel: Channel, send: RenderAndSendInput, first: FirstAttempt): Promise<SendMessageResult> {
  if (first.sent) return first.sent;
  const { failed } = first;
  if (failed.nonRetryable || isPermanentFailureType(failed.type) || sendBudgets[channel].maximumAttempts < 2) {
    throw ApplicationFailure.create({ message: failed.message, type: failed.type, details: [failed.providerReason], nonRetryable: failed.nonRetryable });
  }
  await sleep(failed.retryAfterMs ?? sendBudgets[channel].initialIntervalMs);
  return laterSenders[channel]({ ...send, attemptOffset: 1 });
}

/**
 * One recipient: channels in order until one delivers. Failures are journaled
 * and end here; they never fail the workflow or hold the other recipients.
 * `first` is the first route's first attempt when `renderAndSendAll` made it.
 */
async function deliver(
  steps: Steps,
  scope: JournalScope,
  input: NotifyEventInput,
  plan: Plan,
  d: PlannedDelivery,
  first?: Promise<FirstAttempt>,
): Promise<DeliveryOutcome> {
  const { recordStep, renderMessage } = steps;
  const data = messageData(input, plan, d);
  const base = { scope, audience: d.audience, recipientName: d.recipientName } as const;
  const outcome = { key: d.key, audience: d.audience, recipient: d.recipientName };
  const usable = usableRoutes(d);

  if (d.optedOut) {
    const decision = optedOutDecision(d, plan.trackedByManager);
    if (decision.action === 'skip') {
      await recordStep({ ...base, step: deliveryStep(d.key, 'opted-out'), status: 'skipped', reason: decision.reason });
      return { ...outcome, status: 'skipped', reason: decision.reason };
    }
    const first = decision.route;
    const message = await renderMessage({ channel: first.channel, template: d.templates[first.channel]!, data });
    await recordStep({
      ...base,
      step: deliveryStep(d.key, 'tracked'),
      status: 'not_sent_tracked',
      channel: first.channel,
      recipient: first.address,
      subject: message.subject,
      body: message.text,
      reason: TRACKED_REASON,
      // The From of the template's legal entity, for a manager's send by hand (R14).
      details: { deliveryKey: d.key, ...(message.html ? { html: message.html } : {}), ...(first.channel === 'email' ? { from: senderOf(plan.from, message) } : {}) },
    });
    return { ...outcome, channel: first.channel, status: 'not_sent_tracked' };
  }

  if (usable.length === 0) {
    const reason = noUsableRouteReason(d);
    await recordStep({ ...base, step: deliveryStep(d.key, 'skipped'), status: 'skipped', reason });
    return { ...outcome, status: 'skipped', reason };
  }

  let lastReason = '';
  for (const [i, route] of d.routes.entries()) {
    const next = nextUsableRoute(d, i);
    const routeBase = { ...base, channel: route.channel, ...(route.address ? { recipient: route.address } : {}) };
    if (!isUsable(d, route)) {
      if (next) await fallback(steps, routeBase, d.key, route.channel, next.channel, unusableRouteReason(route));
      continue;
    }
    const template = d.templates[route.channel]!;
    const renderInput = { channel: route.channel, template, data };
    const renderedEntry = (message: RenderedMessage) => ({
      ...routeBase,
      step: routeStep(d.key, route.channel, 'rendered'),
      status: 'rendered' as const,
      subject: message.subject,
      body: message.text,
      details: message.html ? { html: message.html } : {},
    });
    const queuedEntry = (message: RenderedMessage, reason: string) => ({
      ...routeBase,
      step: routeStep(d.key, route.channel, 'queued'),
      status: 'queued' as const,
      subject: message.subject,
      body: message.text,
      reason,
      details: {
        deliveryKey: d.key,
        from: senderOf(plan.from, message),
        ...(message.html ? { html: message.html } : {}),
        ...(message.attachments ? { attachments: message.attachments } : {}),
      },
    });
    // After `notify-local-steps`, a message that goes to its provider now is rendered, journaled and sent by one activity.
    const atOnce = steps.local && plan.mode !== 'test' && !waitsForDispatch(route.channel, plan.emailDelivery);

    let message: RenderedMessage | undefined;
    if (!atOnce) {
      try {
        message = await renderMessage(renderInput);
      } catch (err) {
        lastReason = failureReason(err).message;
        if (next) {
          await fallback(steps, routeBase, d.key, route.channel, next.channel, lastReason);
          continue;
        }
        break;
      }
      if (plan.mode === 'test') {
        await steps.record(renderedEntry(message), {
          ...routeBase,
          step: routeStep(d.key, route.channel, 'test'),
          status: 'test',
          subject: message.subject,
          body: message.text,
          reason: reasonText('test_mode'),
        });
        return { ...outcome, channel: route.channel, status: 'test' };
      }
      if (waitsForDispatch(route.channel, plan.emailDelivery)) {
        await steps.record(renderedEntry(message), queuedEntry(message, reasonText('batched')));
        return { ...outcome, channel: route.channel, status: 'queued' };
      }
      await recordStep(renderedEntry(message));
    }

    try {
      const send = sendInputOf(scope, plan, d, route);
      const sent = message
        ? await senders[route.channel]({ ...send, message })
        : first && i === 0
          ? await afterFirstAttempt(route.channel, { ...send, template, data }, await first)
          : await renderSenders[route.channel]({ ...send, template, data });
      // An earlier attempt's fate unknown (`unknown` journaled): neither sent again nor a reason to fall back.
      if (sent.outcomeUnknown) return { ...outcome, channel: route.channel, status: 'unknown' };
      return { ...outcome, channel: route.channel, status: 'sent', providerMessageId: sent.providerMessageId };
    } catch (err) {
      if (!message && isTemplateFailure(err)) {
        // Rendered inside the send activity: the same as a render step that failed.
        lastReason = failureReason(err).message;
        if (next) {
          await fallback(steps, routeBase, d.key, route.channel, next.channel, lastReason);
          continue;
        }
        break;
      }
      const failure = failureReason(err);
      lastReason = failure.message;
      if (queuesAfterFailure(route.channel, failure.permanent, next)) {
        message ??= await renderMessage(renderInput);
        await recordStep(queuedEntry(message, reasonText('retry_later', failure.message)));
        return { ...outcome, channel: route.channel, status: 'queued', reason: failure.message };
      }
      if (next) {
        await fallback(steps, routeBase, d.key, route.channel, next.channel, failure.message, failure.details);
        continue;
      }
      await recordStep({
        ...routeBase,
        step: routeStep(d.key, route.channel, 'failed'),
        status: 'failed',
        reason: failure.message,
        details: failure.details,
      });
      return { ...outcome, channel: route.channel, status: 'failed', reason: failure.message };
    }
  }
  const reason = lastReason || NO_CHANNEL_REASON;
  await recordStep({ ...base, step: deliveryStep(d.key, 'failed'), status: 'failed', reason });
  return { ...outcome, status: 'failed', reason };
}

/** The variables one recipient's templates see. */
function messageData(input: NotifyEventInput, plan: Plan, d: PlannedDelivery): Record<string, unknown> {
  return {
    ...plan.context,
    ...input.data,
    recipient: d.recipient,
    event: { id: input.eventId, type: input.eventType, occurredAt: input.occurredAt ?? null },
    ...d.data,
  };
}

/** The manager's alert about tracked messages: who was not told and where to act (the event in the console). */
function trackedAlertOf(input: NotifyEventInput, plan: Plan, alert: PlannedDelivery, tracked: readonly PlannedDelivery[]): PlannedDelivery {
  const base = (plan.consoleUrl ?? '').replace(/\/+$/, '');
  return {
    ...alert,
    data: {
      link: `${base}/console/events/${encodeURIComponent(input.eventId)}`,
      tracked: { count: tracked.length, names: tracked.map((d) => d.recipientName).join(', ') },
    },
  };
}

/**
 * What would go out on approval: each recipient's message on the first route
 * that can be tried. Recipients who opted out, or who cannot be reached at all,
 * get nothing now and are journaled as such after the decision.
 */
async function pendingMessages({ renderMessage }: Steps, input: NotifyEventInput, plan: Plan): Promise<PendingMessage[]> {
  const pending = await Promise.all(
    plan.deliveries.map(async (d): Promise<PendingMessage | undefined> => {
      const route = d.optedOut ? undefined : usableRoutes(d)[0];
      if (!route) return undefined;
      const base = { deliveryKey: d.key, audience: d.audience, recipientName: d.recipientName, channel: route.channel, recipient: route.address };
      try {
        const message = await renderMessage({ channel: route.channel, template: d.templates[route.channel]!, data: messageData(input, plan, d) });
        return { ...base, ...(message.subject !== undefined ? { subject: message.subject } : {}), text: message.text };
      } catch (err) {
        return { ...base, text: '', error: failureReason(err).message };
      }
    }),
  );
  return pending.filter((p): p is PendingMessage => p !== undefined);
}

async function fallback(
  { recordStep }: Steps,
  routeBase: { scope: JournalScope; audience: PlannedDelivery['audience']; recipientName: string; channel: Channel; recipient?: string },
  key: string,
  from: Channel,
  to: Channel,
  reason: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  await recordStep({
    ...routeBase,
    step: routeStep(key, from, 'fallback'),
    status: 'fallback',
    reason: `${from} → ${to}: ${reason}`,
    details: { from, to, ...details },
  });
}
