import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type {
  AttachmentTemplate,
  Audience,
  Channel,
  CompanyMode,
  EmailDelivery,
  EventVariableDef,
  ProviderKind,
  TelegramSettings,
  TemplateOverrides,
  PrimaryChannel,
  LegalEntity,
  SubEvent,
} from '../domain/vocabulary';

/** A tenant: everything else belongs to exactly one company. */
export const companies = pgTable('companies', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** The From address of its e-mail. */
  emailFrom: text('email_from').notNull(),
  /** The display name shown with the From address. */
  emailFromName: text('email_from_name').notNull(),
  mode: text('mode').$type<CompanyMode>().notNull().default('test'),
  /** The provider used for SMS; null: the built-in default from the environment (R2). */
  primarySmsProviderId: text('primary_sms_provider_id'),
  /** Where a Telegram message goes when Telegram cannot deliver (R6); null: nowhere. */
  reserveChannel: text('reserve_channel').$type<Channel>().default('sms'),
  /**
   * Seed 002's "service for sending messages": the company's primary messaging
   * channel for every event type that sends by Telegram or SMS (`reserveChannel`
   * backs Telegram up); null: each event type's own channel order.
   */
  primaryChannel: text('primary_channel').$type<PrimaryChannel>(),
  /** Alert the administrator below this SMS balance (R4); null: never. */
  balanceThreshold: integer('balance_threshold'),
  adminEmail: text('admin_email'),
  /** Telegram bot settings (R5); the token itself lives in `secrets`. */
  telegram: jsonb('telegram').$type<TelegramSettings>().notNull().default({ chatWithClient: false, autoReply: '' }),
  /** Seed 000 "Наша компания": the company's legal entities an e-mail template may send as. */
  legalEntities: jsonb('legal_entities').$type<LegalEntity[]>().notNull().default([]),
  /** Secrets encrypted with SECRETS_KEY: never returned by the API. */
  secrets: text('secrets'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** API keys carry roles (R18); only a SHA-256 of the key is stored. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id),
    name: text('name').notNull(),
    keyHash: text('key_hash').notNull(),
    roles: text('roles').array().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('api_keys_key_hash_idx').on(t.keyHash)],
);

export const managers = pgTable(
  'managers',
  {
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id),
    id: text('id').notNull(),
    name: text('name').notNull(),
    email: text('email'),
    phone: text('phone'),
    telegramChatId: text('telegram_chat_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.id] })],
);

/** A client of the company (a counterparty in the ERP's words). */
export const counterparties = pgTable(
  'counterparties',
  {
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id),
    id: text('id').notNull(),
    name: text('name').notNull(),
    managerId: text('manager_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.id] })],
);

/** The employees of a client company who receive its notifications (R11). */
export const contacts = pgTable(
  'contacts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    companyId: text('company_id').notNull(),
    counterpartyId: text('counterparty_id').notNull(),
    name: text('name').notNull(),
    email: text('email'),
    phone: text('phone'),
    telegramChatId: text('telegram_chat_id'),
    /** The payload of the contact's deep link `t.me/<bot>?start=<token>` (R5). */
    telegramLinkToken: text('telegram_link_token'),
    position: integer('position').notNull().default(0),
  },
  (t) => [index('contacts_counterparty_idx').on(t.companyId, t.counterpartyId)],
);

/** Event types are configuration, not code (R7). */
export const eventTypes = pgTable(
  'event_types',
  {
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id),
    type: text('type').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /** Where it comes from: `erp`, `logistics` or `custom`. */
    source: text('source').notNull().default('custom'),
    variables: jsonb('variables').$type<EventVariableDef[]>().notNull().default([]),
    active: boolean('active').notNull().default(true),
    confirmBeforeSend: boolean('confirm_before_send').notNull().default(false),
    confirmTimeoutSeconds: integer('confirm_timeout_seconds').notNull().default(86_400),
    sendToClient: boolean('send_to_client').notNull().default(true),
    sendToManager: boolean('send_to_manager').notNull().default(false),
    trackedByManager: boolean('tracked_by_manager').notNull().default(false),
    /** The "send this notification" flag a new client gets (R8, R12). */
    defaultSendForNewClients: boolean('default_send_for_new_clients').notNull().default(true),
    emailDelivery: text('email_delivery').$type<EmailDelivery>().notNull().default('immediate'),
    /** Client channels, first choice first. */
    channels: text('channels').array().$type<Channel[]>().notNull().default(sql`'{email}'::text[]`),
    managerChannels: text('manager_channels').array().$type<Channel[]>().notNull().default(sql`'{email}'::text[]`),
    /**
     * SMS and Telegram only: when a worker died after calling the provider and
     * before journaling its answer, send again (a possible duplicate) instead of
     * journaling the message as `unknown`. Off by default.
     */
    resendWhenUnknown: boolean('resend_when_unknown').notNull().default(false),
    /**
     * Seed 000: the data variable that names an event's step (e.g. `checklistEvent`);
     * null: the type has no sub-events.
     */
    subEventVariable: text('sub_event_variable'),
    /** The steps (checklist events) with their own active flag and templates. */
    subEvents: jsonb('sub_events').$type<SubEvent[]>().notNull().default([]),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.type] })],
);

