import { Type, type Static } from '@sinclair/typebox';
import { MESSAGE_STATUSES, REASON_LABELS, type MessageView } from '../../domain/messages';
import { ID_MAX_LENGTH, SerialIdSchema, StringEnum } from './common';
import { CHANNELS } from '../../domain/vocabulary';

const nullableString = Type.Union([Type.String(), Type.Null()]);
const nullableDate = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
const REASON_CODES = Object.keys(REASON_LABELS) as (keyof typeof REASON_LABELS)[];

export const MessageStatusSchema = StringEnum(MESSAGE_STATUSES, {
  description: 'What became of the message; `in_progress` until a final step is journaled.',
});

const ReasonCodeSchema = Type.Union([StringEnum(REASON_CODES), Type.Null()], { description: 'A stable code of `reason`.' });

export const MessageLegSchema = Type.Object({
  channel: Type.String(),
  status: Type.String({ description: 'A message status, or `fallback` when the channel gave way to the next one.' }),
  statusLabel: Type.String(),
  reasonCode: ReasonCodeSchema,
  reason: nullableString,
  rawReason: nullableString,
});

export const MessageSchema = Type.Object({
  id: Type.String({ description: 'Stable: `<workflowId>/<deliveryKey>`.' }),
  eventId: Type.String(),
  eventType: Type.String(),
  counterpartyId: Type.String(),
  workflowId: Type.String(),
  deliveryKey: Type.String({ description: 'The recipient within the event, as in the journal step keys.' }),
  audience: nullableString,
  recipientName: nullableString,
  recipient: Type.Union([Type.String(), Type.Null()], { description: 'The address on `channel`.' }),
  channel: Type.Union([Type.String(), Type.Null()], { description: 'The channel that delivered, or the last one tried.' }),
  status: MessageStatusSchema,
  statusLabel: Type.String({ description: 'The status in Russian, e.g. "доставлено".' }),
  attempts: Type.Integer({ description: 'Send attempts over all channels.' }),
  provider: nullableString,
  providerMessageId: nullableString,
  sentAt: nullableDate,
  deliveredAt: nullableDate,
  reasonCode: ReasonCodeSchema,
  reason: Type.Union([Type.String(), Type.Null()], { description: 'Why it ended so, in Russian; null when it went out without trouble.' }),
  rawReason: Type.Union([Type.String(), Type.Null()], { description: 'The reason as journaled by the workflow or the provider.' }),
  story: Type.String({ description: 'The way of the message in one line, e.g. "Telegram: не подписан на бота → SMS: доставлено".' }),
  legs: Type.Array(MessageLegSchema, { description: 'Each channel tried, in order.' }),
  manual: Type.Union(
    [
      Type.Object({
        of: Type.Integer({ description: 'The tracked ("not sent, tracked by manager") entry it answers.' }),
        by: nullableString,
        comment: nullableString,
        edited: Type.Object({ text: Type.Boolean(), subject: Type.Boolean(), recipient: Type.Boolean() }),
        original: Type.Object({ recipient: nullableString, subject: nullableString, text: nullableString }, { description: 'As journaled in the tracked entry.' }),
        sent: Type.Object({ recipient: nullableString, subject: nullableString, text: nullableString }, { description: 'What the manager sent.' }),
      }),
      Type.Null(),
    ],
    { description: 'A manager\'s manual send (R14): its own message, with the original and the edited text and recipient; null for an event\'s message.' },
  ),
  entryIds: Type.Array(Type.Integer(), { description: 'Its journal entries, oldest first.' }),
  createdAt: Type.String({ format: 'date-time' }),
});
export type MessageDto = Static<typeof MessageSchema>;

export const MessageQuerySchema = Type.Object({
  counterpartyId: Type.Optional(Type.String({ maxLength: ID_MAX_LENGTH })),
  eventType: Type.Optional(Type.String({ maxLength: 100 })),
  eventId: Type.Optional(Type.String({ maxLength: ID_MAX_LENGTH })),
  channel: Type.Optional(StringEnum(CHANNELS, { description: 'The channel that delivered or was last tried.' })),
  status: Type.Optional(MessageStatusSchema),
  from: Type.Optional(Type.String({ format: 'date-time', description: "On the message's first step." })),
  to: Type.Optional(Type.String({ format: 'date-time', description: "On the message's first step." })),
  cursor: Type.Optional(SerialIdSchema({ description: 'The `next` of the previous page.' })),
  // Optional in the document: a request without it gets the default (Ajv fills it in before the handler runs).
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
});

export const MessagePageSchema = Type.Object({ items: Type.Array(MessageSchema), next: Type.Union([Type.Integer(), Type.Null()]) });

export function toMessageDto(m: MessageView): MessageDto {
  const { firstEntryId: _firstEntryId, sentAt, deliveredAt, createdAt, ...rest } = m;
  return {
    ...rest,
    sentAt: sentAt?.toISOString() ?? null,
    deliveredAt: deliveredAt?.toISOString() ?? null,
    createdAt: createdAt.toISOString(),
  };
}

