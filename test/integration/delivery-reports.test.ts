import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { createJournalRepository, DELIVERY_REPORT } from '../../src/db/repositories/journal';
import { journalEntries } from '../../src/db/schema';
import { deliveryReportStepKey } from '../../src/domain/keys';
import { reasonText } from '../../src/domain/reasons';
import { createDeliveryReportHandler, createSendsInFlight } from '../../src/providers/delivery-reports';
import { createHarness, type Harness } from '../helpers/harness';

/** A provider's receipt of a sent message (R15) becomes one journal entry made from the `sent` one, once. */
describe('delivery reports in the journal', () => {
  let h: Harness;
  let n = 0;

  beforeAll(async () => {
    h = await createHarness({ worker: false });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  /** A `sent` SMS as the send activity journals it, with the provider's id. */
  const sentSms = async (providerMessageId: string, companyId = h.companyId) => {
    n += 1;
    const [row] = await h.db
      .insert(journalEntries)
      .values({
        companyId,
        stepKey: `event:${companyId}:report-${n}/client:contact-1/sms/sent`,
        eventId: `report-${n}`,
        eventType: 'order.ready_for_pickup',
        counterpartyId: 'demo-client',
        workflowId: `event:${companyId}:report-${n}`,
        runId: 'run-1',
        status: 'sent',
        audience: 'client',
        channel: 'sms',
        recipient: '+79161234567',
        recipientName: 'Иван Петров',
        body: 'Заказ ЗК-1 готов к выдаче.',
        provider: 'smpp',
        providerMessageId,
        attempt: 1,
        details: { response: 'ok' },
      })
      .returning();
    return row!;
  };

  it('journals a receipt once, from the sent entry, under the step key of its status', async () => {
    const sent = await sentSms('msg-1');
    const journal = createJournalRepository(h.db);
    const at = new Date('2026-11-30T10:00:00Z');

    const first = await journal.recordDeliveryReport({ companyId: h.companyId, provider: 'smpp', providerMessageId: 'msg-1', status: 'delivered', reason: 'DELIVRD', at });
    const again = await journal.recordDeliveryReport({ companyId: h.companyId, provider: 'smpp', providerMessageId: 'msg-1', status: 'delivered', reason: 'DELIVRD', at });

    expect(first?.created).toBe(true);
    expect(first?.entry).toMatchObject({
      stepKey: deliveryReportStepKey(sent.stepKey, 'delivered'),
      status: 'delivered',
      reason: 'Доставлено (DELIVRD)',
      attempt: null,
      details: { reportedAt: at.toISOString() },
      eventId: sent.eventId,
      workflowId: sent.workflowId,
      runId: sent.runId,
      channel: 'sms',
      recipient: sent.recipient,
      recipientName: sent.recipientName,
      body: sent.body,
      provider: 'smpp',
      providerMessageId: 'msg-1',
    });
    expect(again).toEqual({ entry: first!.entry, created: false });
    const rows = await h.db.select().from(journalEntries).where(and(eq(journalEntries.eventId, sent.eventId), eq(journalEntries.status, 'delivered')));
    expect(rows).toHaveLength(1);
  });

  it('journals a failed delivery with the provider’s words', async () => {
    const sent = await sentSms('msg-2');
    const report = await createJournalRepository(h.db).recordDeliveryReport({
      companyId: h.companyId,
      provider: 'smpp',
      providerMessageId: 'msg-2',
      status: 'undelivered',
      reason: 'UNDELIV',
      at: new Date(),
    });
    expect(report?.entry).toMatchObject({
      stepKey: deliveryReportStepKey(sent.stepKey, 'undelivered'),
      status: 'undelivered',
      reason: reasonText('undelivered', 'UNDELIV'),
    });
  });

  it('finds nothing for a message not journaled sent, another provider’s id, or another company’s message', async () => {
    await sentSms('msg-3', `${h.companyId}-other`);
    const journal = createJournalRepository(h.db);
    const report = (providerMessageId: string, provider = 'smpp') =>
      journal.recordDeliveryReport({ companyId: h.companyId, provider, providerMessageId, status: 'delivered', at: new Date() });

    expect(await report('msg-unknown')).toBeUndefined();
    expect(await report('msg-1', 'sms_ru')).toBeUndefined();
    expect(await report('msg-3')).toBeUndefined();
    const written = await h.db.select().from(journalEntries).where(eq(journalEntries.providerMessageId, 'msg-3'));
    expect(written.map((e) => e.status)).toEqual(['sent']);
  });

  it.each([
    ['the shared default provider', DELIVERY_REPORT.anyCompany.text],
    ['a company’s own provider', DELIVERY_REPORT.ofCompany.text],
  ])('finds the sent entry of a receipt from %s by an index, not by reading the journal through', async (_, text) => {
    const plan = await h.db.transaction(async (tx) => {
      // Scans priced out: what remains is the way an index gives, if one fits.
      await tx.execute(sql`set local enable_seqscan = off`);
      return JSON.stringify((await tx.execute(sql.raw(`explain (generic_plan, format json) ${text}`))).rows);
    });
    expect(plan).toContain('journal_sent_provider_message_idx');
  });

  describe('a receipt that overtakes its sent entry', () => {
    /** The receipt's status in the journal after `ms`, for the message of `sent` (undefined: not journaled). */
    const reportedWithin = async (eventId: string, ms: number) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const rows = await h.db.select().from(journalEntries).where(and(eq(journalEntries.eventId, eventId), eq(journalEntries.status, 'delivered')));
        if (rows.length > 0 || Date.now() > deadline) return rows.map((r) => r.status);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    it('is journaled as soon as the send that took the message in this process journals it, not after the delay', async () => {
      const inFlight = createSendsInFlight();
      const onReport = createDeliveryReportHandler(createJournalRepository(h.db), { delaysMs: [60_000], inFlight });
      const settle = inFlight.taken('smpp', 'msg-4');

      onReport({ companyId: h.companyId, provider: 'smpp', providerMessageId: 'msg-4', status: 'delivered', at: new Date() });
      await new Promise((r) => setTimeout(r, 300));
      const sent = await sentSms('msg-4');
      settle();

      expect(await reportedWithin(sent.eventId!, 2_000)).toEqual(['delivered']);
    });

    it('waits the delay when no send of this process has the message', async () => {
      const onReport = createDeliveryReportHandler(createJournalRepository(h.db), { delaysMs: [60_000], inFlight: createSendsInFlight() });

      onReport({ companyId: h.companyId, provider: 'smpp', providerMessageId: 'msg-5', status: 'delivered', at: new Date() });
      await new Promise((r) => setTimeout(r, 300));
      const sent = await sentSms('msg-5');

      expect(await reportedWithin(sent.eventId!, 1_000)).toEqual([]);
    });
  });
});
