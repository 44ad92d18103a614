/**
 * The HTTP SMS provider of R2: SMS.ru (https://sms.ru), with the test message
 * of R3 (`send`), the balance of R4 (`balance`) and delivery status (`status`)
 * for the journal's "delivered" step (R15).
 *
 * Sources for the API and every code mapped below (SMS.ru's own developer
 * documentation, read through its public mirrors on *.sms.ru subdomains):
 * - `sms/send`: https://sms.ru/api/send (seen at tele2.sms.ru/api/send,
 *   beeline.sms.ru/api/send): parameters `api_id`, `to`, `msg`, `json=1`,
 *   `from`, `test`; the JSON answer `{ status, status_code, sms: { <phone>:
 *   { status, status_code, sms_id | status_text } }, balance }`.
 * - `sms/status`: https://sms.ru/api/status (seen at joomla.sms.ru/api/status):
 *   `sms_id`, `json=1`; `sms: { <id>: { status, status_code, cost, status_text } }`.
 * - `my/balance`: https://sms.ru/api/balance: `{ status, status_code, balance }`.
 * - The code table (-1, 100–108, 110, 150, 200–216, 220, 230–233, 300–305,
 *   500): the "Коды ответов" list of the same documentation. The search index
 *   held no copy of that page itself; the texts were cross-checked against
 *   several independent open-source SMS.ru clients on GitHub that reproduce it
 *   (PHP, C#, CoffeeScript and TypeScript ones agree on 200–212, 220, 230–232,
 *   300–302; 213–216, 233 and 500 appear only in the newer ones).
 */
import {
  InvalidRecipientError,
  RateLimitedError,
  RejectedError,
  UnavailableError,
  type ChannelError,
} from './errors';
import { createGuardedFetch, describeConnectionFailure, type ResolveHost } from './outbound';
import type { DeliveryReport, OutboundMessage, SendResult, SmsBalance, SmsProvider } from './types';

export interface SmsRuChannelOptions {
  /** The account's API key. Sent only in POST bodies; never logged, returned or thrown. */
  apiId: string;
  /** Default `https://sms.ru`; tests point it at a local peer. */
  baseUrl?: string;
  /** Sender name approved in the SMS.ru account; the account default when absent. */
  from?: string;
  /** Injected so tests and proxies can replace the transport; Node's global fetch by default. */
  fetch?: typeof fetch;
  /**
   * Resolves and checks the host of `baseUrl` before every request, which
   * then goes to the address it returns. Unset for the operator's own default.
   */
  resolveHost?: ResolveHost;
  /** Per request, including reading the body. Default 15 s. */
  timeoutMs?: number;
  /** The provider name written to results and the journal. Default `sms.ru`. */
  provider?: string;
  /**
   * SMS.ru's `test=1`: the API checks and answers as usual but sends nothing
   * and charges nothing. For smoke checks of a real account, not for R1's
   * `test` mode, which never calls a provider.
   */
  test?: boolean;
}

/** `status()` answer while the operator has not reported a final state yet. */
export interface SmsRuPending {
  status: 'pending';
  /** SMS.ru's code and text, e.g. `102 Сообщение отправлено (в пути)`. */
  raw: string;
}

export type SmsRuChannel = SmsProvider & {
  /** Asks SMS.ru where a message it accepted stands now. */
  status(providerMessageId: string): Promise<DeliveryReport | SmsRuPending>;
};

const DEFAULT_TIMEOUT_MS = 15_000;

/** What to do with a non-success SMS.ru code. */
type Verdict = 'recipient' | 'rejected' | 'credentials' | 'rate-limited' | 'unavailable';

/**
 * SMS.ru request-level and per-number error codes (send, status, balance).
 * Permanent codes are the ones the same request would get again: retrying
 * them only burns activity attempts and delays the journal's "failed" entry.
 */
