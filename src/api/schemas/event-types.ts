import { Type, type Static } from '@sinclair/typebox';
import { ChannelSchema, ContentTypeSchema, EmailSchema, EventTypeNameSchema, StringEnum } from './common';

export const VariableSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
    description: Type.String({ maxLength: 500 }),
    example: Type.Unknown(),
    required: Type.Optional(
      Type.Boolean({ description: 'An event posted without this variable (absent, null or an empty string) is refused with 422.' }),
    ),
  },
  { additionalProperties: false },
);

export const AttachmentSchema = Type.Object(
  {
    filename: Type.String({ minLength: 1, maxLength: 300, description: 'Liquid template of the file name.' }),
    content: Type.String({ maxLength: 200_000, description: 'Liquid template of the text content.' }),
    contentType: ContentTypeSchema({ default: 'text/plain; charset=utf-8' }),
  },
  { additionalProperties: false },
);

export const TemplateInputSchema = Type.Object(
  {
    subject: Type.Optional(Type.String({ maxLength: 1000 })),
    html: Type.Optional(Type.Union([Type.String({ maxLength: 500_000 }), Type.Null()])),
    text: Type.Optional(Type.Union([Type.String({ maxLength: 100_000 }), Type.Null()])),
    fromName: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    attachments: Type.Optional(Type.Array(AttachmentSchema, { maxItems: 10 })),
    extraRecipients: Type.Optional(
      Type.Array(EmailSchema, { maxItems: 50, description: 'E-mail: fixed extra addresses (seed 000 "Адреса"), greeted with a neutral «Здравствуйте!».' }),
    ),
    extraContactIds: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1 }), {
        maxItems: 200,
        uniqueItems: true,
        description:
          'E-mail: seed 000 "Адреса" chosen from the clients\' employees (contact ids). For an event of a client with some of them, ' +
          "the e-mail goes to those employees (greeted by name) instead of to every employee; that client's other channels are unchanged.",
      }),
    ),
    legalEntityId: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()], {
        description:
          'E-mail: the legal entity of the company (seed 000 "Наша компания", `legalEntities` of the settings) it is sent as: ' +
          'its From address and name, and its signature (`{{ legalEntity.signature }}`, appended when the template does not use it). null: the company\'s own From.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type TemplateInput = Static<typeof TemplateInputSchema>;

const ChannelTemplatesInputSchema = Type.Object(
  {
    email: Type.Optional(Type.Union([TemplateInputSchema, Type.Null()])),
    sms: Type.Optional(Type.Union([TemplateInputSchema, Type.Null()])),
    telegram: Type.Optional(Type.Union([TemplateInputSchema, Type.Null()])),
  },
  { additionalProperties: false },
);

const SubEventTemplateSchema = Type.Object(
  {
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    html: Type.Optional(Type.String({ maxLength: 500_000 })),
    text: Type.Optional(Type.String({ maxLength: 100_000 })),
  },
  { additionalProperties: false },
);

const SubEventTemplatesSchema = Type.Object(
  { email: Type.Optional(SubEventTemplateSchema), sms: Type.Optional(SubEventTemplateSchema), telegram: Type.Optional(SubEventTemplateSchema) },
  {
    additionalProperties: false,
    description: "Per channel: the step's own subject and body, in place of the event type's client template (a client's own template still wins).",
  },
);

const SubEventCodeSchema = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9_-]*$', description: 'Stable machine name, e.g. `loading`.' });

export const SubEventSchema = Type.Object(
  {
    code: SubEventCodeSchema,
    name: Type.String({ minLength: 1, maxLength: 200, description: 'The step as the business system names it and people read it, e.g. «Погрузка».' }),
    active: Type.Boolean({ description: 'Off: an event of this step is journaled as skipped, nothing is sent.' }),
    templates: Type.Optional(SubEventTemplatesSchema),
  },
  { additionalProperties: false },
);

const SubEventPatchSchema = Type.Object(
  {
    name: Type.Optional(SubEventSchema.properties.name),
    active: Type.Optional(SubEventSchema.properties.active),
    templates: Type.Optional(Type.Union([SubEventTemplatesSchema, Type.Null()])),
  },
  { additionalProperties: false },
);

const SubEventVariableSchema = Type.Union([Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.Null()], {
  description:
    'Seed 000: the variable of `data` that names the event\'s step (e.g. `checklistEvent`: «Погрузка»), matched to a sub-event by its name or code. null: no sub-events.',
});

const SubEventsDescription =
  'Seed 000: the steps of the event (the checklist events of a transport request), each with its own active flag and optionally its own templates. ' +
  'With sub-events, an event is sent only when its step is declared and active; otherwise it is journaled as skipped with the reason.';

