import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  InvalidRecipientError,
  RateLimitedError,
  RejectedError,
  UnavailableError,
  type ChannelError,
} from '../../src/channels/errors';
import { classifySmsRuCode, createSmsRuChannel, toSmsRuNumber, type SmsRuChannelOptions } from '../../src/channels/sms-ru';
import type { OutboundMessage } from '../../src/channels/types';
import { SMS_RU_TEXTS, startSmsRuPeer, type SmsRuPeer } from '../../src/dev/peers/sms-ru';

const buildSms = (overrides: Partial<OutboundMessage> = {}): OutboundMessage => ({
  to: '+7 912 345-67-89',
  text: 'Заказ №1042 готов к выдаче. Ждём вас до 20:00.',
  ...overrides,
});

/** Resolves to what the promise rejected with, failing the test if it resolved. */
async function failure(promise: Promise<unknown>): Promise<ChannelError> {
  try {
    await promise;
  } catch (err) {
    return err as ChannelError;
  }
  throw new Error('expected a rejection');
}

describe('the SMS.ru channel against a local SMS.ru peer', () => {
  let peer: SmsRuPeer;
  const channelFor = (overrides: Partial<SmsRuChannelOptions> = {}) =>
    createSmsRuChannel({ apiId: peer.apiId, baseUrl: peer.baseUrl, ...overrides });

  beforeEach(async () => {
    peer = await startSmsRuPeer({ balance: 100, pricePerSegment: 2.5 });
  });
  afterEach(async () => {
    await peer.stop();
  });

  it('delivers a Cyrillic message to the number in digits with the text intact and returns the sms_id', async () => {
    const channel = channelFor({ from: 'AvtoDetal' });
    const message = buildSms();

    const result = await channel.send(message);

    expect(peer.sent).toHaveLength(1);
    const [sent] = peer.sent;
    expect(sent).toMatchObject({ to: '79123456789', msg: message.text, from: 'AvtoDetal' });
    expect(result).toEqual({ provider: 'sms.ru', providerMessageId: sent?.smsId, response: expect.any(String) });
    expect(JSON.parse(result.response)).toMatchObject({ status: 'OK', status_code: 100 });
  });

  it('sends the api_id only in a form-encoded POST body, never in a URL', async () => {
    const channel = channelFor();
    await channel.send(buildSms());
    await channel.balance();

    expect(peer.requests).toHaveLength(2);
    for (const request of peer.requests) {
      expect(request.method).toBe('POST');
      expect(request.contentType).toContain('application/x-www-form-urlencoded');
      expect(request.url).not.toContain(peer.apiId);
      expect(request.params).toMatchObject({ api_id: peer.apiId, json: '1' });
    }
  });

  it('reports the balance in roubles and reports less after a two-segment send', async () => {
    const channel = channelFor();
    const before = await channel.balance();
    expect(before).toMatchObject({ provider: 'sms.ru', amount: 100, currency: 'RUB' });
    expect(JSON.parse(before.raw)).toEqual({ status: 'OK', status_code: 100, balance: 100 });

    // 71 Cyrillic characters need two UCS-2 segments.
    await channel.send(buildSms({ text: 'Ж'.repeat(71) }));

    expect(peer.sent[0]?.segments).toBe(2);
    expect((await channel.balance()).amount).toBe(95);
  });

  it('with test mode on, SMS.ru answers with an sms_id but nothing is sent or charged', async () => {
    const result = await channelFor({ test: true }).send(buildSms());
    expect(result.providerMessageId).toMatch(/\d+-\d+/);
    expect(peer.sent).toHaveLength(0);
    expect(peer.requests[0]?.params.test).toBe('1');
    expect((await channelFor().balance()).amount).toBe(100);
  });

  it('refuses a malformed number before calling SMS.ru, so no money is spent', async () => {
    const error = await failure(channelFor().send(buildSms({ to: '+7 912 ABC' })));
    expect(error).toBeInstanceOf(InvalidRecipientError);
    expect(peer.requests).toHaveLength(0);
  });

  it.each([202, 207])('turns SMS.ru code %i for the number into a permanent InvalidRecipientError', async (code) => {
    peer.failNext(code);
    const error = await failure(channelFor().send(buildSms()));
    expect(error).toBeInstanceOf(InvalidRecipientError);
    expect(error.permanent).toBe(true);
    expect(error.providerReason).toBe(SMS_RU_TEXTS[code]);
    expect(peer.sent).toHaveLength(0);
  });

  it('when the money runs out, the send is a permanent RejectedError carrying SMS.ru\'s text', async () => {
    peer.setBalance(1);
    const error = await failure(channelFor().send(buildSms()));
    expect(error).toBeInstanceOf(RejectedError);
    expect(error.permanent).toBe(true);
    expect(error.providerReason).toBe('Не хватает средств на лицевом счету');
    expect(error.message).toContain('201');
    expect(peer.sent).toHaveLength(0);
  });

  it('a sender name SMS.ru has not approved is a permanent RejectedError', async () => {
    peer.failNext(204);
    const error = await failure(channelFor({ from: 'Unknown' }).send(buildSms()));
    expect(error).toBeInstanceOf(RejectedError);
    expect(error.providerReason).toBe(SMS_RU_TEXTS[204]);
  });

  it('SMS.ru code 220 (service temporarily unavailable) is a transient UnavailableError', async () => {
    peer.failNext(220);
    const error = await failure(channelFor().send(buildSms()));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.permanent).toBe(false);
    expect(error.providerReason).toBe(SMS_RU_TEXTS[220]);
  });

  it('an HTTP 503 page in front of SMS.ru is a transient UnavailableError', async () => {
    peer.setHttpFailure(503);
    const error = await failure(channelFor().send(buildSms()));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.message).toContain('503');

    peer.setHttpFailure(null);
    await expect(channelFor().send(buildSms())).resolves.toMatchObject({ provider: 'sms.ru' });
  });

  it('an SMS.ru that does not answer in time is a transient UnavailableError', async () => {
    peer.setDelay(1_000);
    const error = await failure(channelFor({ timeoutMs: 100 }).send(buildSms()));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.message).toContain('100 ms');
  });

  it('an SMS.ru that cannot be reached is a transient UnavailableError', async () => {
    const channel = channelFor();
    await peer.stop();
    const error = await failure(channel.balance());
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.providerReason).toBe('connection refused');
    peer = await startSmsRuPeer();
  });

  it('maps a delivered, a failed and an in-flight message to delivered, undelivered and pending', async () => {
    const channel = channelFor();
    const delivered = await channel.send(buildSms());
    const failed = await channel.send(buildSms({ to: '+79001112233' }));
    const inFlight = await channel.send(buildSms({ to: '+79004445566' }));
    peer.markDelivered(delivered.providerMessageId);
    peer.markFailed(failed.providerMessageId, 104);

    await expect(channel.status(delivered.providerMessageId)).resolves.toMatchObject({
      provider: 'sms.ru',
      providerMessageId: delivered.providerMessageId,
      status: 'delivered',
      at: expect.any(Date),
    });
    await expect(channel.status(failed.providerMessageId)).resolves.toMatchObject({
      status: 'undelivered',
      reason: `104 ${SMS_RU_TEXTS[104]}`,
    });
    await expect(channel.status(inFlight.providerMessageId)).resolves.toEqual({
      status: 'pending',
      raw: `100 ${SMS_RU_TEXTS[100]}`,
    });
  });

  it('asking for a message SMS.ru never accepted is a permanent RejectedError', async () => {
    const error = await failure(channelFor().status('000000-99999999'));
    expect(error).toBeInstanceOf(RejectedError);
    expect(error.providerReason).toBe(SMS_RU_TEXTS[-1]);
  });

  it('a wrong api_id is a permanent RejectedError that never shows the key it was given', async () => {
    const wrongKey = 'DEADBEEF-1111-2222-3333-SECRETSECRET';
    const channel = channelFor({ apiId: wrongKey });

    for (const attempt of [channel.send(buildSms()), channel.balance(), channel.status('000000-10000001')]) {
      const error = await failure(attempt);
      expect(error).toBeInstanceOf(RejectedError);
      expect(error.permanent).toBe(true);
      expect(error.providerReason).toBe('Неправильный api_id');
      expect(error.message).toContain('api_id in the provider settings');
      for (const text of [error.message, error.stack ?? '', error.providerReason ?? '', JSON.stringify(error)]) {
        expect(text).not.toContain(wrongKey);
      }
    }
    expect(peer.sent).toHaveLength(0);
  });

  it('masks the key even when the answer echoes it back', async () => {
    peer.failNext(500, `internal error while handling api_id=${peer.apiId}`);
    const error = await failure(channelFor().send(buildSms()));
    expect(error).toBeInstanceOf(UnavailableError);
    for (const text of [error.message, error.stack ?? '', error.providerReason ?? '']) {
      expect(text).not.toContain(peer.apiId);
    }
    expect(error.providerReason).toBe('internal error while handling api_id=***');
  });
});