const ERROR_CODES: Readonly<Record<number, { verdict: Verdict; retryAfterMs?: number }>> = {
  // Wrong credentials or an unconfirmed account. A configuration error: it
  // stays wrong until an administrator fixes the provider settings, so it is
  // permanent (RejectedError) rather than retried forever as "unavailable".
  200: { verdict: 'credentials' }, // Неправильный api_id
  300: { verdict: 'credentials' }, // Неправильный token
  301: { verdict: 'credentials' }, // Неправильный api_id, либо логин/пароль
  302: { verdict: 'credentials' }, // Аккаунт не подтверждён
  201: { verdict: 'rejected' }, // Не хватает средств на лицевом счету
  202: { verdict: 'recipient' }, // Неправильно указан номер получателя, либо на него нет маршрута
  203: { verdict: 'rejected' }, // Нет текста сообщения
  204: { verdict: 'rejected' }, // Имя отправителя не согласовано с администрацией
  205: { verdict: 'rejected' }, // Сообщение слишком длинное (превышает 8 СМС)
  206: { verdict: 'rejected' }, // Будет превышен или уже превышен дневной лимит
  207: { verdict: 'recipient' }, // На этот номер нельзя отправлять / нет маршрута
  208: { verdict: 'rejected' }, // Параметр time указан неправильно
  209: { verdict: 'recipient' }, // Номер в стоп-листе аккаунта
  210: { verdict: 'rejected' }, // GET вместо POST
  211: { verdict: 'rejected' }, // Метод не найден
  212: { verdict: 'rejected' }, // Текст не в UTF-8
  213: { verdict: 'rejected' }, // Более 100 номеров в списке
  214: { verdict: 'recipient' }, // Номер за рубежом, а включено "только на номера РФ"
  215: { verdict: 'recipient' }, // Номер в стоп-листе SMS.RU (жалоба на спам)
  216: { verdict: 'rejected' }, // Запрещённое слово в тексте
  220: { verdict: 'unavailable' }, // Сервис временно недоступен
  // Per-number daily limits: the same message would be refused until
  // tomorrow, beyond any sensible retry window; the journal shows why.
  230: { verdict: 'rejected' }, // Превышен общий лимит сообщений на этот номер в день
  232: { verdict: 'rejected' }, // Превышен лимит одинаковых сообщений на этот номер в день
  231: { verdict: 'rate-limited', retryAfterMs: 60_000 }, // ...одинаковых сообщений в минуту
  // SMS.ru does not document the window of its anti-fraud limit; five
  // minutes is our guess at "a short period".
  233: { verdict: 'rate-limited', retryAfterMs: 5 * 60_000 }, // Повторные коды на номер
  500: { verdict: 'unavailable' }, // Ошибка на сервере. Повторите запрос
};

/** `sms/status` codes that mean the operator is still working on it. */
const PENDING_STATUS_CODES = new Set([100, 101, 102]);
/** 103 delivered; 110 "read" (Viber) implies delivered. */
const DELIVERED_STATUS_CODES = new Set([103, 110]);
/** 104 expired, 105 deleted by operator, 106 phone failure, 107 unknown, 108 rejected, 150 no route. */
const UNDELIVERED_STATUS_CODES = new Set([104, 105, 106, 107, 108, 150]);

/**
 * Turns an SMS.ru error code and its text into a typed channel error.
 * Codes the table does not know are treated as permanent refusals, except
 * 5xx-style ones, which SMS.ru uses for its own failures.
 */
export function classifySmsRuCode(code: number, statusText: string | undefined): ChannelError {
  const reason = statusText?.trim() || `SMS.ru code ${code}`;
  const entry = ERROR_CODES[code] ?? { verdict: code >= 500 && code < 600 ? 'unavailable' : 'rejected' };
  switch (entry.verdict) {
    case 'recipient':
      return new InvalidRecipientError(`SMS.ru refused the recipient (code ${code}): ${reason}`, reason);
    case 'credentials':
      return new RejectedError(
        `SMS.ru refused the account credentials (code ${code}): ${reason}; check the SMS.ru api_id in the provider settings`,
        reason,
      );
    case 'rate-limited':
      return new RateLimitedError(`SMS.ru rate limit (code ${code}): ${reason}`, entry.retryAfterMs ?? 60_000, reason);
    case 'unavailable':
      return new UnavailableError(`SMS.ru is temporarily unavailable (code ${code}): ${reason}`, reason);
    case 'rejected':
      return new RejectedError(`SMS.ru refused the message (code ${code}): ${reason}`, reason);
  }
}

/**
 * E.164 (`+7 912 345-67-89`) to the bare digits SMS.ru expects
 * (`79123456789`). Only formatting characters are dropped; anything else
 * makes the number invalid, so a typo never reaches a paid API.
 */
