import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createSendAttemptRepository } from '../../src/db/repositories/send-attempts';
import { journalEntries, sendAttempts, type NewJournalEntry } from '../../src/db/schema';
import { smsLimitReason } from '../../src/domain/limits';
import type { Audience } from '../../src/domain/vocabulary';
import { createHarness, type Harness } from '../helpers/harness';

/**
 * An SMS's first attempt writes `rendered`, counts the SMS limits and marks
 * the message `sending` in one statement; the marker is written exactly when
 * `smsLimitReason` lets the SMS go, the rule written twice (TypeScript for the
 * reason, SQL for the marker).
 */
describe('an SMS first attempt in one statement', () => {
  let h: Harness;
  let n = 0;
  const windows = { recipientSeconds: 3600, companySeconds: 86_400 };

  beforeAll(async () => {
    h = await createHarness({ worker: false });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  /** A company of its own per case, with `recipient` SMS sent to the phone within the hour and `others` to other phones. */
  const companyWithSent = async (recipient: number, others: number) => {
    n += 1;
    const companyId = `begin-sms-${Date.now()}-${n}`;
    const rows = Array.from({ length: recipient + others }, (_, i) => ({
      companyId,
      stepKey: `begin-sms/${companyId}/${i}`,
      eventId: `e-${i}`,
      eventType: 'test.sms-only',
      counterpartyId: 'c',
      workflowId: `wf-${i}`,
      status: 'sent',
      channel: 'sms' as const,
      recipient: i < recipient ? PHONE : `+7916000${String(i).padStart(4, '0')}`,
      createdAt: new Date(Date.now() - 10 * 60_000),
    }));
    if (rows.length > 0) await h.db.insert(journalEntries).values(rows);
    return companyId;
  };

  const rendered = (companyId: string, audience: Audience): NewJournalEntry => ({
    companyId,
    stepKey: `event:${companyId}:o-1/${audience}:contact-1/sms/rendered`,
    eventId: 'o-1',
    eventType: 'order.ready_for_pickup',
    counterpartyId: 'demo-client',
    workflowId: `event:${companyId}:o-1`,
    runId: 'run-1',
    status: 'rendered',
    audience,
    channel: 'sms',
    recipient: PHONE,
    recipientName: 'Иван Петров',
    body: 'Заказ ЗК-1 готов к выдаче.',
    details: {},
  });
  const sentKey = (companyId: string, audience: Audience) => `event:${companyId}:o-1/${audience}:contact-1/sms/sent`;

  const limits = { smsPerRecipientPerHour: 3, smsPerCompanyPerDay: 5 };
  const cases: { recipient: number; others: number; audience: Audience }[] = [];
  for (const audience of ['client', 'manager'] as const) {
    for (const [recipient, others] of [[0, 0], [2, 0], [3, 0], [4, 0], [2, 2], [2, 3], [3, 3], [0, 5]] as const) cases.push({ recipient, others, audience });
  }

  it.each(cases)('marks it sending exactly when the limits let it go: $recipient to the phone, $others to others, $audience', async ({ recipient, others, audience }) => {
    const companyId = await companyWithSent(recipient, others);
    const attempts = createSendAttemptRepository(h.db);
    const begun = await attempts.beginSms(rendered(companyId, audience), {
      stepKey: sentKey(companyId, audience),
      parts: 1,
      windows,
      limits: { recipient: audience === 'client' ? limits.smsPerRecipientPerHour : null, company: limits.smsPerCompanyPerDay },
    });

    expect(begun).toEqual({ created: true, counts: { toRecipient: recipient, byCompany: recipient + others }, marked: expect.any(Boolean) });
    const refused = smsLimitReason({ toRecipientLastHour: recipient, byCompanyLastDay: recipient + others }, limits, audience);
    expect(begun.created && begun.marked).toBe(refused === undefined);
    const markers = await h.db.select().from(sendAttempts).where(eq(sendAttempts.stepKey, sentKey(companyId, audience)));
    expect(markers.map((m) => ({ state: m.state, channel: m.channel, parts: m.parts, companyId: m.companyId }))).toEqual(
      refused === undefined ? [{ state: 'sending', channel: 'sms', parts: 1, companyId }] : [],
    );
    const [entry] = await h.db.select().from(journalEntries).where(eq(journalEntries.stepKey, rendered(companyId, audience).stepKey));
    expect(entry).toMatchObject({ status: 'rendered', channel: 'sms', recipient: PHONE, body: 'Заказ ЗК-1 готов к выдаче.' });
  });

  it('does nothing more when rendered was written by an earlier attempt: no count, the marker left as it is', async () => {
    const companyId = await companyWithSent(0, 0);
    const attempts = createSendAttemptRepository(h.db);
    const sms = { stepKey: sentKey(companyId, 'client'), parts: 2, windows, limits: { recipient: 3, company: 5 } };
    expect(await attempts.beginSms(rendered(companyId, 'client'), sms)).toMatchObject({ created: true, marked: true });
    await attempts.partAccepted(sms.stepKey, 'smpp', 0, 'id-1');

    expect(await attempts.beginSms(rendered(companyId, 'client'), sms)).toEqual({ created: false });
    expect(await attempts.find(sms.stepKey)).toMatchObject({ state: 'sending', provider: 'smpp', providerMessageIds: ['id-1'], parts: 2 });
    const entries = await h.db.select().from(journalEntries).where(eq(journalEntries.companyId, companyId));
    expect(entries).toHaveLength(1);
  });
});

const PHONE = '+79161234567';
