import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { hashApiKey } from '../../src/db/repositories/api-keys';
import { createLimitsRepository } from '../../src/db/repositories/limits';
import { apiKeys, journalEntries } from '../../src/db/schema';
import { startSmsRuPeer, type SmsRuPeer } from '../../src/dev/peers/sms-ru';
import { createHarness, type Harness } from '../helpers/harness';
import { journalOf, putClient, putNoticeType, until } from '../helpers/scenario';

/** Small limits, so each can be reached in a few requests. */
const LIMITS = { eventsPerMinute: 3, recipientsPerEvent: 3, smsPerRecipientPerHour: 2, eventDataBytes: 2048 };
const PHONE = '+79160001122';
const OTHER_PHONE = '+79160003344';

describe('abuse limits', () => {
  let h: Harness;
  let sms: SmsRuPeer;

  beforeAll(async () => {
    sms = await startSmsRuPeer({ balance: 1000 });
    h = await createHarness({ mode: 'live', smsUrl: `smsru+http://${sms.apiId}@${new URL(sms.baseUrl).host}`, limits: LIMITS });
    await putNoticeType(h, 'test.sms-only', { channels: ['sms'] });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await sms?.stop();
  });

  /** Each test posts with its own key: the event rate is counted per key. */
  const poster = async () => {
    const key = await h.keyWithRoles(['events:write']);
    return (id: string, counterpartyId: string, data: Record<string, unknown> = { n: id }) =>
      h.request({ method: 'POST', url: '/v1/events', key, payload: { id, type: 'test.sms-only', counterpartyId, data } });
  };

  /** The event's journal once its run has ended (`completed`, or `skipped` when nothing was planned). */
  const completed = (eventId: string, last: 'completed' | 'skipped' = 'completed') =>
    until(async () => {
      const entries = await journalOf(h, eventId);
      return entries.some((e) => e.status === last) ? entries : undefined;
    }, `event ${eventId} to end`);

  it('answers 429 with Retry-After and the error contract once a key posts more events in a minute than allowed, and other keys go on', async () => {
    // The window is a calendar minute: start with enough of it left for four quick requests.
    const second = new Date().getSeconds();
    if (second > 50) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
    await putClient(h, 'rate-client', [{ name: 'Покупатель', phone: '+79160005566' }]);
    await h.setMode('test');
    try {
      const post = await poster();
      for (const id of ['rate-1', 'rate-2', 'rate-3']) expect((await post(id, 'rate-client')).statusCode).toBe(202);

      const refused = await post('rate-4', 'rate-client');
      expect(refused.statusCode, refused.body).toBe(429);
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refused.json()).toEqual({
        error: { code: 'RATE_LIMITED', message: expect.stringContaining('at most 3 events per minute'), details: [] },
      });
      // Refused means not started: the event is unknown.
      expect((await h.request({ method: 'GET', url: '/v1/events/rate-4' })).statusCode).toBe(404);

      const otherKey = await poster();
      expect((await otherKey('rate-5', 'rate-client')).statusCode).toBe(202);
    } finally {
      await h.setMode('live');
    }
  });

  it('counts posts refused before they are read (400, 413) toward the minute too, and stores nothing past the limit', async () => {
    const second = new Date().getSeconds();
    if (second > 50) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
    await putClient(h, 'rate-client-2', [{ name: 'Покупатель', phone: '+79160005567' }]);
    await h.setMode('test');
    try {
      const key = await h.keyWithRoles(['events:write']);
      const post = (id: string, counterpartyId: string, data: Record<string, unknown> = { n: id }) =>
        h.request({ method: 'POST', url: '/v1/events', key, payload: { id, type: 'test.sms-only', counterpartyId, data } });
      const bad = await post('rate-bad', 'rate-client-2', 'not an object' as unknown as Record<string, unknown>);
      expect(bad.statusCode, bad.body).toBe(400);
      expect((await post('rate-big', 'rate-client-2', { n: 'я'.repeat(1100) })).statusCode).toBe(413);
      // Such a post is counted once its answer is sent: wait for both units before the next post.
      const [row] = await h.db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.keyHash, hashApiKey(key)));
      const counters = createLimitsRepository(h.db);
      await until(async () => (await counters.current(`events:key:${row!.id}`, 60)).count === 2 || undefined, 'both refused posts counted');
      expect((await post('rate-ok', 'rate-client-2')).statusCode).toBe(202);
      const refused = await post('rate-late', 'rate-client-2');
      expect(refused.statusCode, refused.body).toBe(429);
      expect((await h.request({ method: 'GET', url: '/v1/events/rate-late' })).statusCode).toBe(404);
    } finally {
      await h.setMode('live');
    }
  });

  it('does not send the SMS past the per-phone hourly limit, journals why, and still texts other phones', async () => {
    await putClient(h, 'sms-a', [{ name: 'Частый получатель', phone: PHONE }]);
    await putClient(h, 'sms-b', [
      { name: 'Частый получатель', phone: PHONE },
      { name: 'Другой получатель', phone: OTHER_PHONE },
    ]);
    const post = await poster();
    for (const id of ['sms-1', 'sms-2']) {
      expect((await post(id, 'sms-a')).statusCode).toBe(202);
      await completed(id);
    }
    expect(sms.sent.filter((m) => m.to === PHONE.slice(1))).toHaveLength(2);

    expect((await post('sms-3', 'sms-b')).statusCode).toBe(202);
    const entries = await completed('sms-3');

    expect(sms.sent.filter((m) => m.to === PHONE.slice(1))).toHaveLength(2);
    expect(sms.sent.filter((m) => m.to === OTHER_PHONE.slice(1))).toHaveLength(1);
    const frequent = entries.filter((e) => e.recipientName === 'Частый получатель' && e.status !== 'rendered');
    // One attempt, no retries: the refusal is permanent.
    expect(frequent.map((e) => `${e.status} ${e.channel}`)).toEqual(['attempt_failed sms', 'failed sms']);
    for (const entry of frequent) expect(entry.reason).toBe('превышен лимит SMS на получателя: не более 2 в час');

    const details = await h.request({ method: 'GET', url: '/v1/events/sms-3' });
    expect(details.body).toContain('превышен лимит SMS на получателя');
  });

  it('sends an event with more recipients than allowed to nobody and journals it skipped with the count', async () => {
    await putClient(h, 'crowd', [1, 2, 3, 4].map((i) => ({ name: `Контакт ${i}`, phone: `+7916000770${i}` })));
    const before = sms.sent.length;
    const post = await poster();

    expect((await post('crowd-1', 'crowd')).statusCode).toBe(202);
    const entries = await completed('crowd-1', 'skipped');

    expect(entries.find((e) => e.status === 'skipped')?.reason).toBe('слишком много получателей: 4, допустимо не более 3; событие не отправлено');
    expect(sms.sent.length).toBe(before);
  });

  it('refuses event data larger than the configured size with 413 naming /body/data, and accepts data within it', async () => {
    await putClient(h, 'data-client', [{ name: 'Покупатель', phone: '+79160008899' }]);
    const post = await poster();

    const big = await post('data-big', 'data-client', { n: 'я'.repeat(1100) });
    expect(big.statusCode, big.body).toBe(413);
    expect(big.json()).toEqual({
      error: {
        code: 'PAYLOAD_TOO_LARGE',
        message: expect.stringContaining('at most 2048'),
        details: [{ path: '/body/data', message: expect.stringMatching(/^must be at most 2048 bytes as JSON, got \d+$/) }],
      },
    });
    expect((await post('data-ok', 'data-client', { n: 'я'.repeat(1000) })).statusCode).toBe(202);
  });

  it('counts the SMS sent to a phone within the hour and by the company within the day, and nothing else', async () => {
    const company = `limits-${Date.now()}`;
    const phone = '+79160005566';
    let n = 0;
    const row = (fields: { minutesAgo: number; recipient?: string; status?: string; channel?: string; companyId?: string }) => ({
      companyId: fields.companyId ?? company,
      stepKey: `limits-test/${company}/${(n += 1)}`,
      eventId: `e-${n}`,
      eventType: 'test.sms-only',
      counterpartyId: 'c',
      workflowId: `wf-${n}`,
      status: fields.status ?? 'sent',
      channel: fields.channel ?? 'sms',
      recipient: fields.recipient ?? phone,
      createdAt: new Date(Date.now() - fields.minutesAgo * 60_000),
    });
    await h.db.insert(journalEntries).values([
      row({ minutesAgo: 5 }),
      row({ minutesAgo: 50 }),
      row({ minutesAgo: 90 }), // past the hour: the company's day only
      row({ minutesAgo: 10, recipient: '+79160007788' }), // another phone: the company's day only
      row({ minutesAgo: 60 * 25 }), // past the day: neither
      row({ minutesAgo: 5, status: 'rendered' }), // not sent: neither
      row({ minutesAgo: 5, status: 'attempt_failed' }),
      row({ minutesAgo: 5, channel: 'telegram' }), // not an SMS: neither
      row({ minutesAgo: 5, companyId: `${company}-other` }), // another company: neither
    ]);
    const counters = createLimitsRepository(h.db);
    expect(await counters.sentSms(company, phone, 3600, 86_400)).toEqual({ toRecipient: 2, byCompany: 4 });
    // The windows as given, whichever is the longer.
    expect(await counters.sentSms(company, phone, 86_400, 3600)).toEqual({ toRecipient: 3, byCompany: 3 });
  });
});
