import { Type, type Static } from '@sinclair/typebox';
import { ChannelSchema, EventTypeNameSchema, StringEnum } from './common';

const EmailTemplateSchema = Type.Object(
  {
    subject: Type.String({ maxLength: 1000 }),
    html: Type.Optional(Type.Union([Type.String({ maxLength: 500_000 }), Type.Null()])),
    text: Type.Optional(Type.Union([Type.String({ maxLength: 100_000 }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const PreviewInputSchema = Type.Object(
  {
    channel: ChannelSchema,
    template: Type.Union([Type.String({ maxLength: 100_000 }), EmailTemplateSchema], {
      description: 'A string for sms and telegram; { subject, html, text } for email.',
    }),
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "The event's data; defaults to the event type's examples." })),
    eventType: Type.Optional(EventTypeNameSchema),
    counterpartyId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: "SMS: a client whose contacts with a phone the text would go to; the cost then counts them (`sms.cost.total`)." }),
    ),
  },
  { additionalProperties: false },
);
export type PreviewInput = Static<typeof PreviewInputSchema>;

export const PreviewSchema = Type.Object({
  channel: ChannelSchema,
  subject: Type.Optional(Type.String()),
  html: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  text: Type.String(),
  sms: Type.Optional(
    Type.Object({
      encoding: StringEnum(['GSM-7', 'UCS-2']),
      length: Type.Integer(),
      segments: Type.Integer(),
      perSegment: Type.Integer(),
      remaining: Type.Integer(),
      warning: Type.Optional(Type.String({ description: 'In Russian, past 4 segments (where the seed\'s table ends): each recipient costs that many SMS.' })),
      cost: Type.Object(
        {
          perRecipient: Type.Integer({ description: 'SMS (segments) each recipient costs.' }),
          recipients: Type.Union([Type.Integer(), Type.Null()], { description: 'The contacts with a phone of `counterpartyId`; null without one.' }),
          total: Type.Union([Type.Integer(), Type.Null()], { description: '`perRecipient × recipients`; null without `counterpartyId`.' }),
          text: Type.String({ description: 'In Russian: «2 SMS на получателя», «2 SMS × 3 получателя = 6 SMS».' }),
        },
        { description: 'What the text costs in SMS.' },
      ),
    }),
  ),
});
export type Preview = Static<typeof PreviewSchema>;
