import { randomBytes } from 'node:crypto';
import { createTelegramChannel } from '../channels/telegram';
import type { Db } from '../db/client';
import { createCompanyRepository, type CompanySettingsChange } from '../db/repositories/companies';
import { createConfigChangeRepository } from '../db/repositories/config-changes';
import { createProviderRepository } from '../db/repositories/providers';
import { createSmsBalanceAlertRepository } from '../db/repositories/sms-balance-alerts';
import type { Company, Provider } from '../db/schema';
import { BadRequestError, NotFoundError, ServiceUnavailableError, UnprocessableError, type ErrorDetail } from '../domain/errors';
import type { CompanyMode, LegalEntity, PrimaryChannel, ProviderKind } from '../domain/vocabulary';
import { createEventTypeRepository } from '../db/repositories/event-types';
import { isPort } from '../domain/addresses';
import { formatBalance, sameUnit, unitCode, unitFromCode, unitLabel, unitOfAnswer, type BalanceUnit } from '../domain/balance';
import { checkProviderFields, isSmsProviderKind, PROVIDER_FIELDS } from '../providers/kinds';
import { createOutboundPolicy, type OutboundPolicy } from '../providers/outbound-policy';
import type { SecretBox } from '../secrets';
import { hashWebhookSecret } from './telegram-webhook';

export type BalanceThreshold = 'none' | 50 | 100 | 200;
export type ReserveChannel = 'sms' | 'email';

/** A balance unit as the API shows it: `code` is `messages` or the currency, `label` is for people (`SMS`, `₽ (RUB)`). */
export interface BalanceUnitView {
  code: string;
  unit: 'messages' | 'money';
  currency: string | null;
  label: string;
}

export function balanceUnitView(unit: BalanceUnit): BalanceUnitView {
  return { code: unitCode(unit), unit: unit.unit, currency: unit.unit === 'money' ? unit.currency : null, label: unitLabel(unit) };
}

/**
 * The unit the company's SMS provider counts its balance in, known from the
 * settings alone: SMS.ru counts roubles, an SMPP gateway messages unless its
 * `balanceCurrency` names a currency; no primary: the built-in default's.
 */
export function providerBalanceUnit(
  primaryId: string | null,
  directory: readonly { id: string; kind: ProviderKind; config?: Record<string, unknown> | undefined }[],
  defaultUnit: BalanceUnit | null,
): BalanceUnit | null {
  if (!primaryId) return defaultUnit;
  const primary = directory.find((p) => p.id === primaryId);
  if (primary?.kind === 'sms_ru') return { unit: 'money', currency: 'RUB' };
  if (primary?.kind === 'smpp') {
    const currency = primary.config?.balanceCurrency;
    return unitOfAnswer(typeof currency === 'string' ? currency : undefined);
  }
  return null;
}

/** A company's settings as the API shows them: secrets only say whether they are set. */
export interface SettingsView {
  companyId: string;
  name: string;
  mode: CompanyMode;
  email: { from: string; fromName: string };
  /** Seed 000 "Наша компания": the legal entities e-mail templates may send as. */
  legalEntities: LegalEntity[];
  adminEmail: string | null;
  sms: {
    primaryProviderId: string | null;
    balanceThreshold: BalanceThreshold;
    /** The unit the SMS provider counts its balance in, and so the threshold's; null without an SMS provider. */
    balanceUnit: BalanceUnitView | null;
  };
  reserveChannel: ReserveChannel | null;
  primaryChannel: PrimaryChannel | null;
  telegram: {
    botUsername: string | null;
    chatWithClient: boolean;
    autoReply: string;
    botToken: { set: boolean };
    webhookUrl: string | null;
    updates: 'webhook' | 'polling';
  };
  /** What keeps a setting from working, in Russian, e.g. a balance threshold with nobody to alert. */
  problems: { code: string; message: string }[];
  providers: {
    id: string;
    kind: ProviderKind;
    name: string;
    config: Record<string, unknown>;
    secrets: Record<string, { set: boolean }>;
  }[];
  updatedAt: string;
}

/** One provider of a settings change. Secrets left out keep their value; null removes one. */
export interface ProviderChange {
  id: string;
  kind: ProviderKind;
  name: string;
  config?: Record<string, string | number | boolean> | undefined;
  secrets?: Record<string, string | null> | undefined;
  /** Where the request named it, for error paths; `/body/providers/<index>` when unset. */
  path?: string | undefined;
}

