/**
 * The contract between the API, the worker and the workflows: names and
 * payload types only, importable from both sides (no runtime dependencies).
 */

export const DEFAULT_TASK_QUEUE = 'notifications';

/** Input of `notifyEvent`. One object, so fields can be added without breaking histories. */
export interface NotifyEventInput {
  companyId: string;
  eventId: string;
  eventType: string;
  counterpartyId: string;
  data: Record<string, unknown>;
  occurredAt?: string;
}

export type EventOutcome = 'completed' | 'partial' | 'failed' | 'skipped';

export interface DeliveryOutcome {
  key: string;
  channel: string;
  recipient: string;
  status: 'sent' | 'test' | 'failed' | 'skipped';
  providerMessageId?: string;
  reason?: string;
}

export interface NotifyEventResult {
  outcome: EventOutcome;
  reason?: string;
  deliveries: DeliveryOutcome[];
}
