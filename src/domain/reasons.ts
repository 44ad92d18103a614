/**
 * The one home of the words people read for a journal reason (R15, issue 10):
 * every reason the service writes for people is taken from here in Russian,
 * and each has a stable English code the API shows beside it. The message
 * view composes stories from the same words ("Telegram: не подписан на бота →
 * SMS: доставлено"); the step log shows them as sentences ("Клиент отключил
 * это уведомление"). A provider's own words (an SMTP reply, an SMPP status)
 * stay after the Russian label: «Отклонено сервером: 550 5.1.1 user unknown».
 *
 * Pure and deterministic: workflow code takes its reasons from here too.
 */
import type { Channel } from './vocabulary';

/** Stable codes of the reasons people read, each with its Russian words (lower case, for composing). */
export const REASON_LABELS = {
  not_subscribed: 'не подписан на бота',
  blocked: 'бот заблокирован',
  no_address: 'нет адреса',
  no_template: 'нет шаблона',
  opted_out: 'клиент отключил это уведомление',
  tracked_by_manager: 'клиент отключил это уведомление, сообщение на контроле у менеджера',
  test_mode: 'тестовый режим: подготовлено, не отправлено',
  batched: 'ждёт пакетной отправки по расписанию',
  retry_later: 'сервер недоступен, отправка повторится позже',
  rejected: 'отклонено сервером',
  invalid_address: 'неверный адрес',
  template_error: 'ошибка в шаблоне',
  provider_unavailable: 'сервис отправки недоступен',
  rate_limited: 'превышен лимит отправки',
  sending_off: 'отправка выключена в настройках компании',
  sending_turned_off: 'отправку выключили, пока событие ждало подтверждения',
  no_channel: 'ни один канал не смог доставить',
  undelivered: 'оператор сообщил о недоставке',
  unknown_outcome: 'неизвестно, ушло ли сообщение: обработчик остановился после обращения к сервису, но до записи его ответа; повторно не отправлялось, чтобы не отправить дважды',
  not_confirmed: 'никто не принял решение за отведённое время',
  rejected_by_person: 'отклонено при подтверждении',
  too_many_recipients: 'слишком много получателей',
  manual_send: 'отправлено менеджером вручную',
  status_changed: 'статус изменён',
  test_message: 'тестовое сообщение из настроек',
  balance_low: 'баланс SMS ниже порога',
  balance_unknown: 'баланс SMS узнать не удалось',
  all_sent: 'все сообщения события обработаны',
  partly_sent: 'часть сообщений не отправлена',
  none_sent: 'ни одно сообщение не отправлено',
  other: 'другая причина',
} as const;
export type ReasonCode = keyof typeof REASON_LABELS;

export const CHANNEL_LABELS: Record<Channel, string> = { email: 'E-mail', sms: 'SMS', telegram: 'Telegram' };

export interface ExplainedReason {
  code: ReasonCode;
  /** Russian, for people. */
  text: string;
}

/** The label as a sentence for the step log: «Клиент отключил это уведомление». */
export function reasonText(code: ReasonCode, detail?: string): string {
  const label = REASON_LABELS[code];
  const sentence = label.charAt(0).toUpperCase() + label.slice(1);
  return detail ? `${sentence}: ${detail}` : sentence;
}

/** The event's outcome in words, for its `completed` step. */
export function outcomeReason(outcome: string): string {
  switch (outcome) {
    case 'completed':
      return reasonText('all_sent');
    case 'partial':
      return reasonText('partly_sent');
    case 'failed':
      return reasonText('none_sent');
    default:
      return outcome;
  }
}

/** Why a confirmation expired, with the time it waited: «Никто не принял решение за отведённое время (600 с)». */
export function expiredReason(timeoutSeconds: number): string {
  return `${reasonText('not_confirmed')} (${timeoutSeconds} с)`;
}

/**
 * A journaled reason in Russian words. `type` is the failure's type name when
 * the entry kept it (`NotSubscribedError`, `BlockedError`, ...), which is
 * surer than the provider's words; the words are matched otherwise: the
 * Russian ones this catalogue writes, and the English ones of older entries.
 */
export function explainReason(raw: string | null | undefined, type?: string | null): ExplainedReason | null {
  const code = reasonCode(raw ?? '', type ?? undefined);
  return code ? { code, text: REASON_LABELS[code] } : null;
}

/** Labels longest first, so «клиент отключил …, на контроле» is not taken for «клиент отключил …». */
const BY_LENGTH = (Object.entries(REASON_LABELS) as [ReasonCode, string][])
  .map(([code, label]): [ReasonCode, string] => [code, label.toLowerCase()])
  .sort((a, b) => b[1].length - a[1].length);