describe('classifySmsRuCode', () => {
  const types = { InvalidRecipientError, RateLimitedError, RejectedError, UnavailableError };
  it.each([
    [200, 'RejectedError'],
    [201, 'RejectedError'],
    [202, 'InvalidRecipientError'],
    [203, 'RejectedError'],
    [204, 'RejectedError'],
    [205, 'RejectedError'],
    [206, 'RejectedError'],
    [207, 'InvalidRecipientError'],
    [209, 'InvalidRecipientError'],
    [215, 'InvalidRecipientError'],
    [220, 'UnavailableError'],
    [230, 'RejectedError'],
    [231, 'RateLimitedError'],
    [300, 'RejectedError'],
    [301, 'RejectedError'],
    [302, 'RejectedError'],
    [500, 'UnavailableError'],
    [299, 'RejectedError'],
  ] as const)('code %i becomes %s', (code, type) => {
    const error = classifySmsRuCode(code, 'текст SMS.ru');
    expect(error).toBeInstanceOf(types[type]);
    expect(error.providerReason).toBe('текст SMS.ru');
  });

  it('gives the per-minute limit a retry delay of a minute', () => {
    const error = classifySmsRuCode(231, undefined) as RateLimitedError;
    expect(error.retryAfterMs).toBe(60_000);
    expect(error.providerReason).toBe('SMS.ru code 231');
  });
});

describe('toSmsRuNumber', () => {
  it.each([
    ['+79123456789', '79123456789'],
    ['+7 (912) 345-67-89', '79123456789'],
    ['79123456789', '79123456789'],
    ['+375291234567', '375291234567'],
  ])('turns %s into %s', (input, digits) => {
    expect(toSmsRuNumber(input)).toBe(digits);
  });

  it.each(['', '+7', '+7 912 ABC 67 89', 'ivan@example.com', '+7912345678901234'])('refuses %j', (input) => {
    expect(() => toSmsRuNumber(input)).toThrow(InvalidRecipientError);
  });
});