/** Liquid templates per event type, audience and channel (R9). */
export const templates = pgTable(
  'templates',
  {
    companyId: text('company_id').notNull(),
    eventType: text('event_type').notNull(),
    audience: text('audience').$type<Audience>().notNull(),
    channel: text('channel').$type<Channel>().notNull(),
    subject: text('subject'),
    html: text('html'),
    text: text('text'),
    /** E-mail: the sender name shown instead of the company's (seed 000 "Наша компания"). */
    fromName: text('from_name'),
    attachments: jsonb('attachments').$type<AttachmentTemplate[]>().notNull().default([]),
    /** E-mail: fixed extra recipients (seed 000 "Адреса"). */
    extraRecipients: text('extra_recipients').array().notNull().default(sql`'{}'::text[]`),
    /** E-mail: seed 000 "Адреса" chosen from the client's employees (contact ids); see the plan. */
    extraContactIds: bigint('extra_contact_ids', { mode: 'number' }).array().notNull().default(sql`'{}'::bigint[]`),
    /** E-mail: the legal entity (seed 000 "Наша компания") it is sent as; null: the company's own From. */
    legalEntityId: text('legal_entity_id'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.eventType, t.audience, t.channel] })],
);

/**
 * A client's own settings for one event type (R12): whether it is sent at all,
 * and optionally its own body and attachment templates.
 */
export const counterpartyOverrides = pgTable(
  'counterparty_overrides',
  {
    companyId: text('company_id').notNull(),
    counterpartyId: text('counterparty_id').notNull(),
    eventType: text('event_type').notNull(),
    send: boolean('send').notNull(),
    /** Per channel: replaces the body (and subject for e-mail) of the event type's client template. */
    templates: jsonb('templates').$type<TemplateOverrides>().notNull().default({}),
    attachments: jsonb('attachments').$type<AttachmentTemplate[] | null>(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.counterpartyId, t.eventType] })],
);

/**
 * The directory of message services of a company (R2). `config` holds what may
 * be shown; `secrets` is encrypted JSON (passwords, tokens, API keys).
 */
export const providers = pgTable(
  'providers',
  {
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id),
    id: text('id').notNull(),
    kind: text('kind').$type<ProviderKind>().notNull(),
    name: text('name').notNull(),
    config: jsonb('config').$type<Record<string, unknown>>().notNull().default({}),
    secrets: text('secrets'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.id] })],
);

/** Who changed what configuration, when (so an operator can see why a message went out as it did). */
export const configChanges = pgTable(
  'config_changes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    companyId: text('company_id').notNull(),
    actor: text('actor').notNull(),
    entity: text('entity').notNull(),
    entityId: text('entity_id').notNull(),
    action: text('action').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('config_changes_entity_idx').on(t.companyId, t.entity, t.entityId, t.id)],
);