const SettingsFields = {
  active: Type.Boolean(),
  confirmBeforeSend: Type.Boolean({ description: 'Wait for a person to approve before sending (R13).' }),
  confirmTimeoutSeconds: Type.Integer({ minimum: 60, maximum: 30 * 86_400 }),
  sendToClient: Type.Boolean(),
  sendToManager: Type.Boolean({ description: "Also notify the client's responsible manager." }),
  trackedByManager: Type.Boolean({ description: 'When the client opted out, journal it for the manager (R14).' }),
  defaultSendForNewClients: Type.Boolean(),
  emailDelivery: StringEnum(['immediate', 'batched']),
  channels: Type.Array(ChannelSchema, { minItems: 1, maxItems: 3, uniqueItems: true, description: 'Client channels, first choice first.' }),
  managerChannels: Type.Array(ChannelSchema, {
    minItems: 1,
    maxItems: 3,
    uniqueItems: true,
    description: 'The channels the responsible manager is told on, in order. A new event type gets `["sms", "email"]` (seed 002: SMS to the manager\'s mobile, e-mail as reserve).',
  }),
  resendWhenUnknown: Type.Boolean({
    description:
      'SMS and Telegram: when a worker stopped after calling the provider and before its answer was journaled, and the provider cannot be asked, send again (a copy is possible) instead of journaling the message `unknown`. Default false.',
  }),
};

export const EventTypeUpdateSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    variables: Type.Optional(Type.Array(VariableSchema, { maxItems: 100 })),
    active: Type.Optional(SettingsFields.active),
    confirmBeforeSend: Type.Optional(SettingsFields.confirmBeforeSend),
    confirmTimeoutSeconds: Type.Optional(SettingsFields.confirmTimeoutSeconds),
    sendToClient: Type.Optional(SettingsFields.sendToClient),
    sendToManager: Type.Optional(SettingsFields.sendToManager),
    trackedByManager: Type.Optional(SettingsFields.trackedByManager),
    defaultSendForNewClients: Type.Optional(SettingsFields.defaultSendForNewClients),
    emailDelivery: Type.Optional(SettingsFields.emailDelivery),
    channels: Type.Optional(SettingsFields.channels),
    managerChannels: Type.Optional(SettingsFields.managerChannels),
    resendWhenUnknown: Type.Optional(SettingsFields.resendWhenUnknown),
    subEventVariable: Type.Optional(SubEventVariableSchema),
    subEvents: Type.Optional(Type.Array(SubEventSchema, { maxItems: 100, description: `${SubEventsDescription} Replaces the list.` })),
    templates: Type.Optional(
      Type.Object(
        { client: Type.Optional(ChannelTemplatesInputSchema), manager: Type.Optional(ChannelTemplatesInputSchema) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type EventTypeUpdate = Static<typeof EventTypeUpdateSchema>;

export const EventTypePatchSchema = Type.Object(
  {
    ...EventTypeUpdateSchema.properties,
    subEvents: Type.Optional(
      Type.Union([
        Type.Array(SubEventSchema, { maxItems: 100, description: 'A list replaces every sub-event.' }),
        Type.Record(SubEventCodeSchema, Type.Union([SubEventPatchSchema, Type.Null()]), {
          description: 'By code: an object adds the step (then `name` and `active` are required) or changes the fields it names, null removes it.',
        }),
      ]),
    ),
  },
  { additionalProperties: false },
);
export type EventTypePatch = Static<typeof EventTypePatchSchema>;

export const TemplateSchema = Type.Object({
  subject: Type.Union([Type.String(), Type.Null()]),
  html: Type.Union([Type.String(), Type.Null()]),
  text: Type.Union([Type.String(), Type.Null()]),
  fromName: Type.Union([Type.String(), Type.Null()]),
  attachments: Type.Array(AttachmentSchema),
  extraRecipients: Type.Array(Type.String()),
  extraContactIds: Type.Array(Type.Integer()),
  legalEntityId: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const EventTypeSchema = Type.Object({
  type: Type.String(),
  name: Type.String(),
  description: Type.String(),
  source: Type.String(),
  variables: Type.Array(VariableSchema),
  ...SettingsFields,
  subEventVariable: SubEventVariableSchema,
  subEvents: Type.Array(SubEventSchema, { description: SubEventsDescription }),
  templates: Type.Object({
    client: Type.Record(Type.String(), TemplateSchema),
    manager: Type.Record(Type.String(), TemplateSchema),
  }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type EventTypeDto = Static<typeof EventTypeSchema>;

export const EventTypeListSchema = Type.Object({ items: Type.Array(EventTypeSchema) });

export const EventTypeParamsSchema = Type.Object({ type: EventTypeNameSchema });
