/**
 * The contract between the API, the worker and the workflows: every workflow's
 * name, input and output, the update and query definitions, importable from
 * both sides. `WorkflowContract` is what the client's typed start checks
 * arguments against; `workflows/index.ts` checks that the implementations
 * match it.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ManualEdited, ManualEdits } from '../src/domain/manual-send';
import type { Audience, Channel, DeliveryStatus, EventOutcome, NotifyState } from '../src/domain/vocabulary';

export const DEFAULT_TASK_QUEUE = 'notifications';

/**
 * Custom search attributes of `notifyEvent` runs, so operators find them in the
 * Temporal UI by company, client, event type and state, e.g.
 * `CounterpartyId='c-1' AND NotifyState='awaiting_confirmation'`. The API sets
 * them at start; the workflow moves `NotifyState` along (`NotifyState` values:
 * `NOTIFY_STATES`). They must be registered on the server: the dev server does it
 * at start (`src/dev/temporal.ts`), a cluster once by hand (README).
 */
export const SEARCH_ATTRIBUTES = {
  companyId: defineSearchAttributeKey('CompanyId', SearchAttributeType.KEYWORD),
  counterpartyId: defineSearchAttributeKey('CounterpartyId', SearchAttributeType.KEYWORD),
  eventType: defineSearchAttributeKey('EventType', SearchAttributeType.KEYWORD),
  notifyState: defineSearchAttributeKey('NotifyState', SearchAttributeType.KEYWORD),
} as const;

/** The search attributes a `notifyEvent` run starts with. */
export function eventSearchAttributes(
  input: Pick<NotifyEventInput, 'companyId' | 'counterpartyId' | 'eventType'>,
  state: NotifyState = 'received',
): SearchAttributePair[] {
  return [
    { key: SEARCH_ATTRIBUTES.companyId, value: input.companyId },
    { key: SEARCH_ATTRIBUTES.counterpartyId, value: input.counterpartyId },
    { key: SEARCH_ATTRIBUTES.eventType, value: input.eventType },
    { key: SEARCH_ATTRIBUTES.notifyState, value: state },
  ];
}

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

/**
 * One message that would go out on approval (R13), journaled in the details of
 * the `awaiting_confirmation` entry as `pending`.
 */
export interface PendingMessage {
  deliveryKey: string;
  audience: Audience;
  recipientName: string;
  channel: Channel;
  /** The address on that channel. */
  recipient: string;
  /** E-mail only. */
  subject?: string;
  text: string;
  /** Why the message could not be rendered; it would fall back or fail on approval. */
  error?: string;
}

/** A person's answer to "send this?" (R13). */
export interface DecisionInput {
  approve: boolean;
  /** Who decided: the authenticated caller as the API names it (`actorOf`), never what a request body claims. */
  by: string;
  /** The signed-in person's user id when a person decided; absent for an API key. */
  byUserId?: number;
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
  /** The signed-in person's user id when a person sends; absent for an API key. */
  byUserId?: number;
  comment?: string;
  /** The manager's edits (text, e-mail subject, recipient checked for the channel); absent: send as journaled. */
  edits?: ManualEdits;
  /** `manualRequestKey` of the request, journaled so that a repeated request is recognised. */
  requestKey?: string;
}

export interface ManualSendResult {
  status: 'sent' | 'test' | 'failed';
  entryId?: number;
  providerMessageId?: string;
  reason?: string;
  /** Where it went. Absent in results of runs before edits existed. */
  recipient?: string;
  edited?: ManualEdited;
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
  /** Who asked (the API key's or the person's label), for the journal. */
  by?: string;
}

export interface TestMessageResult {
  ok: boolean;
  provider?: string;
  providerMessageId?: string;
  response?: string;
  /** SMS: how the text was encoded and how many segments (billed messages) it took. */
  sms?: { encoding: 'GSM-7' | 'UCS-2'; segments: number; length: number };
  /** The journal row that records this test message. */
  journalEntryId?: number;
  error?: string;
  errorType?: string;
}

export interface SmsBalanceResult {
  ok: boolean;
  provider?: string;
  amount?: number;
  /** What `amount` counts: messages left, or money in `currency`. */
  unit?: 'messages' | 'money';
  currency?: string;
  /** The unit for people: `SMS`, `₽ (RUB)`. */
  unitLabel?: string;
  /** The amount with its unit, as a Russian business writes it: «42,50 ₽», «120 SMS». */
  formatted?: string;
  raw?: string;
  error?: string;
}

