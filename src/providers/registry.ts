import type { ChangeFeed } from '../db/change-feed';
import type { Db } from '../db/client';
import { createProviderRepository } from '../db/repositories/providers';
import type { Provider } from '../db/schema';
import type { SecretBox } from '../secrets';
import { createEmailChannel, createGuardedSmtpTransport } from '../channels/email';
import { RejectedError } from '../channels/errors';
import { createSmppChannel, type SmppChannel } from '../channels/smpp';
import { createSmsRuChannel } from '../channels/sms-ru';
import { createTelegramChannel, type TelegramChannel } from '../channels/telegram';
import type { ChannelAdapter, DeliveryReport, SmsProvider } from '../channels/types';
import { isPort } from '../domain/addresses';
import { unitOfAnswer } from '../domain/balance';
import { configOf } from './kinds';
import { createOutboundPolicy } from './outbound-policy';

/** The adapters one company sends through, built from its provider directory (R2). */
export interface CompanyChannels {
  email: ChannelAdapter;
  /** The company's primary SMS provider, else the built-in default; null when neither exists. */
  sms: SmsProvider | null;
  /** Null until the company has a bot token. */
  telegram: TelegramChannel | null;
}

export interface ChannelRegistry {
  forCompany(companyId: string): Promise<CompanyChannels>;
  close(): Promise<void>;
}

export interface ChannelRegistryOptions {
  db: Db;
  secrets: SecretBox;
  /** Used by companies without an SMTP provider of their own (SMTP_URL or the dev sink). */
  defaultEmail: ChannelAdapter;
  /** The built-in default SMS provider (SMS_URL), used when a company picked none. */
  defaultSms?: SmsProvider | null;
  telegramApiRoot?: string;
  /** Where SMPP delivery receipts go (the journal). */
  onDeliveryReport?: (report: DeliveryReport) => void;
  log?: (msg: string) => void;
  /**
   * Hosts and ranges (`OUTBOUND_ALLOW`) a company's providers may reach
   * although they are loopback, private or link-local. The defaults above are
   * the operator's and are not checked.
   */
  outboundAllow?: readonly string[] | undefined;
  /**
   * Keeps each company's settings in memory between changes, so a send reads
   * the database only after something changed; without it every send asks.
   */
  changes?: ChangeFeed | undefined;
}

/** An adapter whose settings cannot work: every use fails with the reason, permanently. */
function misconfigured(provider: string, reason: string): SmsProvider & ChannelAdapter {
  const fail = async (): Promise<never> => {
    throw new RejectedError(`provider ${provider}: ${reason}`, reason);
  };
  return { channel: 'sms', provider, send: fail, balance: fail };
}

/** Old adapters stay open this long after a settings change, so sends already using them can finish. */
const RETIRE_AFTER_MS = 120_000;

interface Cached {
  version: string;
  /** The newest change the version reflects; an older build never replaces a newer one. */
  stamp: number;
  channels: CompanyChannels;
  owned: { close?: () => Promise<void> }[];
}

/**
 * Builds and caches adapters per company. A change of settings or providers
 * changes the version, so the next send uses new adapters; the old ones are
 * closed a while later, once sends that already hold them are done.
 */
