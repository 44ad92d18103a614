import { Type, type Static } from '@sinclair/typebox';
import type { ConfirmationItem, TrackedItem } from '../../services/queues';
import { ID_MAX_LENGTH, SerialIdSchema } from './common';
import { PendingMessageSchema } from './events';
import { JournalEntrySchema, toJournalEntryDto } from './journal';


const MineSchema = Type.Boolean({
  description:
    "Only the signed-in user's clients: counterparties whose responsible manager is the user's manager. " +
    'Answers 400 for an API key or a user who is not linked to a manager (they have no clients of their own).',
});

export const QueueQuerySchema = Type.Object({
  mine: Type.Optional(MineSchema),
  counterpartyId: Type.Optional(Type.String({ minLength: 1, maxLength: ID_MAX_LENGTH })),
  cursor: Type.Optional(SerialIdSchema({ description: 'The `next` of the previous page.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
});
export type QueueQuery = Static<typeof QueueQuerySchema>;

export const QueueCountsQuerySchema = Type.Object({
  mine: Type.Optional(MineSchema),
  counterpartyId: Type.Optional(Type.String({ minLength: 1, maxLength: ID_MAX_LENGTH })),
});

/** The names a person reads a waiting item by; null when the client or event type is gone. */
const names = {
  eventTypeName: Type.Union([Type.String(), Type.Null()], { description: "The event type's Russian name." }),
  counterpartyName: Type.Union([Type.String(), Type.Null()], { description: "The client's name." }),
  managerId: Type.Union([Type.String(), Type.Null()], { description: "The client's responsible manager." }),
};

export const ConfirmationSchema = Type.Object({
  entryId: Type.Integer({ description: 'The `awaiting_confirmation` journal entry (the paging cursor).' }),
  eventId: Type.String(),
  eventType: Type.String(),
  counterpartyId: Type.String(),
  ...names,
  createdAt: Type.String({ format: 'date-time', description: 'When the event began to wait.' }),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When it expires without a decision.' }),
  pending: Type.Array(PendingMessageSchema, { description: 'Each message that would go out on approval, as `GET /v1/events/:id` shows it.' }),
});

export const ConfirmationPageSchema = Type.Object({
  items: Type.Array(ConfirmationSchema),
  next: Type.Union([Type.Integer(), Type.Null()]),
});

export const TrackedSchema = Type.Object({ ...JournalEntrySchema.properties, ...names });

export const TrackedPageSchema = Type.Object({
  items: Type.Array(TrackedSchema),
  next: Type.Union([Type.Integer(), Type.Null()]),
});

export const QueueCountsSchema = Type.Object({
  confirmations: Type.Integer({ description: 'Events awaiting confirmation.' }),
  tracked: Type.Integer({ description: '"Not sent, tracked by manager" entries nobody has acted on.' }),
});

export function toConfirmationDto(item: ConfirmationItem): Static<typeof ConfirmationSchema> {
  return { ...item, createdAt: item.createdAt.toISOString(), expiresAt: item.expiresAt?.toISOString() ?? null };
}

export function toTrackedDto(item: TrackedItem): Static<typeof TrackedSchema> {
  return { ...toJournalEntryDto(item.entry), eventTypeName: item.eventTypeName, counterpartyName: item.counterpartyName, managerId: item.managerId };
}