function reasonCode(raw: string, type: string | undefined): ReasonCode | null {
  switch (type) {
    case 'NotSubscribedError':
      return 'not_subscribed';
    case 'BlockedError':
      return 'blocked';
    case 'InvalidRecipientError':
      return 'invalid_address';
    case 'RejectedError':
      return 'rejected';
    case 'TemplateError':
      return 'template_error';
    case 'RateLimitedError':
    case 'SmsLimitExceeded':
      return 'rate_limited';
    case 'UnavailableError':
      return 'provider_unavailable';
  }
  const text = raw.trim();
  if (!text) return null;
  const lower = text.toLowerCase();
  // The words this catalogue wrote (a label, alone or before a provider's words).
  for (const [code, label] of BY_LENGTH) {
    if (lower === label || lower.startsWith(`${label}:`) || lower.startsWith(`${label} `)) return code;
  }
  // Russian words written elsewhere (limits, manual sends, the balance alert).
  if (lower.startsWith('превышен лимит')) return 'rate_limited';
  if (lower.startsWith('слишком много получателей')) return 'too_many_recipients';
  if (lower.startsWith('отправка вручную')) return 'manual_send';
  if (lower.includes('ниже порога')) return 'balance_low';
  // English words of entries written before the catalogue, and of providers.
  if (lower === 'client opted out') return 'opted_out';
  if (lower.startsWith('not sent: the client turned this notification off')) return 'tracked_by_manager';
  if (lower === 'no channel could deliver') return 'no_channel';
  if (lower.startsWith('test mode')) return 'test_mode';
  if (lower.startsWith('batched')) return 'batched';
  if (lower.startsWith('retry later')) return 'retry_later';
  if (lower.startsWith('sending was turned off')) return 'sending_turned_off';
  if (lower.startsWith('sending is off') || lower === 'mode off') return 'sending_off';
  if (lower.startsWith('no decision within')) return 'not_confirmed';
  if (lower.startsWith('the worker stopped after calling the provider')) return 'unknown_outcome';
  if (/not subscribed|can't initiate conversation|chat not found/.test(lower)) return 'not_subscribed';
  if (/blocked by the user|bot was blocked|bot was kicked|user is deactivated/.test(lower)) return 'blocked';
  if (/^no address$|^no (email|sms|telegram) address$/.test(lower)) return 'no_address';
  if (/^no (email|sms|telegram) template$|^no template/.test(lower)) return 'no_template';
  if (/undefined variable|template/.test(lower)) return 'template_error';
  if (/not a phone number|not an e\.164|not a telegram chat id|bad recipient|recipient refused|destination address/.test(lower)) return 'invalid_address';
  if (/too many requests|rate limit|throttl/.test(lower)) return 'rate_limited';
  if (/\brefused\b|\brejected\b|^5\d\d\b|\b5\.\d\.\d\b/.test(lower)) return 'rejected';
  if (/econnrefused|etimedout|econnreset|enotfound|timed? ?out|unavailable|unreachable|not reachable|circuit/.test(lower)) return 'provider_unavailable';
  return 'other';
}

/** English phrases the service itself wrote (not a provider's words): replaced by the label alone. */
const OWN_ENGLISH = [
  /^client opted out$/i,
  /^not sent: the client turned this notification off/i,
  /^no channel could deliver$/i,
  /^test mode: rendered, not sent$/i,
  /^batched: sent by the scheduled e-mail dispatch$/i,
  /^sending is off for the company$/i,
  /^sending was turned off while awaiting confirmation$/i,
  /^mode off$/i,
  /^no address$/i,
  /^no template for any channel with an address$/i,
  /^the worker stopped after calling the provider/i,
  /^not subscribed to the telegram bot$/i,
  /^no (email|sms|telegram) (template|address)$/i,
];

const CYRILLIC = /[а-яё]/i;
const FALLBACK = /^(email|sms|telegram) → (email|sms|telegram): ([\s\S]*)$/;

/**
 * A reason as the journal keeps it for people: Russian words from this
 * catalogue, the provider's own words after them. Words already in Russian
 * are kept as written. A fallback keeps its «Telegram → SMS: …» head.
 */
export function peopleReason(raw: string, type?: string | null): string {
  const text = raw.trim();
  if (!text) return raw;
  const fallback = FALLBACK.exec(text);
  if (fallback) {
    const [, from, to, why] = fallback as unknown as [string, Channel, Channel, string];
    return `${CHANNEL_LABELS[from]} → ${CHANNEL_LABELS[to]}: ${peopleReason(why, type)}`;
  }
  if (CYRILLIC.test(text)) return raw;
  const code = reasonCode(text, type ?? undefined);
  if (!code) return raw;
  if (OWN_ENGLISH.some((re) => re.test(text))) return reasonText(code);
  const retry = /^retry later: ([\s\S]*)$/i.exec(text);
  if (retry) return reasonText('retry_later', retry[1]);
  // The provider's words after the label: what it said matters to whoever fixes it.
  return reasonText(code === 'other' ? 'other' : code, text);
}
