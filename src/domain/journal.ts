/**
 * Statuses of journal entries (R15). A string union rather than an enum so that
 * workflow code, SQL and API clients all see the same plain values.
 */
export const JOURNAL_STATUSES = [
  'received',
  'recipients_resolved',
  'awaiting_confirmation',
  'rendered',
  'queued',
  'sent',
  'delivered',
  'failed',
  'fallback',
  'skipped',
  'test',
  'completed',
] as const;

export type JournalStatus = (typeof JOURNAL_STATUSES)[number];

/** What became of an event as a whole. */
export type EventOutcome = 'completed' | 'partial' | 'failed' | 'skipped';

/** Workflow id of an event: one per company and caller's event id, which is what dedupes retries. */
export function eventWorkflowId(companyId: string, eventId: string): string {
  return `event:${companyId}:${eventId}`;
}
