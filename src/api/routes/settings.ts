import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { createConfigChangeRepository } from '../../db/repositories/config-changes';
import { companies, providers, type Company, type Provider } from '../../db/schema';
import { type ProviderKind } from '../../domain/vocabulary';
import type { SecretBox } from '../../secrets';
import { BadRequestError, NotFoundError, UnprocessableError, type ErrorDetail } from '../../domain/errors';
import { EmailSchema, errorResponses, StringEnum } from '../schemas/common';
import { actorOf } from '../plugins/auth';
import { hashWebhookSecret } from './telegram-webhook';
import { createTelegramChannel } from '../../channels/telegram';
import { randomBytes } from 'node:crypto';

/** Which configuration fields and which secrets each kind of provider takes (R2). */
export const PROVIDER_FIELDS: Record<ProviderKind, { required: string[]; optional: string[]; secrets: string[] }> = {
  smtp: { required: ['host', 'port'], optional: ['secure', 'user', 'requireTLS', 'tlsRejectUnauthorized'], secrets: ['password'] },
  smpp: { required: ['host', 'port', 'systemId', 'sourceAddr'], optional: ['balanceUrl'], secrets: ['password'] },
  sms_ru: { required: [], optional: ['baseUrl', 'from'], secrets: ['apiId'] },
  telegram: { required: [], optional: ['apiRoot'], secrets: ['botToken'] },
};
const SMS_KINDS: readonly ProviderKind[] = ['smpp', 'sms_ru'];

const ModeSchema = StringEnum(['off', 'test', 'live'], {
  description: 'off: nothing is sent or queued; test: messages are rendered into the journal only; live: real sending.',
});
const ThresholdSchema = Type.Union([Type.Literal('none'), Type.Literal(50), Type.Literal(100), Type.Literal(200)], {
  description: 'Alert the administrator by e-mail once when the SMS balance falls below this (R4).',
});
const SecretStateSchema = Type.Object({ set: Type.Boolean() });

const ProviderSchema = Type.Object({
  id: Type.String(),
  kind: StringEnum(['smtp', 'smpp', 'sms_ru', 'telegram']),
  name: Type.String(),
  config: Type.Record(Type.String(), Type.Unknown()),
  secrets: Type.Record(Type.String(), SecretStateSchema),
});

const SettingsSchema = Type.Object({
  companyId: Type.String(),
  name: Type.String(),
  mode: ModeSchema,
  email: Type.Object({ from: Type.String(), fromName: Type.String() }),
  adminEmail: Type.Union([Type.String(), Type.Null()]),
  sms: Type.Object({
    primaryProviderId: Type.Union([Type.String(), Type.Null()], { description: 'null: the built-in default SMS provider.' }),
    balanceThreshold: ThresholdSchema,
  }),
  reserveChannel: Type.Union([StringEnum(['sms', 'email']), Type.Null()], { description: 'Where a message goes when Telegram cannot deliver it (R6).' }),
  telegram: Type.Object({
    botUsername: Type.Union([Type.String(), Type.Null()]),
    chatWithClient: Type.Boolean(),
    autoReply: Type.String(),
    botToken: SecretStateSchema,
    webhookUrl: Type.Union([Type.String(), Type.Null()]),
    updates: StringEnum(['webhook', 'polling']),
  }),
  providers: Type.Array(ProviderSchema),
  updatedAt: Type.String({ format: 'date-time' }),
});

const ProviderInputSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9_-]*$' }),
    kind: StringEnum(['smtp', 'smpp', 'sms_ru', 'telegram']),
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
    adminEmail: Type.Optional(Type.Union([EmailSchema, Type.Null()])),
    sms: Type.Optional(
      Type.Object(
        {
          primaryProviderId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()])),
          balanceThreshold: Type.Optional(ThresholdSchema),
        },
        { additionalProperties: false },
      ),
    ),
    reserveChannel: Type.Optional(Type.Union([StringEnum(['sms', 'email']), Type.Null()])),
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
type SettingsUpdate = Static<typeof SettingsUpdateSchema>;

/** Company settings: mode (R1), providers and fallback (R2, R6), balance threshold (R4), Telegram (R5). */
export interface SettingsRouteDeps {
  db: Db;
  secrets: SecretBox;
  telegramApiRoot?: string | undefined;
  /** Starts long polling of the bot when a token is set without a webhook. */
  onTelegramChanged?: (companyId: string) => Promise<void>;
}

