/**
 * The inputs and outputs of the activities: one object in, one object out,
 * so fields can be added without breaking running histories.
 */
import type { ChannelTemplate } from '../src/domain/plan';
import type { Audience, Channel, CompanyMode, EmailAddress, JournalStatus } from '../src/domain/vocabulary';
import type { BalanceAlertOutcome } from '../workflows/contract';

/** Identifies the event a journal entry belongs to. */
export interface JournalScope {
  companyId: string;
  eventId: string;
  eventType: string;
  counterpartyId: string;
}

export interface RecordStepInput {
  scope: JournalScope;
  /** Unique within the workflow: the same step recorded twice is one row. */
  step: string;
  status: JournalStatus;
  audience?: Audience;
  channel?: Channel;
  recipient?: string;
  recipientName?: string;
  subject?: string;
  body?: string;
  provider?: string;
  providerMessageId?: string;
  reason?: string;
  attempt?: number;
  details?: Record<string, unknown>;
}

export interface RecordStepResult {
  entryId: number;
  created: boolean;
}

export interface LoadPlanInput {
  companyId: string;
  eventType: string;
  counterpartyId: string;
  /** The event's data: it names the step of a type with sub-events (seed 000). */
  data?: Record<string, unknown>;
}

export interface BeginEventInput {
  scope: JournalScope;
  /** The event's data, journaled with `received`. */
  data: Record<string, unknown>;
}

export interface RenderMessageInput {
  channel: Channel;
  template: ChannelTemplate;
  data: Record<string, unknown>;
}

export interface RenderedMessage {
  subject?: string;
  html?: string | null;
  text: string;
  fromName?: string | null;
  /** E-mail: the legal entity's From address, when the template sends as one. */
  fromAddress?: string | null;
  attachments?: { filename: string; content: string; contentType: string }[];
}

export interface SendMessageInput {
  scope: JournalScope;
  deliveryKey: string;
  audience: Audience;
  channel: Channel;
  to: string;
  toName: string;
  from: EmailAddress;
  message: RenderedMessage;
  /** Set for a manager's manual send (R14): the journal entry it answers. */
  manualOf?: number;
}

export interface SendMessageResult {
  provider: string;
  providerMessageId: string;
  response: string;
  entryId: number;
  /** True when an earlier attempt had already sent it. */
  alreadySent: boolean;
  /**
   * An earlier attempt called the provider and died before its answer was
   * journaled; the message may or may not have gone out, `unknown` is
   * journaled and it was not sent again.
   */
  outcomeUnknown?: boolean;
}

/** A message rendered and sent by one activity: the template and its variables instead of the text. */
export interface RenderAndSendInput extends Omit<SendMessageInput, 'message' | 'manualOf'> {
  template: ChannelTemplate;
  data: Record<string, unknown>;
  /**
   * Attempts made before this activity by another one: 1 when `renderAndSendAll`
   * made the first. The journal numbers this activity's attempts after them.
   */
  attemptOffset?: number;
}

/** The first attempt of each of an event's messages that go out now, in one activity. */
export interface RenderAndSendAllInput {
  messages: RenderAndSendInput[];
  /**
   * The event's closing entry, given when these messages are all of the
   * event's: journaled by this task when every one of them was sent, so the
   * run ends without a journal write of its own.
   */
  completion?: RecordStepInput;
}

/** A first attempt that failed, as the workflow needs it to retry, fall back or give up. */
export interface SendFailure {
  /** The failure's type: the channel error's class name (`RejectedError`, `UnavailableError`, `TemplateError`, …). */
  type: string;
  message: string;
  /** The provider's own words, when it gave any. */
  providerReason: string | null;
  /** Retrying cannot help. */
  nonRetryable: boolean;
  /** A rate limit's wait before the next attempt. */
  retryAfterMs?: number;
}

/** One message's first attempt: its result, or why it failed. */
export type FirstAttempt = { sent: SendMessageResult; failed?: undefined } | { failed: SendFailure; sent?: undefined };

export interface RenderAndSendAllResult {
  /** In the order of the input's messages. */
  results: FirstAttempt[];
  /** The `completion` entry was journaled. */
  completed?: boolean;
}

/** What a manual send (R14) needs from the journal entry it answers. */
export interface ManualSendPlan {
  /** The company's mode now: a manual send obeys it like any other (R1). */
  mode: CompanyMode;
  scope: JournalScope;
  send: Omit<SendMessageInput, 'scope' | 'manualOf'>;
}

export interface ClaimQueuedEmailsInput {
  /** Only this company's entries; every company's when absent. */
  companyId?: string;
  limit: number;
  /** How long the claim keeps other runs away. Must outlast every retry of one send. */
  leaseSeconds: number;
  /** Unique per run and batch. A retried claim with the same token gets the same entries back. */
  claimToken: string;
}

export interface ClaimQueuedEmailsResult {
  claimToken: string;
  entryIds: number[];
}

export interface SendQueuedEmailInput {
  entryId: number;
  claimToken: string;
  leaseSeconds: number;
  /** After a transient failure, the entry is not claimed again before this many seconds. */
  retryDelaySeconds: number;
}

export interface SendQueuedEmailsInput {
  /** Entries claimed together under `claimToken` (one batch of the dispatch). */
  entryIds: number[];
  claimToken: string;
  leaseSeconds: number;
  /** After a transient failure, an entry is not claimed again before this many seconds. */
  retryDelaySeconds: number;
}

export interface SendQueuedEmailsResult {
  /** One per entry asked for, in the same order. */
  results: SendQueuedEmailResult[];
}

/**
 * - `sent`: delivered now, `sent` journaled.
 * - `already_done`: an earlier attempt (or run) already sent it or failed it for good.
 * - `failed`: the server refused it for good, `failed` journaled with the reason.
 * - `retry_later`: a transient failure; the claim is released and a later run retries.
 * - `not_claimed`: the claim was lost (its lease passed and another run took the entry); nothing done.
 */
export type SendQueuedEmailOutcome = 'sent' | 'already_done' | 'failed' | 'retry_later' | 'not_claimed';

export interface SendQueuedEmailResult {
  entryId: number;
  outcome: SendQueuedEmailOutcome;
  /** The `sent` or `failed` journal entry. */
  journalEntryId?: number;
  reason?: string;
}

export interface CheckBalanceInput {
  companyId: string;
}

/**
 * - `no_threshold`: the company set none (R4 `none`); the provider is not asked.
 * - `no_provider`: no SMS provider to ask.
 * - `unsupported`: the provider cannot tell its balance (e.g. an SMPP gateway without a balance URL).
 * - `checked`: `amount` was read and the alert state updated.
 */
export type CheckBalanceResult =
  | { status: 'no_threshold' }
  | { status: 'no_provider' | 'unsupported'; threshold: number; reason: string }
  | {
      status: 'checked';
      provider: string;
      amount: number;
      currency?: string;
      threshold: number;
      below: boolean;
      /** Counts the falls below the threshold; one alert per episode. */
      episode: number;
      /** Below the threshold and this episode's alert has not gone out yet. */
      alertDue: boolean;
    };

export interface SendBalanceAlertInput {
  companyId: string;
  episode: number;
  provider: string;
  amount: number;
  currency?: string;
  threshold: number;
}

/** See {@link BalanceAlertOutcome}. */
export interface SendBalanceAlertResult {
  outcome: BalanceAlertOutcome;
  to?: string;
  providerMessageId?: string;
}