/**
 * One provider of a PATCH (JSON merge semantics): fields left out keep their
 * value, a config field set to null is removed, secrets left out are kept.
 * A new provider needs `kind` and `name`; another `kind` starts its config afresh.
 */
export interface ProviderPatch {
  kind?: ProviderKind | undefined;
  name?: string | undefined;
  config?: Record<string, string | number | boolean | null> | undefined;
  secrets?: Record<string, string | null> | undefined;
}

/** A settings change: fields left out keep their value. */
export interface SettingsChange {
  mode?: CompanyMode | undefined;
  name?: string | undefined;
  email?: { from?: string | undefined; fromName?: string | undefined } | undefined;
  adminEmail?: string | null | undefined;
  sms?:
    | {
        primaryProviderId?: string | null | undefined;
        balanceThreshold?: BalanceThreshold | undefined;
        /** The unit the threshold is meant in (`messages` or a currency): refused unless it is the provider's. */
        balanceThresholdUnit?: string | undefined;
      }
    | undefined;
  reserveChannel?: ReserveChannel | null | undefined;
  primaryChannel?: PrimaryChannel | null | undefined;
  telegram?:
    | {
        botUsername?: string | null | undefined;
        chatWithClient?: boolean | undefined;
        autoReply?: string | undefined;
        webhookUrl?: string | null | undefined;
        botToken?: string | null | undefined;
      }
    | undefined;
  /** Replaces the company's legal entities. */
  legalEntities?: LegalEntity[] | undefined;
  /** PATCH: adds, changes (null: removes) the legal entities named by id; the others stay. */
  legalEntitiesPatch?: Record<string, LegalEntityPatch | null> | undefined;
  /** Replaces the whole directory. */
  providers?: ProviderChange[] | undefined;
  /** PATCH: adds, changes (null: removes) the providers named by id; the others stay as they are. */
  providersPatch?: Record<string, ProviderPatch | null> | undefined;
}

/** One legal entity of a PATCH: fields left out keep their value; a new one needs `name`, `fromAddress` and `signature`. */
export interface LegalEntityPatch {
  name?: string | undefined;
  fromAddress?: string | undefined;
  fromName?: string | null | undefined;
  signature?: string | undefined;
}

/**
 * The legal entities after a PATCH keyed by id: named ones changed (null
 * removes), new ones added at the end, the others kept.
 * @throws BadRequestError naming `/body/legalEntities/<id>/...` for a new one without its required fields.
 */
export function mergeLegalEntities(stored: readonly LegalEntity[], patch: Record<string, LegalEntityPatch | null>): LegalEntity[] {
  const problems: ErrorDetail[] = [];
  const build = (id: string, base: Partial<LegalEntity>, change: LegalEntityPatch): LegalEntity | undefined => {
    const merged = { ...base, ...change, id };
    const missing = (['name', 'fromAddress', 'signature'] as const).filter((f) => merged[f] === undefined);
    for (const field of missing) problems.push({ path: `/body/legalEntities/${id}/${field}`, message: 'is required for a new legal entity' });
    if (missing.length > 0) return undefined;
    const fromName = merged.fromName ?? undefined;
    return { id, name: merged.name!, fromAddress: merged.fromAddress!, signature: merged.signature!, ...(fromName ? { fromName } : {}) };
  };
  const result: LegalEntity[] = [];
  for (const old of stored) {
    if (!(old.id in patch)) {
      result.push(old);
      continue;
    }
    const change = patch[old.id];
    if (change === null || change === undefined) continue;
    const entity = build(old.id, old, change);
    if (entity) result.push(entity);
  }
  for (const [id, change] of Object.entries(patch)) {
    if (change === null || stored.some((e) => e.id === id)) continue;
    const entity = build(id, {}, change);
    if (entity) result.push(entity);
  }
  if (problems.length > 0) throw new BadRequestError('invalid legal entities', problems);
  return result;
}

/**
 * The directory after a PATCH of some of its providers, as a full list of
 * changes (secrets only where the patch gives them: the others are kept).
 * @throws BadRequestError naming `/body/providers/<id>/...` for a new provider without kind or name.
 */