/** An event as posted by a business system; its id is the caller's idempotency key. */
export const events = pgTable(
  'events',
  {
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id),
    id: text('id').notNull(),
    type: text('type').notNull(),
    counterpartyId: text('counterparty_id').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    workflowId: text('workflow_id').notNull(),
    /**
     * The run Temporal accepted, written by the run's first journal rows
     * (`beginEvent`), or by the API when a repeated post finds the run first.
     * Null for a moment after the 202, and for an event whose start failed.
     */
    runId: text('run_id'),
    startedAt: timestamp('started_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.id] })],
);

/**
 * The notification journal (R15): one row per step of every event.
 * `stepKey` is derived from the workflow id and the step, so a retried
 * activity finds its own row instead of writing a second one.
 */
export const journalEntries = pgTable(
  'journal_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    companyId: text('company_id').notNull(),
    stepKey: text('step_key').notNull(),
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    counterpartyId: text('counterparty_id').notNull(),
    workflowId: text('workflow_id').notNull(),
    runId: text('run_id'),
    status: text('status').notNull(),
    audience: text('audience'),
    channel: text('channel'),
    recipient: text('recipient'),
    recipientName: text('recipient_name'),
    subject: text('subject'),
    body: text('body'),
    provider: text('provider'),
    providerMessageId: text('provider_message_id'),
    reason: text('reason'),
    attempt: integer('attempt'),
    details: jsonb('details').$type<Record<string, unknown>>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * Outbox of queued e-mail (R16), on `queued` rows only. A dispatch run that
     * claims the row sets `claimToken` and a lease in `claimedUntil`; when the
     * lease passes, another run may claim it again. `claimedUntil` without a
     * token is a back-off after a transient failure: not before then.
     */
    claimToken: text('claim_token'),
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    /** Set once the scheduled dispatch is done with a queued row: its `sent` or `failed` entry follows it. */
    dispatchedAt: timestamp('dispatched_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('journal_step_key_idx').on(t.stepKey),
    index('journal_event_idx').on(t.companyId, t.eventId, t.id),
    index('journal_company_created_idx').on(t.companyId, t.createdAt, t.id),
    // The SMS limits count sent SMS per phone per hour and per company per day.
    index('journal_sms_sent_recipient_idx')
      .on(t.companyId, t.recipient, t.createdAt)
      .where(sql`${t.status} = 'sent' and ${t.channel} = 'sms'`),
    index('journal_sms_sent_company_idx')
      .on(t.companyId, t.createdAt)
      .where(sql`${t.status} = 'sent' and ${t.channel} = 'sms'`),
    index('journal_email_outbox_idx')
      .on(t.id)
      .where(sql`${t.status} = 'queued' and ${t.channel} = 'email' and ${t.dispatchedAt} is null`),
    // A provider's receipt finds its message's `sent` entry by the provider's id (`recordDeliveryReport`), one per SMS.
    index('journal_sent_provider_message_idx')
      .on(t.provider, t.providerMessageId)
      .where(sql`${t.status} = 'sent' and ${t.providerMessageId} is not null`),
    // The work queues (`GET /v1/queues/*`) and their counts, asked every few seconds by each open console.
    index('journal_waiting_idx')
      .on(t.companyId, t.status, t.id)
      .where(sql`${t.status} in ('awaiting_confirmation', 'not_sent_tracked')`),
  ],
);

/**
 * The duplicate window's marker: one row per message and channel (the step key
 * of its `sent` entry), written `sending` before the provider is called and
 * given the provider's ids as it answers. A retry that finds it without the
 * journal's `sent` entry knows the provider may already have the message.
 */
export const sendAttempts = pgTable('send_attempts', {
  stepKey: text('step_key').primaryKey(),
  companyId: text('company_id').notNull(),
  channel: text('channel').$type<Channel>().notNull(),
  /** `sending` until the provider answered; `accepted` once every part's id is known. */
  state: text('state').$type<'sending' | 'accepted'>().notNull().default('sending'),
  provider: text('provider'),
  /** The provider's ids, one per SMS part, in order, as they were accepted. */
  providerMessageIds: text('provider_message_ids').array().notNull().default(sql`'{}'::text[]`),
  /** How many parts the message has (SMS); the ids are complete when there are this many. */
  parts: integer('parts').notNull().default(1),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * SMS balance alert state per company (R4), kept here because every scheduled
 * check is a new workflow. An episode starts each time the balance falls below
 * the threshold; the administrator gets one e-mail per episode.
 */
export const smsBalanceAlerts = pgTable('sms_balance_alerts', {
  companyId: text('company_id')
    .primaryKey()
    .references(() => companies.id),
  /** The last check found the balance below the threshold. */
  below: boolean('below').notNull().default(false),
  /** Counts the falls below the threshold. */
  episode: integer('episode').notNull().default(0),
  /** The episode whose alert went out; equal to `episode` while below: already alerted. */
  alertedEpisode: integer('alerted_episode'),
  lastAmount: doublePrecision('last_amount'),
  lastThreshold: integer('last_threshold'),
  checkedAt: timestamp('checked_at', { withTimezone: true }),
  alertedAt: timestamp('alerted_at', { withTimezone: true }),
});

/**
 * Fixed-window request counters shared by every API process (the API scales
 * horizontally, so a limit kept in one process's memory would be per process).
 * One row per key and window; a key's past windows are deleted when it opens a new one.
 */
export const rateLimitWindows = pgTable(
  'rate_limit_windows',
  {
    key: text('key').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] })],
);

/**
 * The people of a company who sign in to the console (R20). Logins are unique
 * per company and stored lowercased; only an argon2id hash of the password is kept.
 */
export const users = pgTable(
  'users',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id),
    login: text('login').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    roles: text('roles').array().notNull(),
    active: boolean('active').notNull().default(true),
    /** The manager (of the same company) this person is: "my clients" are that manager's. */
    managerId: text('manager_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('users_company_login_idx').on(t.companyId, t.login), index('users_login_idx').on(t.login)],
);

/**
 * Console sessions. The id is a SHA-256 of the random token in the cookie, so
 * the table alone lets nobody in; `csrfToken` must accompany every change.
 */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    csrfToken: text('csrf_token').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    /** The absolute end of the session, whatever its use. */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('sessions_user_idx').on(t.userId), index('sessions_expires_idx').on(t.expiresAt)],
);

export type Company = typeof companies.$inferSelect;
export type Counterparty = typeof counterparties.$inferSelect;
export type Contact = typeof contacts.$inferSelect;
export type SendAttempt = typeof sendAttempts.$inferSelect;
export type EventType = typeof eventTypes.$inferSelect;
export type Template = typeof templates.$inferSelect;
export type EventRow = typeof events.$inferSelect;
export type JournalEntry = typeof journalEntries.$inferSelect;
export type NewJournalEntry = typeof journalEntries.$inferInsert;
export type Manager = typeof managers.$inferSelect;
export type CounterpartyOverride = typeof counterpartyOverrides.$inferSelect;
export type ConfigChange = typeof configChanges.$inferSelect;
export type Provider = typeof providers.$inferSelect;
export type SmsBalanceAlert = typeof smsBalanceAlerts.$inferSelect;
export type User = typeof users.$inferSelect;
export type Session = typeof sessions.$inferSelect;