export function toSmsRuNumber(phone: string): string {
  const trimmed = phone.trim();
  if (!/^\+?[\d\s()-]+$/.test(trimmed)) {
    throw new InvalidRecipientError(`not a phone number: ${JSON.stringify(phone)}`);
  }
  const digits = trimmed.replace(/\D/g, '');
  // E.164 allows at most 15 digits; fewer than 10 is no mobile number anywhere.
  if (digits.length < 10 || digits.length > 15) {
    throw new InvalidRecipientError(`not a phone number: ${JSON.stringify(phone)}`);
  }
  return digits;
}

/** The SMS.ru adapter: form-encoded POSTs, answers classified into typed channel errors. */
export function createSmsRuChannel(opts: SmsRuChannelOptions): SmsRuChannel {
  const provider = opts.provider ?? 'sms.ru';
  const baseUrl = (opts.baseUrl ?? 'https://sms.ru').replace(/\/+$/, '');
  const doFetch = opts.fetch ?? (opts.resolveHost ? createGuardedFetch(opts.resolveHost) : fetch);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const apiId = opts.apiId;
  if (!apiId) throw new Error('SMS.ru needs an api_id');

  /**
   * Whatever leaves this module passes through here: the key could only
   * reach an error through text we did not write (a proxy's error page, an
   * echoing server, a socket message), and it must not reach the journal.
   */
  const scrub = (text: string): string => text.split(apiId).join('***');
  const scrubbed = (error: ChannelError): ChannelError => {
    const message = scrub(error.message);
    const reason = error.providerReason === undefined ? undefined : scrub(error.providerReason);
    if (message === error.message && reason === error.providerReason) return error;
    if (error instanceof RateLimitedError) return new RateLimitedError(message, error.retryAfterMs, reason);
    const Ctor = error.constructor as new (message: string, providerReason?: string) => ChannelError;
    return new Ctor(message, reason);
  };

  /** One API call; returns the parsed JSON answer and its text, or throws a typed error. */
  async function call(path: string, params: Record<string, string>): Promise<{ answer: SmsRuAnswer; raw: string }> {
    // POST keeps the key out of URLs, and so out of access logs and proxies.
    const body = new URLSearchParams({ ...params, api_id: apiId, json: '1' });
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const res = await doFetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
          accept: 'application/json',
        },
        body: body.toString(),
        // A redirect could replay the body, key included, to another host.
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      text = await res.text();
    } catch (err) {
      throw scrubbed(transportError(err, timeoutMs));
    }
    if (status === 429) {
      const seconds = Number(retryAfter);
      throw scrubbed(
        new RateLimitedError(
          'SMS.ru answered HTTP 429',
          Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000,
          'HTTP 429',
        ),
      );
    }
    if (status < 200 || status >= 300) {
      // 5xx and the odd 4xx of a gateway in front of SMS.ru: the API itself
      // answers its errors with HTTP 200 and a status_code. The body is not
      // repeated: the base URL is a setting, and it may point anywhere.
      throw scrubbed(new UnavailableError(`SMS.ru answered HTTP ${status}`, `HTTP ${status}`));
    }
    const answer = parseAnswer(text);
    if (!answer) {
      throw scrubbed(new UnavailableError('SMS.ru answered something that is not its JSON', 'not an SMS.ru answer'));
    }
    if (answer.status !== 'OK') {
      throw scrubbed(classifySmsRuCode(toCode(answer.status_code), answer.status_text));
    }
    return { answer, raw: scrub(text) };
  }

  return {
    channel: 'sms',
    provider,
    /** SMS.ru keeps the account in roubles. */
    balanceUnit: { unit: 'money', currency: 'RUB' },

    /**
     * Sends one SMS. SMS.ru has no idempotency key: when a timeout hides
     * whether the message was accepted, the UnavailableError we throw may
     * lead to a retry and, rarely, a second SMS. That is the price of not
     * losing a message, and the journal shows both attempts.
     */
    async send(message: OutboundMessage): Promise<SendResult> {
      const to = toSmsRuNumber(message.to);
      const params: Record<string, string> = { to, msg: message.text };
      if (opts.from) params.from = opts.from;
      if (opts.test) params.test = '1';
      const { answer, raw } = await call('/sms/send', params);
      const entries = answer.sms && typeof answer.sms === 'object' ? answer.sms : {};
      // Keyed by the number as SMS.ru normalised it; with one recipient the
      // only entry is ours even if SMS.ru rewrote the number.
      const entry = entries[to] ?? (Object.keys(entries).length === 1 ? Object.values(entries)[0] : undefined);
      if (!entry) {
        throw scrubbed(new UnavailableError('SMS.ru accepted the request but reported nothing for the number', raw));
      }
      if (entry.status !== 'OK') {
        throw scrubbed(classifySmsRuCode(toCode(entry.status_code), entry.status_text));
      }
      if (typeof entry.sms_id !== 'string' || entry.sms_id === '') {
        throw scrubbed(new UnavailableError('SMS.ru accepted the message without an sms_id', raw));
      }
      await message.onAccepted?.({ index: 0, total: 1, providerMessageId: entry.sms_id });
      return { provider, providerMessageId: entry.sms_id, response: raw };
    },

    /** The account balance in roubles, for R4's check and threshold alert. */
    async balance(): Promise<SmsBalance> {
      const { answer, raw } = await call('/my/balance', {});
      const amount = Number(answer.balance);
      if (answer.balance === undefined || answer.balance === null || !Number.isFinite(amount)) {
        throw scrubbed(new UnavailableError('SMS.ru answered without a balance', raw));
      }
      return { provider, service: 'SMS.ru', amount, unit: 'money', currency: 'RUB', raw };
    },

    /** SMS.ru's status by the id it gave: any status is `known`; code -1 («Сообщение не найдено») is `not_found`. */
    async lookup(providerMessageId: string): Promise<'known' | 'not_found'> {
      try {
        await this.status(providerMessageId);
        return 'known';
      } catch (error) {
        if (error instanceof RejectedError) return 'not_found';
        throw error;
      }
    },

    async status(providerMessageId: string): Promise<DeliveryReport | SmsRuPending> {
      const { answer, raw } = await call('/sms/status', { sms_id: providerMessageId });
      const entry = answer.sms?.[providerMessageId];
      if (!entry) {
        throw scrubbed(new UnavailableError(`SMS.ru reported nothing for message ${providerMessageId}`, raw));
      }
      const code = toCode(entry.status_code);
      const text = entry.status_text?.trim() ?? '';
      if (entry.status !== 'OK') {
        // -1 "Сообщение не найдено": asking again will not make it known.
        throw scrubbed(
          code === -1
            ? new RejectedError(`SMS.ru does not know message ${providerMessageId}: ${text}`, text || 'code -1')
            : classifySmsRuCode(code, text),
        );
      }
      if (DELIVERED_STATUS_CODES.has(code)) {
        return { provider, providerMessageId, status: 'delivered', reason: `${code} ${text}`.trim(), at: new Date() };
      }
      if (UNDELIVERED_STATUS_CODES.has(code)) {
        return { provider, providerMessageId, status: 'undelivered', reason: `${code} ${text}`.trim(), at: new Date() };
      }
      // 100–102 and any code SMS.ru adds later: not final, ask again later.
      return { status: 'pending', raw: PENDING_STATUS_CODES.has(code) ? `${code} ${text}`.trim() : raw };
    },
  };
}

