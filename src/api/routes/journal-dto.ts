import { Type } from '@sinclair/typebox';
import type { JournalEntry } from '../../db/schema';

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

export function toJournalEntryDto(entry: JournalEntry) {
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