export function createChannelRegistry(opts: ChannelRegistryOptions): ChannelRegistry {
  const policy = createOutboundPolicy({ allow: opts.outboundAllow });
  const resolveHost = policy.resolve;
  const cache = new Map<string, Cached>();
  const building = new Map<string, Promise<Cached>>();

  const retiring = new Set<Cached>();
  const retire = (cached: Cached) => {
    retiring.add(cached);
    setTimeout(() => {
      if (!retiring.delete(cached)) return;
      for (const adapter of cached.owned) void adapter.close?.().catch(() => undefined);
    }, RETIRE_AFTER_MS).unref();
  };

  async function build(companyId: string, stamp: number, version: string, primaryId: string | null, sealed: string | null, directory: Provider[]): Promise<Cached> {
    const owned: { close?: () => Promise<void> }[] = [];
    const companySecrets = sealed ? opts.secrets.open(sealed) : {};
    const secretsOf = (p: Provider) => (p.secrets ? opts.secrets.open(p.secrets) : {});

    let email = opts.defaultEmail;
    const smtp = directory.find((p) => p.kind === 'smtp');
    if (smtp) {
      const c = configOf('smtp', smtp.config);
      if (isPort(c.port)) {
        // By its parts, never a pasted URL: a host like `evil:25/x?` or with `@` cannot change the port or the login.
        const server = { ...c, password: secretsOf(smtp).password };
        email = createEmailChannel({ transport: createGuardedSmtpTransport(server, resolveHost), provider: smtp.id });
        owned.push(email);
      } else {
        email = { ...misconfigured(smtp.id, 'the port must be 1–65535'), channel: 'email' };
      }
    }

    let sms: SmsProvider | null = opts.defaultSms ?? null;
    const primary = primaryId ? directory.find((p) => p.id === primaryId) : undefined;
    if (primary?.kind === 'smpp' && !isPort(configOf('smpp', primary.config).port)) {
      sms = misconfigured(primary.id, 'the port must be 1–65535');
    } else if (primary?.kind === 'smpp') {
      const c = configOf('smpp', primary.config);
      const password = secretsOf(primary).password ?? '';
      // The SMPP session opens on the first SMS, not on every lookup (e-mail sends, Telegram polls).
      let session: SmppChannel | undefined;
      const open = (): SmppChannel => (session ??= createSmppChannel({
        url: { host: c.host, port: c.port, tls: false, systemId: c.systemId, password },
        resolveHost,
        sourceAddr: c.sourceAddr,
        provider: primary.id,
        ...(c.balanceUrl ? { balanceUrl: c.balanceUrl } : {}),
        ...(c.balanceCurrency ? { balanceCurrency: c.balanceCurrency } : {}),
        ...(opts.onDeliveryReport ? { onDeliveryReport: (report: DeliveryReport) => opts.onDeliveryReport?.({ ...report, companyId }) } : {}),
        ...(opts.log ? { log: opts.log } : {}),
      }));
      owned.push({ close: async () => session?.close() });
      sms = {
        channel: 'sms',
        provider: primary.id,
        balanceUnit: unitOfAnswer(c.balanceCurrency),
        send: (message) => open().send(message),
        balance: () => open().balance(),
      };
    } else if (primary?.kind === 'sms_ru') {
      const c = configOf('sms_ru', primary.config);
      sms = createSmsRuChannel({
        apiId: secretsOf(primary).apiId ?? '',
        provider: primary.id,
        resolveHost,
        ...(c.baseUrl ? { baseUrl: c.baseUrl } : {}),
        ...(c.from ? { from: c.from } : {}),
      });
    }

    let telegram: TelegramChannel | null = null;
    const token = companySecrets.telegramBotToken;
    if (token) {
      const fromDirectory = directory.find((p) => p.kind === 'telegram');
      const ownRoot = fromDirectory ? configOf('telegram', fromDirectory.config).apiRoot : undefined;
      const apiRoot = ownRoot ?? opts.telegramApiRoot;
      // Below the send activity's 30 s budget, so an attempt never outlives its activity.
      // The company's own API root goes through the outbound policy; the operator's and Telegram's do not.
      telegram = createTelegramChannel({
        token,
        provider: 'telegram',
        requestTimeoutMs: 15_000,
        ...(apiRoot ? { apiRoot } : {}),
        ...(ownRoot ? { resolveHost } : {}),
      });
      owned.push(telegram);
    }
    return { version, stamp, channels: { email, sms, telegram }, owned };
  }

  const providerRepo = createProviderRepository(opts.db);
  /**
   * Reads under way, by company: sends that ask at the same moment (an
   * event's recipients go out together) share one read. A read shared this
   * way began at most one query's time before the send asked.
   */
  const reading = new Map<string, ReturnType<typeof providerRepo.withCompanyState>>();
  const readShared = (companyId: string) => {
    let pending = reading.get(companyId);
    if (!pending) {
      pending = providerRepo.withCompanyState(companyId).finally(() => reading.delete(companyId));
      reading.set(companyId, pending);
    }
    return pending;
  };
  const remembered = opts.changes?.cache<Awaited<ReturnType<typeof providerRepo.withCompanyState>>>();
  const readState = (companyId: string) => (remembered ? remembered.get(companyId, () => readShared(companyId)) : readShared(companyId));

  return {
    async forCompany(companyId) {
      // Every send asks whether the cached adapters still match the settings: from memory until they change.
      const state = await readState(companyId);
      if (!state) throw new Error(`company ${companyId} not found`);
      const { company, directory } = state;
      const version = [company.updatedAt.toISOString(), ...directory.map((p) => `${p.id}@${p.updatedAt.toISOString()}`)].join('|');
      const stamp = Math.max(company.updatedAt.getTime(), ...directory.map((p) => p.updatedAt.getTime()));
      const current = cache.get(companyId);
      if (current?.version === version) return current.channels;

      const key = `${companyId}|${version}`;
      let pending = building.get(key);
      if (!pending) {
        pending = build(companyId, stamp, version, company.primarySmsProviderId, company.secrets, directory);
        building.set(key, pending);
      }
      try {
        const fresh = await pending;
        const old = cache.get(companyId);
        if (old === fresh) return fresh.channels;
        if (old && old.stamp > fresh.stamp) {
          // A slower lookup read older settings than one that finished first: keep the newer adapters.
          retire(fresh);
          return old.channels;
        }
        cache.set(companyId, fresh);
        if (old) retire(old);
        return fresh.channels;
      } finally {
        building.delete(key);
      }
    },
    async close() {
      for (const cached of [...cache.values(), ...retiring]) {
        for (const adapter of cached.owned) await adapter.close?.().catch(() => undefined);
      }
      cache.clear();
      retiring.clear();
    },
  };
}
