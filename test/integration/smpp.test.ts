import net, { type AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidRecipientError, RateLimitedError, RejectedError, UnavailableError } from '../../src/channels/errors';
import { createSmppChannel, parseDeliveryReceipt, type SmppChannel, type SmppChannelOptions } from '../../src/channels/smpp';
import type { DeliveryReport } from '../../src/channels/types';
import { analyzeSms, encodeGsm7 } from '../../src/domain/sms';
import { startSmsc, type Smsc, type StartSmscOptions } from '../../src/dev/peers/smsc';

const PHONE = '+79161234567';
const ESME_RTHROTTLED = 0x58;
const ESME_RMSGQFUL = 0x14;
const ESME_RINVDSTADR = 0x0b;
const ESME_RSYSERR = 0x08;
const ESME_RINVSRCADR = 0x0a;

/** Real-looking texts of an exact length. */
const cyrillicText = (n: number) => 'Ваш заказ ЗК-1042 готов к выдаче на складе Центральный. '.repeat(10).slice(0, n);
const latinText = (n: number) => 'Your order 1042 is ready for pickup at the Central warehouse. '.repeat(12).slice(0, n);

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('SMS over SMPP against a real SMSC on loopback', () => {
  let smsc: Smsc;
  let channels: SmppChannel[];
  let reports: DeliveryReport[];
  let logs: string[];

  async function givenSmsc(options: StartSmscOptions = {}): Promise<Smsc> {
    await smsc.stop();
    smsc = await startSmsc(options);
    return smsc;
  }

  function openChannel(overrides: Partial<SmppChannelOptions> = {}): SmppChannel {
    const channel = createSmppChannel({
      url: smsc.url,
      sourceAddr: 'NotifyTest',
      onDeliveryReport: (report) => reports.push(report),
      log: (line) => logs.push(line),
      ...overrides,
    });
    channels.push(channel);
    return channel;
  }

  beforeEach(async () => {
    smsc = await startSmsc();
    channels = [];
    reports = [];
    logs = [];
  });

  afterEach(async () => {
    await Promise.all(channels.map((channel) => channel.close()));
    await smsc.stop();
  });

  describe('encoding and concatenation', () => {
    it('sends a Cyrillic SMS of 71 characters as two concatenated UCS-2 parts', async () => {
      const text = cyrillicText(71);
      const result = await openChannel().send({ to: PHONE, text });

      expect(smsc.submits).toHaveLength(2);
      const [first, second] = smsc.submits;
      for (const part of smsc.submits) {
        expect(part).toMatchObject({ destination: '79161234567', destTon: 1, destNpi: 1, dataCoding: 8, registeredDelivery: 1 });
        expect(part.esmClass & 0x40).toBe(0x40);
        expect(part.udh?.total).toBe(2);
        expect(part.shortMessage.subarray(0, 3)).toEqual(Buffer.from([0x05, 0x00, 0x03]));
      }
      expect(first?.udh).toMatchObject({ seq: 1 });
      expect(second?.udh).toMatchObject({ seq: 2, ref: first?.udh?.ref });
      expect(first?.shortMessage).toHaveLength(6 + 67 * 2);
      expect(smsc.messages()).toEqual([expect.objectContaining({ total: 2, complete: true, text })]);

      expect(result.provider).toBe('smpp');
      expect(result.providerMessageId).toBe(first?.messageId);
      expect(JSON.parse(result.response)).toMatchObject({
        messageIds: [first?.messageId, second?.messageId],
        encoding: 'UCS-2',
        dataCoding: 8,
        segments: 2,
      });
    });

    it('sends a Latin SMS of 160 characters as one GSM-7 part of unpacked septets', async () => {
      const text = latinText(160);
      const result = await openChannel().send({ to: PHONE, text });

      expect(smsc.submits).toHaveLength(1);
      const [only] = smsc.submits;
      expect(only).toMatchObject({ dataCoding: 0, esmClass: 0, text, messageId: result.providerMessageId });
      expect(only?.udh).toBeUndefined();
      expect(only?.shortMessage).toEqual(encodeGsm7(text));
      expect(only?.shortMessage).toHaveLength(160);
    });

    it('escapes GSM-7 extension characters so the SMSC decodes them back', async () => {
      const text = 'Total: 1 000 € {order [42]} ~ ^ | \\ done';
      await openChannel().send({ to: PHONE, text });

      const [only] = smsc.submits;
      expect(only?.dataCoding).toBe(0);
      expect([...(only?.shortMessage ?? [])].filter((octet) => octet === 0x1b)).toHaveLength(9);
      expect(only?.text).toBe(text);
    });

    it('sends a Latin SMS of 161 characters as two GSM-7 parts of 153 and 8 septets', async () => {
      const text = latinText(161);
      await openChannel().send({ to: PHONE, text });

      expect(smsc.submits.map((part) => part.dataCoding)).toEqual([0, 0]);
      expect(smsc.submits.map((part) => part.shortMessage.length - 6)).toEqual([153, 8]);
      expect(smsc.messages()).toEqual([expect.objectContaining({ total: 2, complete: true, text })]);
    });

    it.each([
      ['Latin', latinText(1)],
      ['Latin', latinText(306)],
      ['Latin', latinText(307)],
      ['Latin', latinText(460)],
      ['Latin', latinText(612)],
      ['Cyrillic', cyrillicText(134)],
      ['Cyrillic', cyrillicText(135)],
      ['Cyrillic', cyrillicText(202)],
      ['Cyrillic', cyrillicText(269)],
      ['euro signs', '€'.repeat(81)],
      ['emoji', `${cyrillicText(66)}😀${cyrillicText(10)}`],
      ['mixed', `${latinText(159)}Я`],
    ])('sends a %s text of %# as exactly analyzeSms().segments parts that reassemble to it', async (_kind, text) => {
      await openChannel().send({ to: PHONE, text });

      const { segments } = analyzeSms(text);
      expect(smsc.submits).toHaveLength(segments);
      expect(smsc.messages()).toEqual([expect.objectContaining({ total: segments, complete: true, text })]);
    });

    it('gives each long message its own concatenation reference', async () => {
      const channel = openChannel();
      await channel.send({ to: PHONE, text: cyrillicText(100) });
      await channel.send({ to: PHONE, text: cyrillicText(100) });

      const [first, second] = smsc.messages();
      expect(first?.ref).not.toBe(second?.ref);
      expect(smsc.messages().every((message) => message.complete)).toBe(true);
    });
  });

  describe('delivery receipts', () => {
    it('reports a DELIVRD receipt as delivered with the message id the send returned', async () => {
      const result = await openChannel().send({ to: PHONE, text: 'Order 1042 is ready' });

      await waitFor(() => reports.length === 1, 'the delivery report');
      expect(reports[0]).toMatchObject({
        provider: 'smpp',
        providerMessageId: result.providerMessageId,
        status: 'delivered',
        reason: 'DELIVRD',
      });
      expect(reports[0]?.at).toBeInstanceOf(Date);
      await waitFor(() => smsc.receipts[0]?.acked === true, 'the deliver_sm_resp');
      expect(smsc.receipts).toEqual([{ messageId: result.providerMessageId, stat: 'DELIVRD', acked: true }]);
    });

    it('reports an UNDELIV receipt as undelivered with the SMSC reason', async () => {
      smsc.setReceipts('undelivered');
      const result = await openChannel().send({ to: PHONE, text: 'Order 1042 is ready' });

      await waitFor(() => reports.length === 1, 'the delivery report');
      expect(reports[0]).toMatchObject({ providerMessageId: result.providerMessageId, status: 'undelivered' });
      expect(reports[0]?.reason).toMatch(/^UNDELIV/);
    });

    it('reports a long message once, by its first part, when every part is delivered', async () => {
      const result = await openChannel().send({ to: PHONE, text: cyrillicText(150) });

      await waitFor(() => smsc.receipts.length === 3 && smsc.receipts.every((r) => r.acked), 'three answered receipts');
      expect(reports).toEqual([expect.objectContaining({ providerMessageId: result.providerMessageId, status: 'delivered' })]);
    });

    it('matches receipts that carry the id only in the text, without TLVs', async () => {
      await givenSmsc({ receiptFormat: 'text' });
      const result = await openChannel().send({ to: PHONE, text: 'Order 1042 is ready' });

      await waitFor(() => reports.length === 1, 'the delivery report');
      expect(reports[0]).toMatchObject({ providerMessageId: result.providerMessageId, status: 'delivered' });
    });

    it('reads the fields of an Appendix B receipt text', () => {
      expect(
        parseDeliveryReceipt('id:0A1B2C sub:001 dlvrd:000 submit date:2511231200 done date:2511231201 stat:UNDELIV err:034 text:Hi'),
      ).toEqual({ id: '0A1B2C', stat: 'UNDELIV', err: '034' });
      expect(parseDeliveryReceipt('nothing here')).toEqual({});
    });
  });

  describe('failures are classified at the edge', () => {
    it.each([
      ['ESME_RTHROTTLED', ESME_RTHROTTLED],
      ['ESME_RMSGQFUL', ESME_RMSGQFUL],
    ])('turns %s into a RateLimitedError and the next send goes through', async (name, status) => {
      const channel = openChannel();
      smsc.failNext(status);

      const error = await channel.send({ to: PHONE, text: 'Order 1042 is ready' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RateLimitedError);
      expect(error).toMatchObject({ retryAfterMs: 1000, providerReason: name, permanent: false });
      await expect(channel.send({ to: PHONE, text: 'Order 1042 is ready' })).resolves.toMatchObject({ provider: 'smpp' });
    });

    it('turns ESME_RINVDSTADR into a permanent InvalidRecipientError', async () => {
      smsc.failNext(ESME_RINVDSTADR);
      const error = await openChannel().send({ to: PHONE, text: 'Hi' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRecipientError);
      expect(error).toMatchObject({ permanent: true, providerReason: 'ESME_RINVDSTADR' });
    });

    it('refuses a number that is not E.164 without asking the SMSC', async () => {
      const channel = openChannel();
      await expect(channel.send({ to: '89161234567', text: 'Hi' })).rejects.toBeInstanceOf(InvalidRecipientError);
      await expect(channel.send({ to: '+7 (916) 123-45-67', text: 'Hi' })).resolves.toBeDefined();
      expect(smsc.submits.map((s) => s.destination)).toEqual(['79161234567']);
    });

    it('turns ESME_RSYSERR into a transient UnavailableError', async () => {
      smsc.failNext(ESME_RSYSERR);
      const error = await openChannel().send({ to: PHONE, text: 'Hi' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnavailableError);
      expect(error).toMatchObject({ permanent: false, providerReason: 'ESME_RSYSERR' });
    });

    it('turns any other status into a RejectedError naming the status', async () => {
      smsc.failNext(ESME_RINVSRCADR);
      const error = await openChannel().send({ to: PHONE, text: 'Hi' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RejectedError);
      expect(error).toMatchObject({ permanent: true, providerReason: 'ESME_RINVSRCADR' });
    });

    it('says which part of a long message was refused', async () => {
      smsc.failNext(ESME_RTHROTTLED);
      await expect(openChannel().send({ to: PHONE, text: cyrillicText(71) })).rejects.toThrow(/part 1 of 2/);
    });

    it('fails with UnavailableError on a refused bind and never shows the password', async () => {
      const password = 'Hunter2-wrong-pass';
      const url = smsc.url.replace(/:[^:@/]+@/, `:${password}@`);
      const channel = openChannel({ url, bindWaitMs: 3000 });

      const error = await channel.send({ to: PHONE, text: 'Hi' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as Error).message).toMatch(/ESME_RBINDFAIL/);
      expect(JSON.stringify({ message: (error as Error).message, reason: (error as UnavailableError).providerReason })).not.toContain(
        password,
      );
      expect(logs.join('\n')).toMatch(/bind refused/);
      expect(logs.join('\n')).not.toContain(password);
      expect(channel.bound).toBe(false);
      expect(smsc.submits).toHaveLength(0);
    });

    it('fails with UnavailableError when no SMSC listens', async () => {
      const probe = net.createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const deadPort = (probe.address() as AddressInfo).port;
      await new Promise((resolve) => probe.close(resolve));
      const channel = openChannel({ url: `smpp://notify:secret@127.0.0.1:${deadPort}`, bindWaitMs: 500 });
      await expect(channel.send({ to: PHONE, text: 'Hi' })).rejects.toBeInstanceOf(UnavailableError);
    });
  });

  describe('session', () => {
    it('reconnects and re-binds after the connection drops, and the next send succeeds', async () => {
      const channel = openChannel();
      await channel.send({ to: PHONE, text: 'first' });

      smsc.dropConnections();
      await waitFor(() => !channel.bound, 'the adapter to notice the drop');
      const result = await channel.send({ to: PHONE, text: 'second' });

      expect(smsc.submits.map((s) => s.text)).toEqual(['first', 'second']);
      expect(smsc.boundSessions()).toBe(1);
      expect(smsc.received.filter((c) => c === 'bind_transceiver')).toHaveLength(2);
      expect(logs.join('\n')).toMatch(/reconnecting/);
      await waitFor(() => reports.some((r) => r.providerMessageId === result.providerMessageId), 'the receipt on the new session');
    });

    it('keeps the session alive with enquire_link', async () => {
      const channel = openChannel({ enquireLinkMs: 50 });
      await channel.send({ to: PHONE, text: 'Hi' });
      await waitFor(() => smsc.received.filter((c) => c === 'enquire_link').length >= 3, 'three enquire_link');
      expect(channel.bound).toBe(true);
      expect(smsc.boundSessions()).toBe(1);
    });

    it('unbinds on close and refuses to send afterwards', async () => {
      const channel = openChannel();
      await channel.send({ to: PHONE, text: 'Hi' });
      await channel.close();

      await waitFor(() => smsc.boundSessions() === 0, 'the SMSC to see the unbind');
      expect(smsc.received).toEqual(['bind_transceiver', 'submit_sm', 'unbind']);
      await expect(channel.send({ to: PHONE, text: 'Hi' })).rejects.toBeInstanceOf(UnavailableError);
    });
  });

  describe('balance', () => {
    it('reads the balance from the gateway HTTP endpoint, and each sent part costs one message', async () => {
      await givenSmsc({ balance: 500 });
      const channel = openChannel({ balanceUrl: smsc.balanceUrl });
      await expect(channel.balance()).resolves.toMatchObject({ provider: 'smpp', amount: 500 });

      await channel.send({ to: PHONE, text: cyrillicText(71) });
      await expect(channel.balance()).resolves.toMatchObject({ amount: 498 });

      smsc.setBalance(42);
      const balance = await channel.balance();
      expect(balance.amount).toBe(42);
      expect(JSON.parse(balance.raw)).toEqual({ balance: 42 });
    });

    it('says that no balance query is configured when the gateway has no balance URL', async () => {
      const error = await openChannel().balance().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(UnavailableError);
      expect((error as Error).message).toMatch(/no balance query configured/);
    });
  });
});