export function mergeProviders(
  directory: readonly { id: string; kind: ProviderKind; name: string; config: Record<string, unknown> }[],
  patch: Record<string, ProviderPatch | null>,
): ProviderChange[] {
  const problems: ErrorDetail[] = [];
  const result: ProviderChange[] = [];
  for (const old of directory) {
    const path = `/body/providers/${old.id}`;
    if (!(old.id in patch)) {
      result.push({ id: old.id, kind: old.kind, name: old.name, config: old.config as Record<string, string | number | boolean>, path });
      continue;
    }
    const change = patch[old.id];
    if (change === null || change === undefined) continue;
    const kind = change.kind ?? old.kind;
    const config: Record<string, string | number | boolean> = kind === old.kind ? { ...(old.config as Record<string, string | number | boolean>) } : {};
    for (const [field, value] of Object.entries(change.config ?? {})) {
      if (value === null) delete config[field];
      else config[field] = value;
    }
    result.push({ id: old.id, kind, name: change.name ?? old.name, config, ...(change.secrets ? { secrets: change.secrets } : {}), path });
  }
  for (const [id, change] of Object.entries(patch)) {
    if (change === null || directory.some((p) => p.id === id)) continue;
    const path = `/body/providers/${id}`;
    if (!/^[a-z0-9][a-z0-9_-]{0,99}$/.test(id)) problems.push({ path, message: 'a provider id is lower-case letters, digits, "-" and "_", starting with a letter or digit' });
    if (!change.kind) problems.push({ path: `${path}/kind`, message: 'is required for a new provider: smtp, smpp, sms_ru or telegram' });
    if (!change.name) problems.push({ path: `${path}/name`, message: 'is required for a new provider' });
    if (!change.kind || !change.name) continue;
    const config = Object.fromEntries(Object.entries(change.config ?? {}).filter(([, v]) => v !== null)) as Record<string, string | number | boolean>;
    result.push({ id, kind: change.kind, name: change.name, config, ...(change.secrets ? { secrets: change.secrets } : {}), path });
  }
  if (problems.length > 0) throw new BadRequestError('invalid provider settings', problems);
  return result;
}

/** Where a change's non-fatal problems go (the request's log). */
export interface SettingsLog {
  warn(obj: { err: unknown }, msg: string): void;
}

export interface SettingsServiceDeps {
  db: Db;
  secrets: SecretBox;
  /** Where the Bot API is, for setting the webhook; Telegram's own when unset. */
  telegramApiRoot?: string | undefined;
  /**
   * Starts long polling of the bot when a token is set without a webhook; a
   * rejection (Temporal down or past its deadline) makes the update answer 503.
   */
  onTelegramChanged?: ((companyId: string) => Promise<void>) | undefined;
  /** Hosts and ranges (`OUTBOUND_ALLOW`) provider settings may name although loopback, private or link-local. */
  outboundAllow?: readonly string[] | undefined;
  /** The unit of the built-in default SMS provider's balance (`SMS_URL`); null: there is none. */
  defaultSmsUnit?: BalanceUnit | null | undefined;
}

