import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** Sending mode of a company (R1). */
export type CompanyMode = 'off' | 'test' | 'live';
export type Audience = 'client' | 'manager';
export type Channel = 'email' | 'sms' | 'telegram';

/** A tenant: everything else belongs to exactly one company. */
export const companies = pgTable('companies', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** The From address of its e-mail. */
  emailFrom: text('email_from').notNull(),
  /** The display name shown with the From address. */
  emailFromName: text('email_from_name').notNull(),
  mode: text('mode').$type<CompanyMode>().notNull().default('test'),
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
    active: boolean('active').notNull().default(true),
    sendToClient: boolean('send_to_client').notNull().default(true),
    channels: text('channels').$type<Channel>().array().notNull().default(sql`'{email}'::text[]`),
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
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.eventType, t.audience, t.channel] })],
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
    /** Set once Temporal has accepted the workflow: from then on the event is durable. */
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
  },
  (t) => [
    uniqueIndex('journal_step_key_idx').on(t.stepKey),
    index('journal_event_idx').on(t.companyId, t.eventId, t.id),
    index('journal_company_created_idx').on(t.companyId, t.createdAt, t.id),
  ],
);

export type Company = typeof companies.$inferSelect;
export type Counterparty = typeof counterparties.$inferSelect;
export type Contact = typeof contacts.$inferSelect;
export type EventType = typeof eventTypes.$inferSelect;
export type Template = typeof templates.$inferSelect;
export type EventRow = typeof events.$inferSelect;
export type JournalEntry = typeof journalEntries.$inferSelect;
export type NewJournalEntry = typeof journalEntries.$inferInsert;
