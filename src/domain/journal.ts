/**
 * Statuses of journal entries (R15). A string union rather than an enum so that
 * workflow code, SQL and API clients all see the same plain values.
 */
export const JOURNAL_STATUSES = [
  'received',
  'recipients_resolved',
  'awaiting_confirmation',
  'approved',
  'rejected',
  'expired',
  'rendered',
  'queued',
  'sent',
  'delivered',
  'undelivered',
  'attempt_failed',
  'failed',
  'fallback',
  'skipped',
  'not_sent_tracked',
  'status_changed',
  'test',
  'completed',
] as const;

/**
 * Statuses a manager may give a "not sent, tracked by manager" entry after
 * acting on it (R14): sent by other means, dealt with, or dropped.
 */
export const MANUAL_STATUSES = ['sent_manually', 'resolved', 'cancelled'] as const;
export type ManualStatus = (typeof MANUAL_STATUSES)[number];

export type JournalStatus = (typeof JOURNAL_STATUSES)[number];

/** What became of an event as a whole. */
export type EventOutcome = 'completed' | 'partial' | 'failed' | 'skipped';

/** Workflow id of an event: one per company and caller's event id, which is what dedupes retries. */
export function eventWorkflowId(companyId: string, eventId: string): string {
  return `event:${companyId}:${eventId}`;
}
