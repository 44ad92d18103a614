import { Type, type Static } from '@sinclair/typebox';
import type { JournalEntry } from '../../db/schema';
import { JOURNAL_STATUSES, MANUAL_STATUSES } from '../../domain/vocabulary';
import { ChannelSchema, ID_MAX_LENGTH, SerialIdSchema, StringEnum } from './common';

const nullableString = Type.Union([Type.String(), Type.Null()]);

export const JournalEntrySchema = Type.Object({
  id: Type.Integer(),
  eventId: Type.String(),
  eventType: Type.String(),
  counterpartyId: Type.String({
    description:
      "The client the entry is about; empty for the service's own entries that concern no client: SMS balance warnings " +
      '(`eventType` `sms.balance`) and test messages (`test.message`). Those are not messages of an event and are not listed by `GET /v1/messages`.',
  }),
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
  // Optional in the document: a request without it gets the default (Ajv fills it in before the handler runs).
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
});
export type JournalQuery = Static<typeof JournalQuerySchema>;

export const JournalPageSchema = Type.Object({ items: Type.Array(JournalEntrySchema), next: Type.Union([Type.Integer(), Type.Null()]) });

export const JournalEntryParamsSchema = Type.Object({ entryId: SerialIdSchema() });

export const ManualSendInputSchema = Type.Object(
  {
    comment: Type.Optional(Type.String({ maxLength: 2000, description: 'Why it is sent by hand; kept in the journal.' })),
    text: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 10_000,
        description:
          'The text to send instead of the journaled one. For e-mail it goes out as plain text (the rendered HTML is dropped). ' +
          'The original text stays in the tracked entry and in the `requested` step.',
      }),
    ),
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'E-mail only: the subject to send instead of the journaled one.' })),
    to: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 254,
        description:
          "Another recipient on the entry's channel: an e-mail address (email), a phone number (sms; any readable form, " +
          'stored in E.164) or a numeric chat id (telegram). A recipient that does not suit the channel answers 400 naming `to`.',
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'Everything is optional: a bare POST sends the journaled text to the journaled recipient. Sending the same request ' +
      'again (a retry) sends nothing more and answers with the first result (`alreadySent: true`); a different request ' +
      'after the entry was sent answers 409.',
  },
);
export type ManualSendInput = Static<typeof ManualSendInputSchema>;

export const ManualSendResultSchema = Type.Object({
  workflowId: Type.String(),
  status: Type.String({ description: '`sent`, `test` (test mode: journaled, not sent) or `failed` (see `reason`).' }),
  entryId: Type.Optional(Type.Integer({ description: 'The journal entry of the sent (or test) message.' })),
  providerMessageId: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  alreadySent: Type.Optional(Type.Boolean({ description: 'True when this answers a repeated request: nothing was sent again.' })),
  recipient: Type.Optional(Type.String({ description: 'Where it went (the edited recipient, normalised).' })),
  edited: Type.Optional(
    Type.Object({ text: Type.Boolean(), subject: Type.Boolean(), recipient: Type.Boolean() }, { description: 'What differs from the tracked entry.' }),
  ),
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
