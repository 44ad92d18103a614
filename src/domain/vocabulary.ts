/**
 * The words every layer shares: channels, audiences, modes, statuses and the
 * shapes stored in JSON columns. Plain values and types only, so the database
 * schema, the workflows (in their sandbox), the API and the console all read
 * the same definitions.
 */

export const CHANNELS = ['email', 'sms', 'telegram'] as const;
export type Channel = (typeof CHANNELS)[number];

/** A company's primary messaging channel (seed 002): Telegram first (reserve: SMS) or SMS first. */
export const PRIMARY_CHANNELS = ['telegram', 'sms'] as const;
export type PrimaryChannel = (typeof PRIMARY_CHANNELS)[number];

/** Who a message is for: the client's contacts or the client's responsible manager. */
export const AUDIENCES = ['client', 'manager'] as const;
export type Audience = (typeof AUDIENCES)[number];

/** Sending mode of a company (R1): off sends nothing, test renders into the journal only, live sends. */
export const COMPANY_MODES = ['off', 'test', 'live'] as const;
export type CompanyMode = (typeof COMPANY_MODES)[number];

/** Immediate e-mail goes out at once; batched e-mail waits for the scheduled dispatch (R16). */
export const EMAIL_DELIVERIES = ['immediate', 'batched'] as const;
export type EmailDelivery = (typeof EMAIL_DELIVERIES)[number];

/** The kinds of message services a company's provider directory holds (R2). */
export const PROVIDER_KINDS = ['smtp', 'smpp', 'sms_ru', 'telegram'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];
/** The provider kinds that can be a company's primary SMS provider. */
export const SMS_PROVIDER_KINDS = ['smpp', 'sms_ru'] as const satisfies readonly ProviderKind[];

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
  /** A worker died between the provider's call and its answer, and resending could duplicate the message. */
  'unknown',
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
  /** The run ended outside the workflow's own code (stopped in the Temporal UI, timed out, failed) while an entry still waited. */
  'aborted',
  /** A client wrote to the company's bot while "chat with client" is on: kept for the manager. */
  'inbound',
] as const;
export type JournalStatus = (typeof JOURNAL_STATUSES)[number];

/**
 * Statuses a manager may give a "not sent, tracked by manager" entry after
 * acting on it (R14): sent by other means, dealt with, or dropped.
 */
export const MANUAL_STATUSES = ['sent_manually', 'resolved', 'cancelled'] as const;
export type ManualStatus = (typeof MANUAL_STATUSES)[number];

/** What became of an event as a whole. */
export const EVENT_OUTCOMES = ['completed', 'partial', 'failed', 'skipped', 'rejected', 'expired'] as const;
export type EventOutcome = (typeof EVENT_OUTCOMES)[number];

/**
 * Where an event's workflow is, as operators search for it in the Temporal UI
 * (search attribute `NotifyState`): `received` from the start, then
 * `awaiting_confirmation` while a person has to decide (R13), `sending` while
 * the messages go out, and finally the event's outcome.
 */
export const NOTIFY_STATES = ['received', 'awaiting_confirmation', 'sending', ...EVENT_OUTCOMES] as const;
export type NotifyState = (typeof NOTIFY_STATES)[number];

/** What became of one recipient of an event. */
export type DeliveryStatus = 'sent' | 'unknown' | 'test' | 'queued' | 'failed' | 'skipped' | 'not_sent_tracked';

/** A provider's later word on a message it accepted (SMPP receipts, HTTP status callbacks). */
export type DeliveryReportStatus = 'delivered' | 'undelivered';

/** What a provider later says about a message it accepted. */
export interface DeliveryReport {
  /** Set by the provider registry for a company's own provider; absent for the shared default one. */
  companyId?: string;
  provider: string;
  providerMessageId: string;
  status: DeliveryReportStatus;
  /** The provider's own words or code, for the journal. */
  reason?: string;
  at: Date;
}

/** A sender or recipient of e-mail. */
export interface EmailAddress {
  name: string;
  address: string;
}

/** A company's Telegram bot settings (R5); the token itself is a secret kept elsewhere. */
export interface TelegramSettings {
  botUsername?: string;
  /** When off, anything a client writes gets `autoReply` (R5). */
  chatWithClient: boolean;
  autoReply: string;
  /** Public base URL Telegram posts updates to; unset: the worker long-polls. */
  webhookUrl?: string;
  /** SHA-256 of the secret in the webhook path; the secret itself is not kept. */
  webhookSecretHash?: string;
}

/** A variable an event type carries in its `data`, with an example used for previews and template checks. */
export interface EventVariableDef {
  name: string;
  /** Russian, for the people who write templates. */
  description: string;
  example: unknown;
  /** An event without it (absent, null or an empty string) is refused when posted. */
  required?: boolean;
}

export interface AttachmentTemplate {
  /** Liquid template of the file name. */
  filename: string;
  /** Liquid template of the file's text content. */
  content: string;
  contentType: string;
}

/** A client's own body (and, for e-mail, subject) of one channel's template (R12). */
export interface TemplateOverride {
  subject?: string;
  html?: string;
  text?: string;
}

export type TemplateOverrides = Partial<Record<Channel, TemplateOverride>>;

/**
 * Seed 000's "Наша компания": one of the company's legal entities, whose From
 * address, sender name and signature an e-mail template may choose.
 */
export interface LegalEntity {
  /** Stable id templates refer to (`legalEntityId`). */
  id: string;
  /** The entity's name as people read it, e.g. `ООО "Логистик-Центр"`. */
  name: string;
  /** The From address of e-mail sent on its behalf. */
  fromAddress: string;
  /** The display name shown with the From address; the entity's name when absent. */
  fromName?: string;
  /** Plain text, several lines allowed: the template's `legalEntity.signature`, appended when the template does not use it. */
  signature: string;
}

/**
 * One step of an event type's sub-events (seed 000: the checklist steps of a
 * transport request, "Погрузка", "Выгрузка", …). An event names its step in the
 * data variable the type declares (`subEventVariable`); each step has its own
 * active flag and optionally its own client templates per channel.
 */
export interface SubEvent {
  /** Stable machine name, e.g. `loading`. */
  code: string;
  /** The step's name as the business system sends it and people read it, e.g. "Погрузка". */
  name: string;
  active: boolean;
  /** Per channel: replaces the subject and body of the event type's client template for this step. */
  templates?: TemplateOverrides;
}
