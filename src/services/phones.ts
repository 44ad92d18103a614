import { parsePhoneNumberWithError } from 'libphonenumber-js';

/** The message every refused phone number gets, wherever it was written. */
export const PHONE_PROBLEM = 'must be a valid phone number in E.164 form, e.g. +79161234567';

/**
 * The number in E.164, or undefined when it is not a valid number. Phones are
 * stored this way so every channel and provider sees the same number.
 */
export function toE164(phone: string): string | undefined {
  try {
    const parsed = parsePhoneNumberWithError(phone);
    return parsed.isValid() ? parsed.number : undefined;
  } catch {
    return undefined;
  }
}
