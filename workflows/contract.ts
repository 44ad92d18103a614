/**
 * The contract between the API, the worker and the workflows: names, message
 * definitions and payload types, importable from both sides.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Audience, Channel, DeliveryStatus, EventOutcome } from '../src/domain/vocabulary';

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

export interface DeliveryOutcome {
  key: string;
  audience: Audience;
  recipient: string;
  /** The channel that delivered, or the last one tried. */
  channel?: Channel;
  status: DeliveryStatus;
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
  status: 'sent' | 'test' | 'failed';
  entryId?: number;
  providerMessageId?: string;
  reason?: string;
}

/** Input of `telegramUpdate`: one update of a company's bot, by webhook or long polling. */
export interface TelegramUpdateInput {
  companyId: string;
  /** The update as Telegram sent it (only the fields the service reads are kept). */
  update: { update_id: number; message?: { message_id: number; chat: { id: number; type: string }; text?: string } };
}

export interface TelegramUpdateResult {
  reply: 'subscribed' | 'unknown_link' | 'unsubscribed' | 'auto_reply' | null;
}

/** Input of `testMessage` (R3). */
export interface TestMessageInput {
  companyId: string;
  channel: Channel;
  to: string;
  text: string;
}

export interface TestMessageResult {
  ok: boolean;
  provider?: string;
  providerMessageId?: string;
  response?: string;
  error?: string;
  errorType?: string;
}

export interface SmsBalanceResult {
  ok: boolean;
  provider?: string;
  amount?: number;
  currency?: string;
  raw?: string;
  error?: string;
}
