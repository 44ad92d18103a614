/**
 * The contract between the API, the worker and the workflows: names, message
 * definitions and payload types, importable from both sides.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';

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

export type EventOutcome = 'completed' | 'partial' | 'failed' | 'skipped' | 'rejected' | 'expired';

export interface DeliveryOutcome {
  key: string;
  audience: 'client' | 'manager';
  recipient: string;
  /** The channel that delivered, or the last one tried. */
  channel?: string;
  status: 'sent' | 'test' | 'queued' | 'failed' | 'skipped' | 'not_sent_tracked';
  providerMessageId?: string;
  reason?: string;
}

export interface NotifyEventResult {
  outcome: EventOutcome;
  reason?: string;
  deliveries: DeliveryOutcome[];
}

/** What `notifyEvent` is doing, for `GET /v1/events/:id`. */
export type EventWorkflowState = 'running' | 'awaiting_confirmation';

/** A person's answer to "send this?" (R13). */
export interface DecisionInput {
  approve: boolean;
  by: string;
  comment?: string;
}

export interface DecisionResult {
  accepted: true;
  approve: boolean;
}

/** Rejected by its validator unless the workflow is waiting for a decision and has none yet. */
export const decideUpdate = defineUpdate<DecisionResult, [DecisionInput]>('decide');
export const stateQuery = defineQuery<EventWorkflowState>('state');

/** Input of `manualSend`: a manager sends a "not sent, tracked by manager" entry by hand (R14). */
export interface ManualSendInput {
  companyId: string;
  entryId: number;
  by: string;
  comment?: string;
}

export interface ManualSendResult {
  status: 'sent' | 'failed';
  entryId?: number;
  providerMessageId?: string;
  reason?: string;
}