/** Company settings: mode (R1), providers and fallback (R2, R6), balance threshold (R4), Telegram (R5). */
export function createSettingsService({ db, secrets, telegramApiRoot, onTelegramChanged, outboundAllow, defaultSmsUnit = null }: SettingsServiceDeps) {
  const outbound = createOutboundPolicy({ allow: outboundAllow });
  /**
   * Tells Telegram where to post updates (or removes the webhook). Called
   * inside the settings transaction, so a refusal keeps nothing of the change.
   * Errors carry Telegram's words, never the token.
   */
  const callTelegram = async (token: string, url: string | null, secret: string | null, apiRoot: string | undefined) => {
    const bot = createTelegramChannel({ token, ...(apiRoot ? { apiRoot } : {}) });
    try {
      if (url === null || secret === null) await bot.deleteWebhook();
      else await bot.setWebhook(`${url.replace(/\/+$/, '')}/v1/telegram/webhook/${secret}`, secret);
    } finally {
      await bot.close?.();
    }
  };

  /**
   * Asks Telegram who the bot is (`getMe`): a token Telegram does not accept is
   * refused at save (422 naming the field, never the token), and the username
   * is Telegram's own, so deep links are right.
   */
  const verifyBotToken = async (token: string, apiRoot: string | undefined): Promise<string> => {
    const bot = createTelegramChannel({ token, ...(apiRoot ? { apiRoot } : {}) });
    try {
      const me = await bot.getMe();
      return me.username;
    } catch (err) {
      const reason = (err instanceof Error ? err.message : String(err)).split(token).join('<token>');
      throw new UnprocessableError('BOT_TOKEN_REFUSED', `Telegram did not accept the bot token: ${reason}`, [
        { path: '/body/telegram/botToken', message: `Telegram did not accept it (getMe: ${reason})` },
      ]);
    } finally {
      await bot.close?.();
    }
  };

  /** The one Bot API root: the directory's Telegram provider's, else the operator's (`TELEGRAM_API_ROOT`), else Telegram's own. */
  const botApiRoot = (providers: readonly { kind: ProviderKind; config?: Record<string, unknown> | undefined }[]): string | undefined => {
    const root = providers.find((p) => p.kind === 'telegram')?.config?.apiRoot;
    return typeof root === 'string' && root ? root.replace(/\/+$/, '') : telegramApiRoot;
  };

  const load = async (companyId: string) => {
    const company = await createCompanyRepository(db).find(companyId);
    if (!company) throw new NotFoundError(`company ${companyId}`);
    const directory = await createProviderRepository(db).list(companyId);
    return { company, directory };
  };

  const toView = ({ company, directory }: { company: Company; directory: Provider[] }): SettingsView => {
    const companySecrets = company.secrets ? secrets.open(company.secrets) : {};
    const unit = providerBalanceUnit(company.primarySmsProviderId, directory, defaultSmsUnit);
    return {
      companyId: company.id,
      name: company.name,
      mode: company.mode,
      email: { from: company.emailFrom, fromName: company.emailFromName },
      legalEntities: company.legalEntities,
      adminEmail: company.adminEmail,
      sms: {
        primaryProviderId: company.primarySmsProviderId,
        balanceThreshold: (company.balanceThreshold ?? 'none') as BalanceThreshold,
        balanceUnit: unit ? balanceUnitView(unit) : null,
      },
      reserveChannel: company.reserveChannel as ReserveChannel | null,
      primaryChannel: company.primaryChannel ?? null,
      telegram: {
        botUsername: company.telegram.botUsername ?? null,
        chatWithClient: company.telegram.chatWithClient,
        autoReply: company.telegram.autoReply,
        botToken: { set: Boolean(companySecrets.telegramBotToken) },
        webhookUrl: company.telegram.webhookUrl ?? null,
        updates: company.telegram.webhookSecretHash ? 'webhook' : 'polling',
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
      problems: settingsProblems(company, unit),
      updatedAt: company.updatedAt.toISOString(),
    };
  };

  /**
   * Legal entities have unique ids, and one that a template sends as cannot go.
   * @throws UnprocessableError `INVALID_LEGAL_ENTITIES` naming each field.
   */
  const checkLegalEntities = async (companyId: string, before: readonly LegalEntity[], after: readonly LegalEntity[]): Promise<void> => {
    const problems: ErrorDetail[] = [];
    const seen = new Set<string>();
    for (const [i, e] of after.entries()) {
      if (seen.has(e.id)) problems.push({ path: `/body/legalEntities/${i}/id`, message: `duplicate legal entity id "${e.id}"` });
      seen.add(e.id);
    }
    for (const gone of before.filter((e) => !seen.has(e.id))) {
      const users = await createEventTypeRepository(db).templatesOfLegalEntity(companyId, gone.id);
      if (users.length > 0) {
        problems.push({
          path: `/body/legalEntities/${gone.id}`,
          message: `cannot be removed: templates send as it (${users.map((t) => `${t.eventType} ${t.audience} ${t.channel}`).join(', ')}); choose another legal entity for them first`,
        });
      }
    }
    if (problems.length > 0) throw new UnprocessableError('INVALID_LEGAL_ENTITIES', `legal entities refused: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, problems);
  };

  return {
    /** Throws `NotFoundError` for an unknown company. */
    async read(companyId: string): Promise<SettingsView> {
      return toView(await load(companyId));
    },

    /**
     * Applies a change in one transaction with the company row locked. Telegram
     * is told about a new or removed webhook as the transaction's last step,
     * so its refusal keeps nothing of the change. The change goes to the
     * configuration history with secrets reduced to "set: true/false".
     */
    async update(
      companyId: string,
      request: SettingsChange,
      { actor, log, action = 'update' }: { actor: string; log: SettingsLog; action?: 'update' | 'patch' },
    ): Promise<SettingsView> {
      const before = await load(companyId);
      const patch = request.providers ? undefined : request.providersPatch;
      // A PATCH is checked on the directory as it would become; it is merged again under the lock below.
      const change: SettingsChange = patch ? { ...request, providers: mergeProviders(before.directory, patch) } : request;
      validateProviders(change.providers ?? []);
      const entitiesAfter =
        change.legalEntities ?? (change.legalEntitiesPatch ? mergeLegalEntities(before.company.legalEntities, change.legalEntitiesPatch) : undefined);
      if (entitiesAfter) await checkLegalEntities(companyId, before.company.legalEntities, entitiesAfter);
      await checkAddresses(change, outbound);
      const directoryAfter = change.providers ?? before.directory.map((p) => ({ id: p.id, kind: p.kind, config: p.config }));
      // The primary must exist in the directory as it will be after this change, not only when it is named.
      const primary = change.sms?.primaryProviderId !== undefined ? change.sms.primaryProviderId : before.company.primarySmsProviderId;
      if (primary) {
        const target = directoryAfter.find((p) => p.id === primary);
        if (!target || !isSmsProviderKind(target.kind)) {
          throw new UnprocessableError('UNKNOWN_PROVIDER', `no SMS provider "${primary}" in the directory`, [
            { path: '/body/sms/primaryProviderId', message: `must name an smpp or sms_ru provider of the directory` },
          ]);
        }
      }

      const balanceUnitChanges = checkBalanceUnit(before, change, primary, directoryAfter, defaultSmsUnit);

      const apiRoot = botApiRoot(change.providers ?? before.directory);
      const newBotToken = change.telegram?.botToken;
      const botUsername = typeof newBotToken === 'string' ? await verifyBotToken(newBotToken, apiRoot) : undefined;

      await db.transaction(async (tx) => {
        const companyRepo = createCompanyRepository(tx);
        const providerRepo = createProviderRepository(tx);
        // What Telegram must be told, once the rows are written.
        let telegramCall: { token: string; url: string | null; secret: string | null } | undefined;
        // Locked, so two changes at once cannot drop each other's secrets.
        const current = await companyRepo.findForUpdate(companyId);
        if (!current) throw new NotFoundError(`company ${companyId}`);
        const companySecrets = current.secrets ? secrets.open(current.secrets) : {};
        const oldToken = companySecrets.telegramBotToken;
        const token = change.telegram?.botToken;
        if (token !== undefined) {
          if (token === null) delete companySecrets.telegramBotToken;
          else companySecrets.telegramBotToken = token;
        }
        const newToken = companySecrets.telegramBotToken;
        const { botToken: _secret, webhookUrl, ...telegramPublic } = change.telegram ?? {};
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
        const companyChange: CompanySettingsChange = {
          ...(change.mode ? { mode: change.mode } : {}),
          ...(change.name ? { name: change.name } : {}),
          ...(change.email?.from ? { emailFrom: change.email.from } : {}),
          ...(change.email?.fromName ? { emailFromName: change.email.fromName } : {}),
          ...(change.adminEmail !== undefined ? { adminEmail: change.adminEmail } : {}),
          ...(change.sms?.primaryProviderId !== undefined ? { primarySmsProviderId: change.sms.primaryProviderId } : {}),
          ...(change.sms?.balanceThreshold !== undefined
            ? { balanceThreshold: change.sms.balanceThreshold === 'none' ? null : change.sms.balanceThreshold }
            : {}),
          ...(change.reserveChannel !== undefined ? { reserveChannel: change.reserveChannel } : {}),
          ...(change.primaryChannel !== undefined ? { primaryChannel: change.primaryChannel } : {}),
          // A PATCH applies to the entities as they are now, under the lock.
          ...(change.legalEntities
            ? { legalEntities: change.legalEntities }
            : change.legalEntitiesPatch
              ? { legalEntities: mergeLegalEntities(current.legalEntities, change.legalEntitiesPatch) }
              : {}),
          ...(change.telegram
            ? {
                telegram: {
                  ...current.telegram,
                  ...Object.fromEntries(Object.entries(telegramPublic).map(([k, v]) => [k, v ?? undefined])),
                  // Telegram's own answer wins over a username typed by hand.
                  ...(botUsername ? { botUsername } : {}),
                  ...webhook,
                },
              }
            : {}),
          secrets: Object.keys(companySecrets).length > 0 ? secrets.seal(companySecrets) : null,
        };
        await companyRepo.updateSettings(companyId, companyChange);
        // A new threshold, or a threshold in a new unit, is a new promise: its first fall is alerted afresh.
        const thresholdChanged = companyChange.balanceThreshold !== undefined && companyChange.balanceThreshold !== current.balanceThreshold;
        if (thresholdChanged || balanceUnitChanges) await createSmsBalanceAlertRepository(tx).restart(companyId);

        if (change.providers) {
          // Read under the lock, so a concurrent change's provider secrets are not lost either.
          const listed = await providerRepo.list(companyId);
          const previous = new Map(listed.map((p) => [p.id, p]));
          // A PATCH applies to the directory as it is now, not as it was read before the lock.
          const providers = patch ? mergeProviders(listed, patch) : change.providers;
          if (patch) validateProviders(providers);
          requireSecretsWithNewAddress({ ...change, providers }, previous, {
            botTokenStored: Boolean(oldToken),
            botTokenResent: typeof change.telegram?.botToken === 'string' || change.telegram?.botToken === null,
            storedSecretsOf: (p) => (p.secrets ? Object.keys(secrets.open(p.secrets)) : []),
          });
          await providerRepo.replaceAll(
            companyId,
            providers.map((input) => {
              const old = previous.get(input.id);
              const stored = old?.secrets && old.kind === input.kind ? secrets.open(old.secrets) : {};
              for (const [field, value] of Object.entries(input.secrets ?? {})) {
                if (value === null) delete stored[field];
                else stored[field] = value;
              }
              return {
                id: input.id,
                kind: input.kind,
                name: input.name,
                config: input.config ?? {},
                secrets: Object.keys(stored).length > 0 ? secrets.seal(stored) : null,
              };
            }),
          );
        }

        // Last, still inside the transaction: if Telegram refuses, nothing of this change is kept.
        if (telegramCall) {
          try {
            await callTelegram(telegramCall.token, telegramCall.url, telegramCall.secret, apiRoot);
          } catch (err) {
            if (telegramCall.url === null) {
              log.warn({ err }, 'could not remove the Telegram webhook');
            } else {
              const reason = err instanceof Error ? err.message : String(err);
              throw new UnprocessableError('TELEGRAM_REFUSED', `Telegram refused the webhook: ${reason}`, [
                { path: '/body/telegram/webhookUrl', message: reason },
              ]);
            }
          }
        }
      });

      const after = toView(await load(companyId));
      await createConfigChangeRepository(db).record({
        companyId,
        actor,
        entity: 'settings',
        entityId: companyId,
        action,
        // The views carry only "set: true/false" for secrets, never their values.
        before: toView(before),
        after,
      });
      // After the change is saved and recorded: a down Temporal (bounded by the caller's
      // deadline) answers 503, and the retry saves the same values and starts the polling.
      if (change.telegram && after.telegram.botToken.set && after.telegram.updates === 'polling' && onTelegramChanged) {
        await onTelegramChanged(companyId).catch((err: unknown) => {
          log.warn({ err }, 'could not start Telegram polling');
          throw new ServiceUnavailableError('the settings are saved, but the workflow engine is unavailable to start polling the bot; retry the same request');
        });
      }
      return after;
    },
  };
}

export type SettingsService = ReturnType<typeof createSettingsService>;

/** Settings that say they do something but cannot: shown by GET /v1/settings so nothing is silently off. */
export function settingsProblems(
  company: Pick<Company, 'balanceThreshold' | 'adminEmail'>,
  unit: BalanceUnit | null = null,
): { code: string; message: string }[] {
  const problems: { code: string; message: string }[] = [];
  const threshold = company.balanceThreshold === null ? null : unit ? formatBalance(company.balanceThreshold, unit) : String(company.balanceThreshold);
  if (company.balanceThreshold !== null && !company.adminEmail) {
    problems.push({
      code: 'NO_ADMIN_EMAIL',
      message: `Порог баланса SMS (${threshold}) задан, но e-mail администратора не указан: предупреждение о балансе некому отправить. Укажите adminEmail.`,
    });
  }
  return problems;
}

/**
 * The threshold is a number in the unit the SMS provider counts its balance
 * in. A unit other than the provider's is refused (there is no price to
 * convert by), and so is a change of provider, or of its currency, that would
 * silently read a kept threshold in another unit: the threshold must be given again.
 */
function checkBalanceUnit(
  before: { company: Company; directory: Provider[] },
  change: SettingsChange,
  primaryAfter: string | null,
  directoryAfter: readonly { id: string; kind: ProviderKind; config?: Record<string, unknown> | undefined }[],
  defaultUnit: BalanceUnit | null,
): boolean {
  const unitAfter = providerBalanceUnit(primaryAfter, directoryAfter, defaultUnit);
  const wanted = change.sms?.balanceThresholdUnit;
  if (wanted !== undefined) {
    const unit = unitFromCode(wanted);
    if (!unit) {
      throw new BadRequestError('invalid body: /body/sms/balanceThresholdUnit', [
        { path: '/body/sms/balanceThresholdUnit', message: 'must be "messages" or a currency code of three capital letters, e.g. RUB' },
      ]);
    }
    if (!unitAfter) {
      throw new UnprocessableError('NO_SMS_PROVIDER', 'there is no SMS provider whose balance the threshold could be compared with', [
        { path: '/body/sms/balanceThresholdUnit', message: 'no SMS provider is configured: choose one in sms.primaryProviderId first' },
      ]);
    }
    if (!sameUnit(unit, unitAfter)) {
      throw new UnprocessableError('BALANCE_UNIT_MISMATCH', `the SMS provider counts its balance ${unitWordsEn(unitAfter)}, not ${unitWordsEn(unit)}`, [
        {
          path: '/body/sms/balanceThresholdUnit',
          message: `the SMS provider counts its balance ${unitWordsEn(unitAfter)} ("${unitCode(unitAfter)}"), so the threshold must be in ${unitCode(unitAfter)} too; it is not converted, since the price of an SMS is the provider's own`,
        },
      ]);
    }
  }
  const thresholdKept = change.sms?.balanceThreshold === undefined && before.company.balanceThreshold !== null;
  const unitBefore = providerBalanceUnit(before.company.primarySmsProviderId, before.directory, defaultUnit);
  if (thresholdKept && unitBefore && unitAfter && !sameUnit(unitBefore, unitAfter)) {
    throw new UnprocessableError('BALANCE_UNIT_CHANGED', `the SMS provider would count its balance ${unitWordsEn(unitAfter)} instead of ${unitWordsEn(unitBefore)}`, [
      {
        path: '/body/sms/balanceThreshold',
        message: `must be given again: the threshold ${before.company.balanceThreshold} was in ${unitCode(unitBefore)}, and the SMS provider would count its balance ${unitWordsEn(unitAfter)}`,
      },
    ]);
  }
  /** True when the unit changes: the alert's episode starts afresh. */
  return Boolean(unitBefore && unitAfter && !sameUnit(unitBefore, unitAfter));
}

