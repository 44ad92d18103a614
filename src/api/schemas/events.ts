import { Type, type Static } from '@sinclair/typebox';
import { EventIdSchema, ID_MAX_LENGTH } from './common';
import { JournalEntrySchema } from './journal';
import { MessageSchema } from './messages';

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
  Type.Literal('partial'),
  Type.Literal('failed'),
  Type.Literal('skipped'),
  Type.Literal('rejected'),
  Type.Literal('expired'),
  Type.Literal('not_started'),
  Type.Literal('unknown'),
], {
  description:
    'A finished event is `completed` (every attempted message went), `partial` (some did not, or whether one went is not known: ' +
    'look at its messages), `failed`, `skipped`, `rejected` or `expired`. ' +
    '`unknown`: the workflow engine did not answer in time; the journal is still current.',
});
export type EventState = Static<typeof EventStateSchema>;

export const PendingMessageSchema = Type.Object({
  deliveryKey: Type.String({ description: 'The recipient within the event, as in the journal.' }),
  audience: Type.String({ description: '`client` or `manager`.' }),
  recipientName: Type.String(),
  channel: Type.String({ description: 'The first channel that would be tried.' }),
  recipient: Type.String({ description: 'The address on that channel.' }),
  subject: Type.Optional(Type.String({ description: 'E-mail only.' })),
  text: Type.String({ description: 'The rendered text (for e-mail, its text body).' }),
  error: Type.Optional(Type.String({ description: 'Why the message could not be rendered.' })),
});

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
  pending: Type.Array(PendingMessageSchema, {
    description:
      'While the event is awaiting_confirmation: each message that would go out on approval (recipient, channel, rendered text). Empty otherwise.',
  }),
  journal: Type.Array(JournalEntrySchema),
  messages: Type.Array(MessageSchema, { description: 'One row per recipient, folded from the journal, newest first (as `GET /v1/messages`).' }),
});
export type EventDetails = Static<typeof EventDetailsSchema>;

export const EventParamsSchema = Type.Object({ id: EventIdSchema });

export const DecisionInputSchema = Type.Object(
  {
    approve: Type.Boolean(),
    by: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Ignored, kept for older clients: the decider recorded is the authenticated caller.',
      }),
    ),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type DecisionInput = Static<typeof DecisionInputSchema>;

export const DecisionSchema = Type.Object({
  eventId: Type.String(),
  workflowId: Type.String(),
  approve: Type.Boolean(),
  by: Type.String({ description: 'The authenticated caller recorded as the decider.' }),
});
export type Decision = Static<typeof DecisionSchema>;
