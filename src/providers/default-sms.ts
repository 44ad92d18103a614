import { createSmppChannel } from '../channels/smpp';
import { createSmsRuChannel } from '../channels/sms-ru';
import type { DeliveryReport, SmsProvider } from '../channels/types';
import { unitOfAnswer, type BalanceUnit } from '../domain/balance';

/**
 * The unit the built-in default SMS provider counts its balance in, from
 * `SMS_URL` alone (no connection): SMS.ru counts roubles; an SMPP gateway
 * counts messages unless `balanceCurrency` names a currency. Null without `SMS_URL`.
 */
export function defaultSmsBalanceUnit(smsUrl: string | undefined): BalanceUnit | null {
  if (!smsUrl) return null;
  const url = new URL(smsUrl);
  if (url.protocol === 'smsru:' || url.protocol === 'smsru+http:') return { unit: 'money', currency: 'RUB' };
  return unitOfAnswer(url.searchParams.get('balanceCurrency'));
}

/**
 * The built-in default SMS provider (R2) from `SMS_URL`:
 * - `smpp://system_id:password@host:port?source=NOTIFY[&balanceUrl=...][&balanceCurrency=RUB]` (no currency: the balance counts messages)
 * - `smsru://API_ID@sms.ru[?from=NAME]` (`smsru+http://API_ID@host:port` for a local peer)
 */
export function createDefaultSmsProvider(
  smsUrl: string,
  opts: { onDeliveryReport?: (report: DeliveryReport) => void; log?: (msg: string) => void } = {},
): SmsProvider & { close?: () => Promise<void> } {
  const url = new URL(smsUrl);
  if (url.protocol === 'smpp:' || url.protocol === 'ssmpp:') {
    const source = url.searchParams.get('source') ?? 'NOTIFY';
    const balanceUrl = url.searchParams.get('balanceUrl');
    const balanceCurrency = url.searchParams.get('balanceCurrency');
    url.search = '';
    return createSmppChannel({
      url: url.toString(),
      sourceAddr: source,
      provider: 'default-smpp',
      ...(balanceUrl ? { balanceUrl } : {}),
      ...(balanceCurrency ? { balanceCurrency } : {}),
      ...(opts.onDeliveryReport ? { onDeliveryReport: opts.onDeliveryReport } : {}),
      ...(opts.log ? { log: opts.log } : {}),
    });
  }
  if (url.protocol === 'smsru:' || url.protocol === 'smsru+http:') {
    const scheme = url.protocol === 'smsru:' ? 'https' : 'http';
    const from = url.searchParams.get('from');
    return createSmsRuChannel({
      apiId: decodeURIComponent(url.username),
      baseUrl: `${scheme}://${url.host}`,
      provider: 'default-sms.ru',
      ...(from ? { from } : {}),
    });
  }
  throw new Error(`SMS_URL must start with smpp://, smsru:// or smsru+http://, got ${url.protocol}`);
}