function unitWordsEn(unit: BalanceUnit): string {
  return unit.unit === 'messages' ? 'in messages' : `in money (${unit.currency})`;
}

/** Where each kind sends its secret: changing one of these moves the secret to another server. */
const ADDRESS_FIELDS: Readonly<Record<ProviderKind, readonly string[]>> = {
  smtp: ['host', 'port'],
  smpp: ['host', 'port', 'balanceUrl'],
  sms_ru: ['baseUrl'],
  telegram: ['apiRoot'],
};

/** Host fields and URL fields of each kind, for the outbound policy. */
const HOST_FIELDS: Readonly<Record<ProviderKind, readonly string[]>> = { smtp: ['host'], smpp: ['host'], sms_ru: [], telegram: [] };
const URL_FIELDS: Readonly<Record<ProviderKind, readonly string[]>> = { smtp: [], smpp: ['balanceUrl'], sms_ru: ['baseUrl'], telegram: ['apiRoot'] };
const HTTP = ['http:', 'https:'] as const;

/**
 * Where the change would make the worker (or Telegram) connect: hosts and URLs
 * must pass the outbound policy, ports must be ports, and URLs may carry no
 * credentials. All problems at once, 422 naming each field.
 */
async function checkAddresses(change: SettingsChange, outbound: OutboundPolicy): Promise<void> {
  const problems: ErrorDetail[] = [];
  for (const [i, p] of (change.providers ?? []).entries()) {
    const config = p.config ?? {};
    const at = (field: string) => `${p.path ?? `/body/providers/${i}`}/config/${field}`;
    for (const field of HOST_FIELDS[p.kind]) {
      const value = config[field];
      if (value === undefined) continue;
      const problem = typeof value === 'string' ? await outbound.hostProblem(value) : 'must be a host name or an IP address';
      if (problem) problems.push({ path: at(field), message: problem });
    }
    if ('port' in config && !isPort(config.port)) problems.push({ path: at('port'), message: 'must be an integer from 1 to 65535' });
    for (const field of URL_FIELDS[p.kind]) {
      const value = config[field];
      if (value === undefined) continue;
      const problem = typeof value === 'string' ? await outbound.urlProblem(value, HTTP) : 'must be an http:// or https:// URL';
      if (problem) problems.push({ path: at(field), message: problem });
    }
  }
  const webhookUrl = change.telegram?.webhookUrl;
  if (typeof webhookUrl === 'string') {
    const problem = await outbound.urlProblem(webhookUrl, HTTP);
    if (problem) problems.push({ path: '/body/telegram/webhookUrl', message: problem });
  }
  if (problems.length > 0) throw new UnprocessableError('ADDRESS_NOT_ALLOWED', 'a provider address is not allowed', problems);
}

