import { Type, type Static } from '@sinclair/typebox';
import { EventIdSchema, ID_MAX_LENGTH } from './common';
import { JournalEntrySchema } from './journal';

export const EventInputSchema = Type.Object(
  {
    id: Type.String({ ...EventIdSchema, description: "The caller's idempotency key." }),
    type: Type.String({ minLength: 1, maxLength: 100, description: 'An event type configured for the company.' }),
    counterpartyId: Type.String({ minLength: 1, maxLength: ID_MAX_LENGTH }),
    data: Type.Record(Type.String(), Type.Unknown(), { description: 'Template variables of the event.' }),
    occurredAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type EventInput = Static<typeof EventInputSchema>;

export const EventAcceptedSchema = Type.Object({
  eventId: Type.String(),
  workflowId: Type.String(),
  runId: Type.String(),
  status: Type.String(),
  duplicate: Type.Boolean(),
});
export type EventAccepted = Static<typeof EventAcceptedSchema>;

export const EventStateSchema = Type.Union([
  Type.Literal('running'),
  Type.Literal('awaiting_confirmation'),
  Type.Literal('completed'),
  Type.Literal('failed'),
  Type.Literal('not_started'),
  Type.Literal('unknown'),
], { description: '`unknown`: the workflow engine did not answer in time; the journal is still current.' });
export type EventState = Static<typeof EventStateSchema>;

export const EventDetailsSchema = Type.Object({
  eventId: Type.String(),
  type: Type.String(),
  counterpartyId: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  occurredAt: Type.Union([Type.String(), Type.Null()]),
  receivedAt: Type.String(),
  workflowId: Type.String(),
  runId: Type.Union([Type.String(), Type.Null()]),
  state: EventStateSchema,
  temporalUiUrl: Type.Union([Type.String(), Type.Null()]),
  journal: Type.Array(JournalEntrySchema),
});
export type EventDetails = Static<typeof EventDetailsSchema>;

export const EventParamsSchema = Type.Object({ id: EventIdSchema });

export const DecisionInputSchema = Type.Object(
  {
    approve: Type.Boolean(),
    by: Type.String({ minLength: 1, maxLength: 200, description: 'Who decided.' }),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type DecisionInput = Static<typeof DecisionInputSchema>;

export const DecisionSchema = Type.Object({ eventId: Type.String(), workflowId: Type.String(), approve: Type.Boolean(), by: Type.String() });
export type Decision = Static<typeof DecisionSchema>;
