import { Type, type Static, type TLiteral, type TObject } from '@sinclair/typebox';
import { SMS_PROVIDER_KINDS, type ProviderKind } from '../domain/vocabulary';

/*
 * One schema per provider kind (R2): the `config` a company stores in its
 * provider directory and the names of the secrets stored sealed beside it.
 * Settings checks names against these schemas, and the registry reads
 * `config` as their static types.
 */

export const SmtpConfigSchema = Type.Object(
  {
    host: Type.String(),
    port: Type.Integer(),
    secure: Type.Optional(Type.Boolean({ description: 'Implicit TLS (smtps), usually port 465.' })),
    user: Type.Optional(Type.String()),
    requireTLS: Type.Optional(Type.Boolean({ description: 'Refuse to send unless the server offers STARTTLS.' })),
    tlsRejectUnauthorized: Type.Optional(Type.Boolean({ description: 'false: accept a certificate no trusted authority signed.' })),
  },
  { additionalProperties: false },
);
export const SmtpSecretsSchema = Type.Object({ password: Type.Optional(Type.String()) }, { additionalProperties: false });
export const SmtpProviderSchema = Type.Object({ kind: Type.Literal('smtp'), config: SmtpConfigSchema, secrets: SmtpSecretsSchema });

export const SmppConfigSchema = Type.Object(
  {
    host: Type.String(),
    port: Type.Integer(),
    systemId: Type.String(),
    sourceAddr: Type.String(),
    balanceUrl: Type.Optional(Type.String({ description: 'An HTTP endpoint of the gateway that tells the balance; SMPP itself has none.' })),
    balanceCurrency: Type.Optional(
      Type.String({
        pattern: '^[A-Z]{3}$',
        description: 'The currency (ISO 4217, e.g. RUB) the balance endpoint counts in; unset: it counts messages. The balance threshold is in this unit.',
      }),
    ),
  },
  { additionalProperties: false },
);
export const SmppSecretsSchema = Type.Object({ password: Type.Optional(Type.String()) }, { additionalProperties: false });
export const SmppProviderSchema = Type.Object({ kind: Type.Literal('smpp'), config: SmppConfigSchema, secrets: SmppSecretsSchema });

export const SmsRuConfigSchema = Type.Object(
  {
    baseUrl: Type.Optional(Type.String({ description: 'Where the SMS.ru API is; its public address when unset.' })),
    from: Type.Optional(Type.String({ description: "A sender name approved by SMS.ru; the account's default when unset." })),
  },
  { additionalProperties: false },
);
export const SmsRuSecretsSchema = Type.Object({ apiId: Type.Optional(Type.String()) }, { additionalProperties: false });
export const SmsRuProviderSchema = Type.Object({ kind: Type.Literal('sms_ru'), config: SmsRuConfigSchema, secrets: SmsRuSecretsSchema });

export const TelegramConfigSchema = Type.Object(
  { apiRoot: Type.Optional(Type.String({ description: "Where the Bot API is; Telegram's own when unset." })) },
  { additionalProperties: false },
);
/** The bot token a company uses is kept with the company's own secrets (`telegramBotToken`). */
export const TelegramSecretsSchema = Type.Object({ botToken: Type.Optional(Type.String()) }, { additionalProperties: false });
export const TelegramProviderSchema = Type.Object({ kind: Type.Literal('telegram'), config: TelegramConfigSchema, secrets: TelegramSecretsSchema });

/** Each kind's schema, looked up by the `kind` stored with a provider. */
export const PROVIDER_KIND_SCHEMAS = {
  smtp: SmtpProviderSchema,
  smpp: SmppProviderSchema,
  sms_ru: SmsRuProviderSchema,
  telegram: TelegramProviderSchema,
} as const satisfies { [K in ProviderKind]: TObject<{ kind: TLiteral<K>; config: TObject; secrets: TObject }> };

/** A provider's settings, narrowed by its kind. */
export type ProviderSettings = Static<(typeof PROVIDER_KIND_SCHEMAS)[ProviderKind]>;
export type ProviderConfig<K extends ProviderKind> = Static<(typeof PROVIDER_KIND_SCHEMAS)[K]['properties']['config']>;
export type SmtpConfig = Static<typeof SmtpConfigSchema>;
export type SmppConfig = Static<typeof SmppConfigSchema>;
export type SmsRuConfig = Static<typeof SmsRuConfigSchema>;
export type TelegramConfig = Static<typeof TelegramConfigSchema>;

/** The field names a kind takes, as its schema declares them (declaration order). */
export interface ProviderFields {
  required: readonly string[];
  optional: readonly string[];
  secrets: readonly string[];
}

function fieldsOf(schema: (typeof PROVIDER_KIND_SCHEMAS)[ProviderKind]): ProviderFields {
  const config: TObject = schema.properties.config;
  const required = config.required ?? [];
  return {
    required,
    optional: Object.keys(config.properties).filter((name) => !required.includes(name)),
    secrets: Object.keys(schema.properties.secrets.properties),
  };
}

export const PROVIDER_FIELDS: Readonly<Record<ProviderKind, ProviderFields>> = {
  smtp: fieldsOf(SmtpProviderSchema),
  smpp: fieldsOf(SmppProviderSchema),
  sms_ru: fieldsOf(SmsRuProviderSchema),
  telegram: fieldsOf(TelegramProviderSchema),
};

export function isSmsProviderKind(kind: ProviderKind): kind is (typeof SMS_PROVIDER_KINDS)[number] {
  return (SMS_PROVIDER_KINDS as readonly ProviderKind[]).includes(kind);
}

/** One provider as a settings change names it. */
export interface ProviderFieldsInput {
  kind: ProviderKind;
  config?: Record<string, unknown> | undefined;
  secrets?: Record<string, unknown> | undefined;
}

/** A problem with one field of one provider, relative to that provider (`config/host`). */
export interface ProviderFieldProblem {
  field: string;
  message: string;
}

/**
 * Checks the field names of one provider against its kind's schema: every
 * required setting present, no unknown setting, no secret among the settings
 * (where it would be stored and shown in clear), no unknown secret.
 */
export function checkProviderFields(provider: ProviderFieldsInput): ProviderFieldProblem[] {
  const { kind } = provider;
  const fields = PROVIDER_FIELDS[kind];
  const problems: ProviderFieldProblem[] = [];
  for (const name of fields.required) {
    if (provider.config?.[name] === undefined) problems.push({ field: `config/${name}`, message: `is required for ${kind}` });
  }
  for (const name of Object.keys(provider.config ?? {})) {
    if (!fields.required.includes(name) && !fields.optional.includes(name)) {
      problems.push({ field: `config/${name}`, message: `is not a ${kind} setting${fields.secrets.includes(name) ? ' (it is a secret: put it in secrets)' : ''}` });
    }
  }
  const currency = kind === 'smpp' ? provider.config?.balanceCurrency : undefined;
  if (currency !== undefined && (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency))) {
    problems.push({ field: 'config/balanceCurrency', message: 'must be a currency code of three capital letters (ISO 4217), e.g. RUB; leave it out when the gateway counts messages' });
  }
  for (const name of Object.keys(provider.secrets ?? {})) {
    if (!fields.secrets.includes(name)) problems.push({ field: `secrets/${name}`, message: `is not a ${kind} secret` });
  }
  return problems;
}

/**
 * A stored provider's `config` as its kind's static type. Settings stores only
 * the names the schema declares (see `checkProviderFields`); the values are as
 * the API accepted them.
 */
export function configOf<K extends ProviderKind>(_kind: K, config: Record<string, unknown>): ProviderConfig<K> {
  return config as ProviderConfig<K>;
}