export const settingsRoutes: FastifyPluginAsyncTypebox<SettingsRouteDeps> = async (app, { db, secrets, telegramApiRoot, onTelegramChanged }) => {
  /**
   * Tells Telegram where to post updates (or removes the webhook). Called
   * inside the settings transaction, so a refusal keeps nothing of the change.
   * Errors carry Telegram's words, never the token.
   */
  const callTelegram = async (token: string, url: string | null, secret: string | null) => {
    const bot = createTelegramChannel({ token, ...(telegramApiRoot ? { apiRoot: telegramApiRoot } : {}) });
    try {
      if (url === null || secret === null) await bot.deleteWebhook();
      else await bot.setWebhook(`${url.replace(/\/+$/, '')}/v1/telegram/webhook/${secret}`, secret);
    } finally {
      await bot.close?.();
    }
  };

  const load = async (companyId: string) => {
    const [company] = await db.select().from(companies).where(eq(companies.id, companyId));
    if (!company) throw new NotFoundError(`company ${companyId}`);
    const directory = await db.select().from(providers).where(eq(providers.companyId, companyId)).orderBy(asc(providers.id));
    return { company, directory };
  };
  const toDto = ({ company, directory }: { company: Company; directory: Provider[] }) => {
    const companySecrets = company.secrets ? secrets.open(company.secrets) : {};
    return {
      companyId: company.id,
      name: company.name,
      mode: company.mode,
      email: { from: company.emailFrom, fromName: company.emailFromName },
      adminEmail: company.adminEmail,
      sms: {
        primaryProviderId: company.primarySmsProviderId,
        balanceThreshold: (company.balanceThreshold ?? 'none') as 'none' | 50 | 100 | 200,
      },
      reserveChannel: company.reserveChannel as 'sms' | 'email' | null,
      telegram: {
        botUsername: company.telegram.botUsername ?? null,
        chatWithClient: company.telegram.chatWithClient,
        autoReply: company.telegram.autoReply,
        botToken: { set: Boolean(companySecrets.telegramBotToken) },
        webhookUrl: company.telegram.webhookUrl ?? null,
        updates: (company.telegram.webhookSecretHash ? 'webhook' : 'polling') as 'webhook' | 'polling',
      },
      providers: directory.map((p) => {
        const stored = p.secrets ? secrets.open(p.secrets) : {};
        return {
          id: p.id,
          kind: p.kind,
          name: p.name,
          config: p.config,
          secrets: Object.fromEntries(PROVIDER_FIELDS[p.kind].secrets.map((field) => [field, { set: Boolean(stored[field]) }])),
        };
      }),
      updatedAt: company.updatedAt.toISOString(),
    };
  };

  app.get(
    '/settings',
    {
      config: { role: 'settings:admin' },
      schema: { tags: ['settings'], summary: "The company's settings; secrets only say whether they are set", response: { 200: SettingsSchema, ...errorResponses(401, 403) } },
    },
    async (request) => toDto(await load(request.auth.companyId)),
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
    async (request) => {
      const companyId = request.auth.companyId;
      const body: SettingsUpdate = request.body;
      const before = await load(companyId);
      validateProviders(body);
      const directoryAfter = body.providers ?? before.directory.map((p) => ({ id: p.id, kind: p.kind }));
      // The primary must exist in the directory as it will be after this change, not only when it is named.
      const primary = body.sms?.primaryProviderId !== undefined ? body.sms.primaryProviderId : before.company.primarySmsProviderId;
      if (primary) {
        const target = directoryAfter.find((p) => p.id === primary);
        if (!target || !SMS_KINDS.includes(target.kind)) {
          throw new UnprocessableError('UNKNOWN_PROVIDER', `no SMS provider "${primary}" in the directory`, [
            { path: '/body/sms/primaryProviderId', message: `must name an smpp or sms_ru provider of the directory` },
          ]);
        }
      }

      await db.transaction(async (tx) => {
        // What Telegram must be told, once the rows are written.
        let telegramCall: { token: string; url: string | null; secret: string | null } | undefined;
        // Locked, so two changes at once cannot drop each other's secrets.
        const [current] = await tx.select().from(companies).where(eq(companies.id, companyId)).for('update');
        if (!current) throw new NotFoundError(`company ${companyId}`);
        const companySecrets = current.secrets ? secrets.open(current.secrets) : {};
        const oldToken = companySecrets.telegramBotToken;
        const token = body.telegram?.botToken;
        if (token !== undefined) {
          if (token === null) delete companySecrets.telegramBotToken;
          else companySecrets.telegramBotToken = token;
        }
        const newToken = companySecrets.telegramBotToken;
        const { botToken: _secret, webhookUrl, ...telegramPublic } = body.telegram ?? {};
        // A new token keeps the webhook it had, registered again for the new bot.
        const tokenChanged = token !== undefined && newToken !== oldToken;
        const wantedUrl = webhookUrl !== undefined ? webhookUrl : tokenChanged ? (current.telegram.webhookUrl ?? null) : undefined;
        let webhook: { webhookUrl?: string; webhookSecretHash?: string } = {};
        if (wantedUrl !== undefined) {
          if (wantedUrl !== null && !newToken) {
            throw new UnprocessableError('NO_BOT_TOKEN', 'a webhook needs the bot token first', [
              { path: '/body/telegram/webhookUrl', message: 'set telegram.botToken before the webhook' },
            ]);
          }
          if (wantedUrl === null || !newToken) {
            webhook = { webhookUrl: undefined, webhookSecretHash: undefined };
            const holder = newToken ?? oldToken;
            if (holder && current.telegram.webhookSecretHash) telegramCall = { token: holder, url: null, secret: null };
          } else {
            const secret = randomBytes(24).toString('base64url');
            webhook = { webhookUrl: wantedUrl, webhookSecretHash: hashWebhookSecret(secret) };
            telegramCall = { token: newToken, url: wantedUrl, secret };
          }
        }
        await tx
          .update(companies)
          .set({
            ...(body.mode ? { mode: body.mode } : {}),
            ...(body.name ? { name: body.name } : {}),
            ...(body.email?.from ? { emailFrom: body.email.from } : {}),
            ...(body.email?.fromName ? { emailFromName: body.email.fromName } : {}),
            ...(body.adminEmail !== undefined ? { adminEmail: body.adminEmail } : {}),
            ...(body.sms?.primaryProviderId !== undefined ? { primarySmsProviderId: body.sms.primaryProviderId } : {}),
            ...(body.sms?.balanceThreshold !== undefined
              ? { balanceThreshold: body.sms.balanceThreshold === 'none' ? null : body.sms.balanceThreshold }
              : {}),
            ...(body.reserveChannel !== undefined ? { reserveChannel: body.reserveChannel } : {}),
            ...(body.telegram
              ? {
                  telegram: {
                    ...current.telegram,
                    ...Object.fromEntries(Object.entries(telegramPublic).map(([k, v]) => [k, v ?? undefined])),
                    ...webhook,
                  },
                }
              : {}),
            secrets: Object.keys(companySecrets).length > 0 ? secrets.seal(companySecrets) : null,
            updatedAt: sql`now()`,
          })
          .where(eq(companies.id, companyId));

        if (body.providers) {
          const previous = new Map(before.directory.map((p) => [p.id, p]));
          await tx.delete(providers).where(eq(providers.companyId, companyId));
          for (const input of body.providers) {
            const old = previous.get(input.id);
            const stored = old?.secrets && old.kind === input.kind ? secrets.open(old.secrets) : {};
            for (const [field, value] of Object.entries(input.secrets ?? {})) {
              if (value === null) delete stored[field];
              else stored[field] = value;
            }
            await tx.insert(providers).values({
              companyId,
              id: input.id,
              kind: input.kind,
              name: input.name,
              config: input.config ?? {},
              secrets: Object.keys(stored).length > 0 ? secrets.seal(stored) : null,
            });
          }
        }

        // Last, still inside the transaction: if Telegram refuses, nothing of this change is kept.
        if (telegramCall) {
          try {
            await callTelegram(telegramCall.token, telegramCall.url, telegramCall.secret);
          } catch (err) {
            if (telegramCall.url === null) {
              request.log.warn({ err }, 'could not remove the Telegram webhook');
            } else {
              const reason = err instanceof Error ? err.message : String(err);
              throw new UnprocessableError('TELEGRAM_REFUSED', `Telegram refused the webhook: ${reason}`, [
                { path: '/body/telegram/webhookUrl', message: reason },
              ]);
            }
          }
        }
      });

      const after = toDto(await load(companyId));
      if (body.telegram && after.telegram.botToken.set && after.telegram.updates === 'polling') {
        await onTelegramChanged?.(companyId).catch((err: unknown) => request.log.warn({ err }, 'could not start Telegram polling'));
      }
      await createConfigChangeRepository(db).record({
        companyId,
        actor: actorOf(request),
        entity: 'settings',
        entityId: companyId,
        action: 'update',
        // The DTOs carry only "set: true/false" for secrets, never their values.
        before: toDto(before),
        after,
      });
      return after;
    },
  );
};

function validateProviders(body: SettingsUpdate): void {
  const problems: ErrorDetail[] = [];
  const seen = new Set<string>();
  for (const [i, p] of (body.providers ?? []).entries()) {
    const fields = PROVIDER_FIELDS[p.kind];
    if (seen.has(p.id)) problems.push({ path: `/body/providers/${i}/id`, message: `duplicate provider id "${p.id}"` });
    seen.add(p.id);
    for (const name of fields.required) {
      if (p.config?.[name] === undefined) problems.push({ path: `/body/providers/${i}/config/${name}`, message: `is required for ${p.kind}` });
    }
    for (const name of Object.keys(p.config ?? {})) {
      if (!fields.required.includes(name) && !fields.optional.includes(name)) {
        problems.push({ path: `/body/providers/${i}/config/${name}`, message: `is not a ${p.kind} setting${fields.secrets.includes(name) ? ' (it is a secret: put it in secrets)' : ''}` });
      }
    }
    for (const name of Object.keys(p.secrets ?? {})) {
      if (!fields.secrets.includes(name)) problems.push({ path: `/body/providers/${i}/secrets/${name}`, message: `is not a ${p.kind} secret` });
    }
  }
  if (problems.length > 0) throw new BadRequestError('invalid provider settings', problems);
}
