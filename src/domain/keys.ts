/**
 * Every workflow id and journal step key, in one place. Workflow ids dedupe
 * starts (a retried POST, a redelivered Telegram update); step keys make a
 * journal write idempotent (a retried activity finds its own row). Changing a
 * format here breaks the dedupe of runs already under way: the formats are a
 * contract. Pure string functions, safe inside the workflow sandbox.
 */
import type { Channel, DeliveryReportStatus } from './vocabulary';

// ---------------------------------------------------------------------------
// Workflow ids

/** One per company and caller's event id, which is what dedupes retried posts. */
export function eventWorkflowId(companyId: string, eventId: string): string {
  return `event:${companyId}:${eventId}`;
}

/** A manager's manual send of one tracked journal entry (R14). */
export function manualSendWorkflowId(companyId: string, entryId: number): string {
  return `manual-send:${companyId}:${entryId}`;
}

/**
 * One update of a company's bot. The webhook and the long poll both start it
 * under this id, so an update is applied once whichever way it came.
 */
export function telegramUpdateWorkflowId(companyId: string, updateId: number): string {
  return `telegram-update:${companyId}:${updateId}`;
}

/** The one long-polling loop of a company's bot. */
export function telegramPollWorkflowId(companyId: string): string {
  return `telegram-poll:${companyId}`;
}

/** A test message (R3); `nonce` makes every request its own run. */
export function testMessageWorkflowId(companyId: string, nonce: string): string {
  return `test-message:${companyId}:${nonce}`;
}

/** A balance question asked through the API (R4); `nonce` makes every request its own run. */
export function smsBalanceQueryWorkflowId(companyId: string, nonce: string): string {
  return `sms-balance-query:${companyId}:${nonce}`;
}

// ---------------------------------------------------------------------------
// Delivery keys: one recipient within an event, stable across retries.

export function contactDeliveryKey(contactId: number): string {
  return `client:contact-${contactId}`;
}

/** A fixed extra address of the e-mail template (seed 000 "Адреса"), by position. */
export function extraAddressDeliveryKey(index: number): string {
  return `client:extra-${index}`;
}

export function managerDeliveryKey(managerId: string): string {
  return `manager:${managerId}`;
}

/** The responsible manager told that an event's message waits as "not sent, tracked by manager" (R14). */
export function trackedAlertDeliveryKey(managerId: string): string {
  return `tracked-alert:${managerId}`;
}

/** The delivery key of a tracked entry that was journaled without one. */
export function entryDeliveryKey(entryId: number): string {
  return `entry-${entryId}`;
}

// ---------------------------------------------------------------------------
// Steps: the part of a step key after the workflow id.

/** Steps of an event as a whole. */
export const EVENT_STEPS = {
  received: 'received',
  skipped: 'skipped',
  recipients: 'recipients',
  awaitingConfirmation: 'awaiting-confirmation',
  expired: 'expired',
  rejected: 'rejected',
  approved: 'approved',
  completed: 'completed',
  /** Journaled by the API, not the run: the run closed outside its code while the event awaited a decision. */
  aborted: 'aborted',
} as const;

/** Steps of a manual send (R14). */
export const MANUAL_SEND_STEPS = {
  requested: 'requested',
  skipped: 'skipped',
  test: 'test',
  failed: 'failed',
} as const;

/** Steps of one recipient, whatever the channel. */
export type DeliveryStep = 'error' | 'opted-out' | 'tracked' | 'skipped' | 'failed';

export function deliveryStep(deliveryKey: string, step: DeliveryStep): string {
  return `${deliveryKey}/${step}`;
}

/** One recipient on one channel: the base of that route's steps and of its stable message id. */
export function routeBase(deliveryKey: string, channel: Channel): string {
  return `${deliveryKey}/${channel}`;
}

/** Steps of one recipient on one channel. */
export type RouteStep = 'rendered' | 'test' | 'queued' | 'sent' | 'unknown' | 'failed' | 'fallback' | `attempt-${number}`;

export function routeStep(deliveryKey: string, channel: Channel, step: RouteStep): string {
  return `${routeBase(deliveryKey, channel)}/${step}`;
}

export function attemptStep(attempt: number): `attempt-${number}` {
  return `attempt-${attempt}`;
}

// ---------------------------------------------------------------------------
// Step keys: what the journal's unique index holds.

export function stepKey(workflowId: string, step: string): string {
  return `${workflowId}/${step}`;
}

/**
 * The end every queued e-mail of an event workflow has (R16); a manual send's
 * `queued` request does not, which keeps it out of the outbox.
 */
export const OUTBOX_STEP_SUFFIX = '/email/queued';

/** The keys the scheduled dispatch writes for one queued e-mail, derived from the queued row's own key. */
export function outboxKeys(queuedStepKey: string) {
  const base = queuedStepKey.replace(/\/queued$/, '');
  return {
    /** `<workflow>/<delivery>/email`: also the base of the e-mail's stable Message-ID. */
    base,
    /** The key the event's own send would have used, so the e-mail is sent once either way. */
    sent: `${base}/sent`,
    failed: `${base}/failed`,
    dispatchAttempt: (claimToken: string) => `${base}/dispatch-${claimToken}`,
  };
}

/** A provider's report on a sent message: one entry per sent message and outcome (`journal.recordDeliveryReport` forms the same key in SQL). */
export function deliveryReportStepKey(sentStepKey: string, status: DeliveryReportStatus): string {
  return `${sentStepKey.replace(/\/sent$/, '')}/${status}`;
}

/** The n-th status change of a tracked entry by hand (R14). */
export function statusChangeStepKey(entryStepKey: string, n: number): string {
  return `${entryStepKey}/status/${n}`;
}

/** The base of the stable Message-ID of one low-balance alert (R4). */
export function balanceAlertKey(companyId: string, episode: number): string {
  return `sms-balance/${companyId}/${episode}`;
}
