/**
 * The unit of an SMS balance (issue 10, "SMS money"). A provider counts either
 * messages left (an SMPP gateway with a prepaid package, the seed's "пакет SMS")
 * or money on the account, in a currency (SMS.ru: roubles). The alert
 * threshold is a number in the unit of the company's SMS provider: it is never
 * compared with a balance in another unit, and it cannot be saved in a unit
 * the provider does not report (there is no price list to convert by).
 */

export type BalanceUnit = { unit: 'messages' } | { unit: 'money'; currency: string };

/** The unit a setting names: `messages`, or an ISO 4217 currency code (`RUB`). */
export type BalanceUnitCode = string;

export const MESSAGES: BalanceUnit = { unit: 'messages' };

const CURRENCY = /^[A-Z]{3}$/;

/** True for an ISO 4217 code as the API accepts it (three capital letters). */
export function isCurrencyCode(code: string): boolean {
  return CURRENCY.test(code);
}

/** `messages` or the currency code. */
export function unitCode(unit: BalanceUnit): BalanceUnitCode {
  return unit.unit === 'messages' ? 'messages' : unit.currency;
}

/** The unit a code names; undefined for a code that is neither `messages` nor a currency. */
export function unitFromCode(code: string): BalanceUnit | undefined {
  if (code === 'messages') return MESSAGES;
  const currency = code.toUpperCase();
  return isCurrencyCode(currency) ? { unit: 'money', currency } : undefined;
}

/** A balance's unit from what a provider answered: a currency means money, none means messages. */
export function unitOfAnswer(currency: string | undefined | null): BalanceUnit {
  return currency ? { unit: 'money', currency: currency.toUpperCase() } : MESSAGES;
}

export function sameUnit(a: BalanceUnit, b: BalanceUnit): boolean {
  return unitCode(a) === unitCode(b);
}

const CURRENCY_SIGNS: Readonly<Record<string, string>> = { RUB: '₽', USD: '$', EUR: '€', KZT: '₸', BYN: 'Br', UAH: '₴' };

/** The unit in Russian words, for settings and messages: «SMS», «₽ (RUB)». */
export function unitLabel(unit: BalanceUnit): string {
  if (unit.unit === 'messages') return 'SMS';
  const sign = CURRENCY_SIGNS[unit.currency];
  return sign ? `${sign} (${unit.currency})` : unit.currency;
}

/** The unit in the genitive a sentence needs: «в SMS», «в рублях». */
export function unitInWords(unit: BalanceUnit): string {
  if (unit.unit === 'messages') return 'в SMS (штуках сообщений)';
  if (unit.currency === 'RUB') return 'в рублях (RUB)';
  return `в деньгах (${unit.currency})`;
}

/**
 * An amount as a Russian business writes it: «42,50 ₽», «1 000,00 ₽»,
 * «120 SMS». The spaces are non-breaking, so an amount never wraps.
 */
export function formatBalance(amount: number, unit: BalanceUnit): string {
  if (unit.unit === 'messages') {
    const whole = new Intl.NumberFormat('ru-RU', { maximumFractionDigits: 0 }).format(amount);
    return `${whole}\u00a0SMS`.replace(/\s/g, '\u00a0');
  }
  const number = new Intl.NumberFormat('ru-RU', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(amount);
  const sign = CURRENCY_SIGNS[unit.currency] ?? unit.currency;
  return `${number}\u00a0${sign}`.replace(/\s/g, '\u00a0');
}

/**
 * The balance alert's sentence: «Остаток на счёте SMS.ru: 42,50 ₽, ниже порога
 * 100,00 ₽» for money, «У SMS-шлюза default-smpp осталось 120 SMS, ниже порога
 * 200 SMS» for messages.
 */
export function balanceBelowSentence(providerName: string, amount: number, threshold: number, unit: BalanceUnit): string {
  const now = formatBalance(amount, unit);
  const limit = formatBalance(threshold, unit);
  if (unit.unit === 'money') return `Остаток на счёте ${providerName}: ${now}, ниже порога ${limit}`;
  return `У ${providerName} осталось ${now}, ниже порога ${limit}`;
}
