/**
 * Abuse limits: how much one API key, one event, one phone and one company
 * may ask of the service. The numbers come from the environment
 * (`loadConfig`); the rules and the refusals live here.
 */
import { AppError, type ErrorDetail } from './errors';
import type { Audience } from './vocabulary';

export interface Limits {
  /** `POST /v1/events` per API key per minute; 0: no limit. */
  readonly eventsPerMinute: number;
  /** Deliveries (recipients) in one event's plan. */
  readonly recipientsPerEvent: number;
  /** SMS sent to one client phone number of one company in the last hour (managers are the company's own staff: not counted). */
  readonly smsPerRecipientPerHour: number;
  /** SMS sent by one company in the last 24 hours. */
  readonly smsPerCompanyPerDay: number;
  /** An event's `data` as JSON, in bytes. */
  readonly eventDataBytes: number;
  /** `POST /v1/templates/preview` per API key per minute; 0: no limit. */
  readonly previewsPerMinute: number;
  /**
   * `POST /v1/templates/preview` per signed-in person per minute; 0: no limit. Higher than a key's:
   * the console's editor previews as a person types (debounced), which a machine does not.
   */
  readonly previewsPerMinutePerUser: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  eventsPerMinute: 600,
  recipientsPerEvent: 200,
  smsPerRecipientPerHour: 10,
  smsPerCompanyPerDay: 5000,
  eventDataBytes: 64 * 1024,
  previewsPerMinute: 60,
  previewsPerMinutePerUser: 300,
});

/** 429: the caller is over a rate; `Retry-After` tells it when the window ends. */
export class TooManyRequestsError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, 'RATE_LIMITED', message);
  }
}

/** 413 naming the field that is too large. */
export class PayloadTooLargeError extends AppError {
  constructor(message: string, details: ErrorDetail[]) {
    super(413, 'PAYLOAD_TOO_LARGE', message, details);
  }
}

/** The failure type of an SMS refused by a limit: permanent, so no retry and no loop through fallbacks. */
export const SMS_LIMIT_FAILURE_TYPE = 'SmsLimitError';

export interface SmsCounts {
  /** SMS already sent to this phone by this company in the last hour. */
  toRecipientLastHour: number;
  /** SMS already sent by this company in the last 24 hours. */
  byCompanyLastDay: number;
}

/**
 * Whether one more SMS may go out. Returns the reason a person reads in the
 * journal (Russian) when it may not.
 */
export function smsLimitReason(
  counts: SmsCounts,
  limits: Pick<Limits, 'smsPerRecipientPerHour' | 'smsPerCompanyPerDay'>,
  audience: Audience,
): string | undefined {
  // Pumping comes through the phone numbers clients give; a manager's phone is set by the company and hears of every client.
  if (audience === 'client' && counts.toRecipientLastHour >= limits.smsPerRecipientPerHour) {
    return `превышен лимит SMS на получателя: не более ${limits.smsPerRecipientPerHour} в час`;
  }
  if (counts.byCompanyLastDay >= limits.smsPerCompanyPerDay) {
    return `превышен лимит SMS компании: не более ${limits.smsPerCompanyPerDay} в сутки`;
  }
  return undefined;
}

/** Why an event with this many recipients is not sent to anyone (Russian, for the journal). */
export function tooManyRecipientsReason(count: number, limit: number): string | undefined {
  return count > limit ? `слишком много получателей: ${count}, допустимо не более ${limit}; событие не отправлено` : undefined;
}