interface SmsRuEntry {
  status?: string;
  status_code?: number | string;
  status_text?: string;
  sms_id?: string;
  cost?: number | string;
}

interface SmsRuAnswer {
  status?: string;
  status_code?: number | string;
  status_text?: string;
  sms?: Record<string, SmsRuEntry>;
  balance?: number | string | null;
}

function parseAnswer(text: string): SmsRuAnswer | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value) && 'status' in value) return value as SmsRuAnswer;
  } catch {
    // Not JSON: an HTML error page from a proxy, or an outage.
  }
  return undefined;
}

/** SMS.ru sends codes as numbers, but older answers carried them as strings. */
function toCode(value: number | string | undefined): number {
  const code = Number(value);
  return Number.isFinite(code) ? code : 0;
}

/** fetch rejects with TypeError('fetch failed', { cause }) or a timeout DOMException. */
function transportError(err: unknown, timeoutMs: number): ChannelError {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return UnavailableError.afterRequest(new UnavailableError(`SMS.ru did not answer within ${timeoutMs} ms`, 'timeout'));
  }
  // In a few words: the socket's own text names the address and port.
  const reason = describeConnectionFailure(err);
  if (reason === 'address not allowed') return new RejectedError(`SMS.ru ${reason}`, reason);
  const error = new UnavailableError(`SMS.ru unreachable: ${reason}`, reason);
  // A connection lost or timed out while waiting may have carried the request; a refused one did not.
  return reason === 'timed out' || reason === 'connection failed' ? UnavailableError.afterRequest(error) : error;
}
