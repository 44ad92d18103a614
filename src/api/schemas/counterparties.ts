import { Type, type Static } from '@sinclair/typebox';
import { ContentTypeSchema, EmailSchema, IdSchema, SerialIdSchema } from './common';

const PhoneSchema = Type.String({ minLength: 4, maxLength: 32, description: 'E.164, e.g. +79161234567' });

const ContactInputSchema = Type.Object(
  {
    id: Type.Optional(SerialIdSchema({ description: 'Keep this to update an existing contact.' })),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.Optional(Type.Union([EmailSchema, Type.Null()])),
    phone: Type.Optional(Type.Union([PhoneSchema, Type.Null()])),
    telegramChatId: Type.Optional(Type.Union([Type.String({ pattern: '^-?\\d{1,20}$' }), Type.Null()])),
  },
  { additionalProperties: false },
);

const OverrideTemplateSchema = Type.Object(
  {
    subject: Type.Optional(Type.String({ maxLength: 1000 })),
    html: Type.Optional(Type.String({ maxLength: 500_000 })),
    text: Type.Optional(Type.String({ maxLength: 100_000 })),
  },
  { additionalProperties: false },
);

const AttachmentSchema = Type.Object(
  {
    filename: Type.String({ minLength: 1, maxLength: 300 }),
    content: Type.String({ maxLength: 200_000 }),
    contentType: ContentTypeSchema(),
  },
  { additionalProperties: false },
);

const OverrideInputSchema = Type.Object(
  {
    send: Type.Optional(Type.Boolean({ description: 'Does this client get this notification (R12).' })),
    templates: Type.Optional(
      Type.Object(
        { email: Type.Optional(OverrideTemplateSchema), sms: Type.Optional(OverrideTemplateSchema), telegram: Type.Optional(OverrideTemplateSchema) },
        { additionalProperties: false, description: "This client's own body templates; channels left out use the event type's." },
      ),
    ),
    attachments: Type.Optional(Type.Union([Type.Array(AttachmentSchema, { maxItems: 10 }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const CounterpartyInputSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    managerId: Type.Optional(Type.Union([IdSchema, Type.Null()])),
    contacts: Type.Optional(Type.Array(ContactInputSchema, { maxItems: 200 })),
    overrides: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), OverrideInputSchema)),
  },
  { additionalProperties: false },
);
export type CounterpartyInput = Static<typeof CounterpartyInputSchema>;

const OverridePatchSchema = Type.Object(
  {
    send: Type.Optional(Type.Boolean({ description: 'Does this client get this notification (R12).' })),
    templates: Type.Optional(
      Type.Object(
        {
          email: Type.Optional(Type.Union([OverrideTemplateSchema, Type.Null()])),
          sms: Type.Optional(Type.Union([OverrideTemplateSchema, Type.Null()])),
          telegram: Type.Optional(Type.Union([OverrideTemplateSchema, Type.Null()])),
        },
        { additionalProperties: false, description: "Merged into the client's own templates field by field; null removes a channel's." },
      ),
    ),
    attachments: Type.Optional(Type.Union([Type.Array(AttachmentSchema, { maxItems: 10 }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const CounterpartyPatchSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    managerId: Type.Optional(Type.Union([IdSchema, Type.Null()])),
    contacts: Type.Optional(Type.Array(ContactInputSchema, { maxItems: 200, description: 'Replaces the list, as with PUT.' })),
    overrides: Type.Optional(
      Type.Record(Type.String({ maxLength: 100 }), Type.Union([OverridePatchSchema, Type.Null()]), {
        description: "By event type: an object changes only the fields it names (the others and the other types' overrides stay); null removes the override.",
      }),
    ),
  },
  { additionalProperties: false },
);

const ContactSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
  telegram: Type.Object({
    subscribed: Type.Boolean(),
    chatId: Type.Union([Type.String(), Type.Null()]),
    /** The deep link that subscribes this contact to the company's bot (R5). */
    link: Type.Union([Type.String(), Type.Null()]),
  }),
});

const OverrideSchema = Type.Object({
  send: Type.Boolean(),
  templates: Type.Record(Type.String(), OverrideTemplateSchema),
  attachments: Type.Union([Type.Array(AttachmentSchema), Type.Null()]),
});

export const CounterpartySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  managerId: Type.Union([Type.String(), Type.Null()]),
  contacts: Type.Array(ContactSchema),
  overrides: Type.Record(Type.String(), OverrideSchema),
  createdAt: Type.String({ format: 'date-time' }),
});
export type CounterpartyDto = Static<typeof CounterpartySchema>;

export const CounterpartyListQuerySchema = Type.Object({
  // Optional in the document: a request without it gets the default (Ajv fills it in before the handler runs).
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  after: Type.Optional(IdSchema),
});

export const CounterpartyPageSchema = Type.Object({ items: Type.Array(CounterpartySchema), next: Type.Union([Type.String(), Type.Null()]) });

export const CounterpartyParamsSchema = Type.Object({ id: IdSchema });

export const ContactParamsSchema = Type.Object({ id: IdSchema, contactId: SerialIdSchema() });
