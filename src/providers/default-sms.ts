import { createSmppChannel } from '../channels/smpp';
import { createSmsRuChannel } from '../channels/sms-ru';
import type { DeliveryReport, SmsProvider } from '../channels/types';

/**
 * The built-in default SMS provider (R2) from `SMS_URL`:
 * - `smpp://system_id:password@host:port?source=NOTIFY[&balanceUrl=...]`
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
    url.search = '';
    return createSmppChannel({
      url: url.toString(),
      sourceAddr: source,
      provider: 'default-smpp',
      ...(balanceUrl ? { balanceUrl } : {}),
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