/** Input of `pollTelegram`: one long-polling loop per company's bot. */
export interface PollTelegramInput {
  companyId: string;
  /** The next update id to ask for, carried over by continue-as-new. */
  offset?: number;
}

/** Input of `dispatchEmailOutbox`; a company's schedule `email-dispatch:<companyId>` starts it with `{ companyId }`. */
export interface DispatchEmailOutboxInput {
  /** Only this company's queued e-mail, as the schedules run it; every company's when absent (a run started by hand). */
  companyId?: string;
  /** Entries claimed and sent together, 1–500. Default 100. */
  batchSize?: number;
  /** Entries one run takes at most (across continue-as-new); the rest wait for the next run. Default 5000. */
  maxEmails?: number;
  /** How long a claim keeps other runs away; at least 300 s so that it outlasts every retry of a send. Default 600. */
  leaseSeconds?: number;
  /** After a transient failure the entry is not claimed again for this long. Default 60. */
  retryDelaySeconds?: number;
  /** Counts so far, carried over by continue-as-new. */
  progress?: DispatchEmailOutboxResult;
}

export interface DispatchEmailOutboxResult {
  batches: number;
  claimed: number;
  sent: number;
  failed: number;
  retryLater: number;
  /** Already done by an earlier attempt, or the claim was lost to another run. */
  skipped: number;
  /** Sends whose activity failed past its retries; their claims lapse and a later run takes them. */
  errors: number;
  /** Stopped at `maxEmails` with entries possibly left. */
  more: boolean;
}

/** Input of `checkSmsBalance`; the schedule `sms-balance` of a company starts it. */
export interface CheckSmsBalanceInput {
  companyId: string;
}

/**
 * What became of the low-balance alert:
 * - `sent`: the administrator got the e-mail.
 * - `already_sent`: this episode's alert went out before.
 * - `stale`: the balance went back above the threshold (or fell again) since the check.
 * - `no_admin_email`: nobody to tell; the next check tries again.
 */
export type BalanceAlertOutcome = 'sent' | 'already_sent' | 'stale' | 'no_admin_email';

export interface CheckSmsBalanceResult {
  /**
   * `ok` at or above the threshold, `below` under it; `no_threshold`,
   * `no_provider`, `unsupported` when there is nothing to check; `unavailable`
   * when the provider did not answer.
   */
  status: 'ok' | 'below' | 'no_threshold' | 'no_provider' | 'unsupported' | 'unavailable';
  amount?: number;
  currency?: string;
  threshold?: number;
  /** Below the threshold: what became of the administrator's alert (`failed`: the next check tries again). */
  alert?: BalanceAlertOutcome | 'failed';
  reason?: string;
}

/** Input of `smsBalance` (R4): the balance, asked now. */
export interface SmsBalanceInput {
  companyId: string;
}

/** Every workflow type by name, with its one input and its output. */
/** Input of `purgeJournal`; the schedule `journal-retention` starts it with the worker's `JOURNAL_RETENTION_DAYS`. */
export interface PurgeJournalInput {
  /** Journals of events whose every row is older than this many days go. */
  olderThanDays: number;
  /** Events looked at per batch (default 500). */
  batchSize?: number;
}

export interface PurgeJournalResult {
  /** The cutoff: rows older than this were eligible. */
  before: string;
  deletedEvents: number;
  deletedRows: number;
  /** True when the run stopped at its batch cap with old events left; the next run goes on. */
  more: boolean;
}

export interface WorkflowContract {
  notifyEvent(input: NotifyEventInput): Promise<NotifyEventResult>;
  manualSend(input: ManualSendInput): Promise<ManualSendResult>;
  telegramUpdate(input: TelegramUpdateInput): Promise<TelegramUpdateResult>;
  testMessage(input: TestMessageInput): Promise<TestMessageResult>;
  smsBalance(input: SmsBalanceInput): Promise<SmsBalanceResult>;
  pollTelegram(input: PollTelegramInput): Promise<void>;
  dispatchEmailOutbox(input?: DispatchEmailOutboxInput): Promise<DispatchEmailOutboxResult>;
  checkSmsBalance(input: CheckSmsBalanceInput): Promise<CheckSmsBalanceResult>;
  purgeJournal(input: PurgeJournalInput): Promise<PurgeJournalResult>;
}

export type WorkflowName = keyof WorkflowContract;
