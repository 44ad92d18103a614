import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PRIMARY_CHANNELS, PROVIDER_KINDS } from '../../domain/vocabulary';
import { createSettingsService, type SettingsServiceDeps } from '../../services/settings';
import { EmailSchema, errorResponses, StringEnum } from '../schemas/common';
import { actorOf } from '../plugins/auth';

const ModeSchema = StringEnum(['off', 'test', 'live'], {
  description: 'off: nothing is sent or queued; test: messages are rendered into the journal only; live: real sending.',
});
const ThresholdSchema = Type.Union([Type.Literal('none'), Type.Literal(50), Type.Literal(100), Type.Literal(200)], {
  description: 'Alert the administrator by e-mail once when the SMS balance falls below this (R4).',
});
const BalanceUnitSchema = Type.Union(
  [
    Type.Object({
      code: Type.String({ description: '`messages`, or the currency (ISO 4217) the balance is counted in.' }),
      unit: StringEnum(['messages', 'money']),
      currency: Type.Union([Type.String(), Type.Null()]),
      label: Type.String({ description: 'For people: `SMS`, `₽ (RUB)`.' }),
    }),
    Type.Null(),
  ],
  {
    description:
      'The unit the SMS provider counts its balance in, and so the unit of `balanceThreshold`: SMS.ru counts roubles, an SMPP gateway ' +
      'messages unless its `balanceCurrency` names a currency. null: no SMS provider.',
  },
);
const PrimaryChannelSchema = Type.Union([StringEnum(PRIMARY_CHANNELS), Type.Null()], {
  description:
    "The company's primary messaging channel for every event type that sends by Telegram or SMS: `telegram` (Telegram first, " +
    'then `reserveChannel`, SMS unless set otherwise) or `sms` (SMS first); the type\'s e-mail follows. null: each event type\'s own channel order.',
});
const SecretStateSchema = Type.Object({ set: Type.Boolean() });

const LegalEntityIdSchema = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9_-]*$', description: 'What templates name in `legalEntityId`.' });
const LegalEntityFields = {
  name: Type.String({ minLength: 1, maxLength: 200, description: 'The entity as people read it, e.g. `ООО "Логистик-Центр"`.' }),
  fromAddress: EmailSchema,
  fromName: Type.String({ minLength: 1, maxLength: 200, description: "The sender's display name; the entity's name when absent." }),
  signature: Type.String({ maxLength: 2000, description: 'Plain text, lines allowed: `{{ legalEntity.signature }}` in templates, appended to e-mail that does not use it.' }),
};
const LegalEntitySchema = Type.Object(
  { id: LegalEntityIdSchema, name: LegalEntityFields.name, fromAddress: LegalEntityFields.fromAddress, fromName: Type.Optional(LegalEntityFields.fromName), signature: LegalEntityFields.signature },
  { additionalProperties: false },
);
const LegalEntitiesDescription =
  'Seed 000 "Наша компания": the company\'s legal entities. An e-mail template that names one (`legalEntityId`) is sent From its address and name, with its signature.';
const LegalEntityPatchSchema = Type.Object(
  {
    name: Type.Optional(LegalEntityFields.name),
    fromAddress: Type.Optional(LegalEntityFields.fromAddress),
    fromName: Type.Optional(Type.Union([LegalEntityFields.fromName, Type.Null()])),
    signature: Type.Optional(LegalEntityFields.signature),
  },
  { additionalProperties: false },
);

const ProviderSchema = Type.Object({
  id: Type.String(),
  kind: StringEnum(PROVIDER_KINDS),
  name: Type.String(),
  config: Type.Record(Type.String(), Type.Unknown()),
  secrets: Type.Record(Type.String(), SecretStateSchema),
});

const SettingsSchema = Type.Object({
  companyId: Type.String(),
  name: Type.String(),
  mode: ModeSchema,
  email: Type.Object({ from: Type.String(), fromName: Type.String() }),
  legalEntities: Type.Array(LegalEntitySchema, { description: LegalEntitiesDescription }),
  adminEmail: Type.Union([Type.String(), Type.Null()]),
  sms: Type.Object({
    primaryProviderId: Type.Union([Type.String(), Type.Null()], { description: 'null: the built-in default SMS provider.' }),
    balanceThreshold: ThresholdSchema,
    balanceUnit: BalanceUnitSchema,
  }),
  reserveChannel: Type.Union([StringEnum(['sms', 'email']), Type.Null()], { description: 'Where a message goes when Telegram cannot deliver it (R6).' }),
  primaryChannel: PrimaryChannelSchema,
  telegram: Type.Object({
    botUsername: Type.Union([Type.String(), Type.Null()]),
    chatWithClient: Type.Boolean(),
    autoReply: Type.String(),
    botToken: SecretStateSchema,
    webhookUrl: Type.Union([Type.String(), Type.Null()]),
    updates: StringEnum(['webhook', 'polling']),
  }),
  problems: Type.Array(Type.Object({ code: Type.String(), message: Type.String() }), {
    description: 'Settings that cannot work as they are, in Russian (e.g. `NO_ADMIN_EMAIL`: a balance threshold with no administrator e-mail to alert).',
  }),
  providers: Type.Array(ProviderSchema),
  updatedAt: Type.String({ format: 'date-time' }),
});

const ProviderInputSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9_-]*$' }),
    kind: StringEnum(PROVIDER_KINDS),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    config: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]))),
    secrets: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String({ minLength: 1, maxLength: 1000 }), Type.Null()]), {
        description: 'Write-only. A secret left out keeps its value; null removes it.',
      }),
    ),
  },
  { additionalProperties: false },
);

const SettingsUpdateSchema = Type.Object(
  {
    mode: Type.Optional(ModeSchema),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    email: Type.Optional(
      Type.Object(
        { from: Type.Optional(EmailSchema), fromName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
        { additionalProperties: false },
      ),
    ),
    legalEntities: Type.Optional(Type.Array(LegalEntitySchema, { maxItems: 20, description: `${LegalEntitiesDescription} Replaces the list.` })),
    adminEmail: Type.Optional(Type.Union([EmailSchema, Type.Null()])),
    sms: Type.Optional(
      Type.Object(
        {
          primaryProviderId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()])),
          balanceThreshold: Type.Optional(ThresholdSchema),
          balanceThresholdUnit: Type.Optional(
            Type.String({
              pattern: '^(messages|[A-Z]{3})$',
              description:
                'The unit `balanceThreshold` is meant in: `messages` or a currency (`RUB`). Optional; when given it must be the unit the ' +
                'SMS provider counts its balance in (`sms.balanceUnit.code`), else 422 BALANCE_UNIT_MISMATCH: a threshold is never converted.',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    reserveChannel: Type.Optional(Type.Union([StringEnum(['sms', 'email']), Type.Null()])),
    primaryChannel: Type.Optional(PrimaryChannelSchema),
    telegram: Type.Optional(
      Type.Object(
        {
          botUsername: Type.Optional(Type.Union([Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{3,31}$' }), Type.Null()])),
          chatWithClient: Type.Optional(Type.Boolean()),
          autoReply: Type.Optional(Type.String({ maxLength: 4000 })),
          webhookUrl: Type.Optional(
            Type.Union([Type.String({ format: 'uri', pattern: '^https?://', maxLength: 500 }), Type.Null()], {
              description: "This API's public base URL: Telegram then posts updates to it. null: the worker long-polls instead.",
            }),
          ),
          botToken: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()], { description: 'Write-only.' })),
        },
        { additionalProperties: false },
      ),
    ),
    providers: Type.Optional(Type.Array(ProviderInputSchema, { maxItems: 20, description: 'Replaces the directory.' })),
  },
  { additionalProperties: false },
);
const ProviderPatchSchema = Type.Object(
  {
    kind: Type.Optional(StringEnum(PROVIDER_KINDS, { description: 'Required for a new provider; another kind starts its config afresh.' })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Required for a new provider.' })),
    config: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean(), Type.Null()]), {
        description: 'Merged into the stored config: fields left out keep their value, null removes one.',
      }),
    ),
    secrets: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String({ minLength: 1, maxLength: 1000 }), Type.Null()]), {
        description: 'Write-only. A secret left out keeps its value; null removes it. Changing host, port or URL needs the secrets again.',
      }),
    ),
  },
  { additionalProperties: false },
);

const SettingsPatchSchema = Type.Object(
  {
    ...SettingsUpdateSchema.properties,
    legalEntities: Type.Optional(
      Type.Record(LegalEntityIdSchema, Type.Union([LegalEntityPatchSchema, Type.Null()]), {
        description: 'By id: an object adds the legal entity (name, fromAddress and signature required) or changes the fields it names, null removes it. Others stay.',
      }),
    ),
    providers: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,99}$' }), Type.Union([ProviderPatchSchema, Type.Null()]), {
        description: 'By provider id: an object adds the provider or changes the fields it names, null removes it. Providers not named stay as they are, secrets included.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** Company settings: mode (R1), providers and fallback (R2, R6), balance threshold (R4), Telegram (R5). */
export type SettingsRouteDeps = SettingsServiceDeps;

export const settingsRoutes: FastifyPluginAsyncTypebox<SettingsRouteDeps> = async (app, deps) => {
  const settings = createSettingsService(deps);

  app.get(
    '/settings',
    {
      config: { role: 'settings:admin' },
      schema: { tags: ['settings'], summary: "The company's settings; secrets only say whether they are set", response: { 200: SettingsSchema, ...errorResponses(401, 403) } },
    },
    async (request) => settings.read(request.auth.companyId),
  );

  app.put(
    '/settings',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['settings'],
        summary: "Change the company's settings",
        description: 'Fields left out keep their value. Secrets are write-only and stored encrypted.',
        body: SettingsUpdateSchema,
        response: { 200: SettingsSchema, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request) => settings.update(request.auth.companyId, request.body, { actor: actorOf(request), log: request.log }),
  );

  app.patch(
    '/settings',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['settings'],
        summary: "Change some of the company's settings (JSON merge semantics)",
        description:
          'Like PUT, fields left out keep their value; `providers` is keyed by provider id and changes only the providers ' +
          'it names (add, change, or null to remove), keeping every other provider and every secret not given. ' +
          'A provider whose host, port or URL changes needs its secrets again (422 naming them). Recorded in the configuration history as `patch`.',
        body: SettingsPatchSchema,
        response: { 200: SettingsSchema, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request) => {
      const { providers, legalEntities, ...rest } = request.body;
      return settings.update(
        request.auth.companyId,
        { ...rest, ...(providers ? { providersPatch: providers } : {}), ...(legalEntities ? { legalEntitiesPatch: legalEntities } : {}) },
        { actor: actorOf(request), log: request.log, action: 'patch' },
      );
    },
  );
};