/**
 * A stored secret goes only where it went before: a change of a provider's
 * host, port or URL must give its secrets again, or an administrator could
 * point a provider at a server of their own and have the worker send the
 * secret there on the next test message. The company's bot token stands in
 * for the Telegram provider's secret. Moving to the operator's default (an
 * API root removed) needs nothing.
 */
function requireSecretsWithNewAddress(
  change: SettingsChange,
  previous: ReadonlyMap<string, Provider>,
  company: { botTokenStored: boolean; botTokenResent: boolean; storedSecretsOf: (p: Provider) => string[] },
): void {
  const problems: ErrorDetail[] = [];
  const providers = change.providers ?? [];
  for (const [i, input] of providers.entries()) {
    const old = previous.get(input.id);
    const config = input.config ?? {};
    if (input.kind === 'telegram') {
      const before = [...previous.values()].find((p) => p.kind === 'telegram')?.config.apiRoot;
      const after = config.apiRoot;
      if (after !== undefined && after !== before && company.botTokenStored && !company.botTokenResent) {
        problems.push({ path: '/body/telegram/botToken', message: `must be given again when the Telegram API root changes (${(input.path ?? `/body/providers/${i}`).replace('/body/', '')}/config/apiRoot)` });
      }
      continue;
    }
    if (!old || old.kind !== input.kind) continue;
    const moved = ADDRESS_FIELDS[input.kind].filter((field) => old.config[field] !== config[field]);
    if (moved.length === 0) continue;
    const given = input.secrets ?? {};
    for (const field of company.storedSecretsOf(old)) {
      if (field in given) continue;
      problems.push({
        path: `${input.path ?? `/body/providers/${i}`}/secrets/${field}`,
        message: `must be given again when the address changes (${moved.join(', ')} changed)`,
      });
    }
  }
  if (problems.length > 0) {
    throw new UnprocessableError('SECRET_REQUIRED', 'a stored secret must be given again when the address it is sent to changes', problems);
  }
}

/** Every provider's fields against its kind's schema, and ids unique; all problems at once. */
function validateProviders(providers: readonly ProviderChange[]): void {
  const problems: ErrorDetail[] = [];
  const seen = new Set<string>();
  for (const [i, p] of providers.entries()) {
    const at = p.path ?? `/body/providers/${i}`;
    if (seen.has(p.id)) problems.push({ path: `${at}/id`, message: `duplicate provider id "${p.id}"` });
    seen.add(p.id);
    for (const { field, message } of checkProviderFields(p)) problems.push({ path: `${at}/${field}`, message });
  }
  if (problems.length > 0) throw new BadRequestError('invalid provider settings', problems);
}
