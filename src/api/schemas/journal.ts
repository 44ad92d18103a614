import { Type, type Static } from '@sinclair/typebox';
import type { JournalEntry } from '../../db/schema';
import { JOURNAL_STATUSES, MANUAL_STATUSES } from '../../domain/vocabulary';
import { ChannelSchema, ID_MAX_LENGTH, SerialIdSchema, StringEnum } from './common';

const nullableString = Type.Union([Type.String(), Type.Null()]);

export const JournalEntrySchema = Type.Object({
  id: Type.Integer(),
  eventId: Type.String(),
  eventType: Type.String(),
  counterpartyId: Type.String(),
  status: Type.String(),
  audience: nullableString,
  channel: nullableString,
  recipient: nullableString,
  recipientName: nullableString,
  subject: nullableString,
  body: nullableString,
  provider: nullableString,
  providerMessageId: nullableString,
  reason: nullableString,
  attempt: Type.Union([Type.Integer(), Type.Null()]),
  details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  workflowId: Type.String(),
  runId: nullableString,
  createdAt: Type.String({ format: 'date-time' }),
});
export type JournalEntryDto = Static<typeof JournalEntrySchema>;

export const JournalQuerySchema = Type.Object({
  counterpartyId: Type.Optional(Type.String({ maxLength: ID_MAX_LENGTH })),
  eventType: Type.Optional(Type.String({ maxLength: 100 })),
  eventId: Type.Optional(Type.String({ maxLength: ID_MAX_LENGTH })),
  channel: Type.Optional(ChannelSchema),
  status: Type.Optional(StringEnum([...JOURNAL_STATUSES, ...MANUAL_STATUSES], { description: "An entry's status; a tracked entry a manager acted on has a manual one." })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  cursor: Type.Optional(SerialIdSchema({ description: 'The `next` of the previous page.' })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
});
export type JournalQuery = Static<typeof JournalQuerySchema>;

export const JournalPageSchema = Type.Object({ items: Type.Array(JournalEntrySchema), next: Type.Union([Type.Integer(), Type.Null()]) });

export const JournalEntryParamsSchema = Type.Object({ entryId: SerialIdSchema() });

export const ManualSendInputSchema = Type.Object({ comment: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
export type ManualSendInput = Static<typeof ManualSendInputSchema>;

export const ManualSendResultSchema = Type.Object({
  workflowId: Type.String(),
  status: Type.String(),
  entryId: Type.Optional(Type.Integer()),
  providerMessageId: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
});

export const ManualSendRunningSchema = Type.Object({ workflowId: Type.String(), status: Type.String() });

export const StatusChangeInputSchema = Type.Object(
  { status: StringEnum(MANUAL_STATUSES), comment: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);
export type StatusChangeInput = Static<typeof StatusChangeInputSchema>;

export function toJournalEntryDto(entry: JournalEntry): JournalEntryDto {
  return {
    id: entry.id,
    eventId: entry.eventId,
    eventType: entry.eventType,
    counterpartyId: entry.counterpartyId,
    status: entry.status,
    audience: entry.audience,
    channel: entry.channel,
    recipient: entry.recipient,
    recipientName: entry.recipientName,
    subject: entry.subject,
    body: entry.body,
    provider: entry.provider,
    providerMessageId: entry.providerMessageId,
    reason: entry.reason,
    attempt: entry.attempt,
    details: entry.details,
    workflowId: entry.workflowId,
    runId: entry.runId,
    createdAt: entry.createdAt.toISOString(),
  };
}
