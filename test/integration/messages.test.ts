import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmsc, type Smsc } from '../../src/dev/peers/smsc';
import { startTelegramBotApi, type TelegramBotApiPeer } from '../../src/dev/peers/telegram-bot-api';
import { buildEvent } from '../helpers/factories';
import { createHarness, type Harness } from '../helpers/harness';
import { journalOf, postEvent, putClient, putNoticeType, until } from '../helpers/scenario';

interface Message {
  id: string;
  eventId: string;
  counterpartyId: string;
  recipientName: string | null;
  recipient: string | null;
  channel: string | null;
  status: string;
  statusLabel: string;
  attempts: number;
  provider: string | null;
  providerMessageId: string | null;
  sentAt: string | null;
  deliveredAt: string | null;
  reasonCode: string | null;
  reason: string | null;
  story: string;
  legs: { channel: string; status: string; reasonCode: string | null; rawReason: string | null }[];
}

describe('the journal people read: one row per message (R15)', () => {
  let h: Harness;
  let smsc: Smsc;
  let telegram: TelegramBotApiPeer;
  const emailEvent = buildEvent();

  const messages = async (query: string) => {
    const res = await h.request({ method: 'GET', url: `/v1/messages?${query}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: Message[]; next: number | null };
  };

  beforeAll(async () => {
    smsc = await startSmsc({ receipts: 'delivered' });
    telegram = await startTelegramBotApi({ botUsername: 'demo_notify_bot' });
    h = await createHarness({ mode: 'live', smsUrl: `${smsc.url}?source=NOTIFY`, telegramApiRoot: telegram.apiRoot });
    const settings = await h.request({ method: 'PUT', url: '/v1/settings', payload: { telegram: { botToken: telegram.token, botUsername: 'demo_notify_bot' } } });
    expect(settings.statusCode, settings.body).toBe(200);
    await putNoticeType(h, 'test.notice');

    // A client with a phone but no Telegram: Telegram falls back to SMS, which the SMSC reports delivered.
    await putClient(h, 'msg-unsubscribed', [{ name: 'Борис', phone: '+79160000010' }]);
    const fallback = await postEvent(h, { id: 'msg-fb-1', type: 'test.notice', counterpartyId: 'msg-unsubscribed', data: { n: 'ЗК-30' } });
    // The demo client's two contacts get the e-mail.
    const posted = await h.request({ method: 'POST', url: '/v1/events', payload: emailEvent });
    expect(posted.statusCode, posted.body).toBe(202);
    await h.temporal.workflow.getHandle(fallback.workflowId).result();
    await h.temporal.workflow.getHandle(posted.json().workflowId).result();
    await until(async () => ((await journalOf(h, 'msg-fb-1')).some((e) => e.status === 'delivered') ? true : undefined), 'delivery receipt');
  });
  afterAll(async () => {
    await h?.close();
    await smsc?.stop();
    await telegram?.stop();
  });

  it('tells a Telegram→SMS fallback as ONE message whose story says both, delivered', async () => {
    const { items } = await messages('eventId=msg-fb-1');
    expect(items).toHaveLength(1);
    const [m] = items;
    const sent = (await journalOf(h, 'msg-fb-1')).find((e) => e.status === 'sent')!;
    expect(m).toMatchObject({
      recipientName: 'Борис',
      recipient: '+79160000010',
      channel: 'sms',
      status: 'delivered',
      statusLabel: 'доставлено',
      attempts: 1,
      provider: sent.provider,
      providerMessageId: sent.providerMessageId,
      reasonCode: null,
      story: 'Telegram: не подписан на бота → SMS: доставлено',
    });
    expect(smsc.messages().filter((s) => s.destination === '79160000010')).toHaveLength(1);
    expect(m!.sentAt).not.toBeNull();
    expect(m!.deliveredAt).not.toBeNull();
    expect(m!.legs.map((l) => [l.channel, l.status, l.reasonCode, l.rawReason])).toEqual([
      ['telegram', 'fallback', 'not_subscribed', 'Не подписан на бота'],
      ['sms', 'delivered', null, null],
    ]);

    // The event's own view carries the same rows beside its step log.
    const details = await h.request({ method: 'GET', url: '/v1/events/msg-fb-1' });
    expect(details.statusCode, details.body).toBe(200);
    expect(details.json().messages).toEqual(items);
    expect(details.json().journal.length).toBeGreaterThan(items.length);
  });

  it('gives a plain e-mail event one row per contact, sent by SMTP', async () => {
    const { items } = await messages(`eventId=${encodeURIComponent(emailEvent.id)}`);
    expect(items.map((m) => m.recipient).sort()).toEqual(['anna.smirnova@romashka.example', 'ivan.petrov@romashka.example']);
    for (const m of items) {
      expect(m).toMatchObject({ channel: 'email', status: 'sent', statusLabel: 'отправлено', attempts: 1, provider: 'smtp', story: 'E-mail: отправлено' });
      expect(m.providerMessageId).toBeTruthy();
    }
    expect(items.find((m) => m.recipient === 'ivan.petrov@romashka.example')!.recipientName).toBe('Иван Петров');
    expect(h.smtp.messages.flatMap((mail) => mail.to).sort()).toEqual(['anna.smirnova@romashka.example', 'ivan.petrov@romashka.example']);
  });

  it('filters by client, channel, status and period, newest first', async () => {
    const all = await messages('limit=500');
    expect(all.items).toHaveLength(3);
    expect(all.items[0]!.eventId).toBe(emailEvent.id);

    expect((await messages('counterpartyId=msg-unsubscribed')).items.map((m) => m.eventId)).toEqual(['msg-fb-1']);
    expect((await messages('channel=sms')).items.map((m) => m.eventId)).toEqual(['msg-fb-1']);
    expect((await messages('status=delivered')).items.map((m) => m.eventId)).toEqual(['msg-fb-1']);
    const sentEmail = await messages('channel=email&status=sent');
    expect(sentEmail.items).toHaveLength(2);
    expect((await messages('channel=telegram')).items).toEqual([]);
    expect((await messages('eventType=test.notice&status=sent')).items).toEqual([]);
    expect((await messages(`from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`)).items).toEqual([]);
    expect((await messages(`to=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`)).items).toEqual([]);
  });

  it('pages with a cursor without losing or repeating messages, also under a filter', async () => {
    for (const filter of ['', 'channel=email&']) {
      const all = await messages(`${filter}limit=500`);
      const seen: string[] = [];
      let cursor: number | null = null;
      do {
        const page = await messages(`${filter}limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.items.length).toBeLessThanOrEqual(1);
        seen.push(...page.items.map((m) => m.id));
        cursor = page.next;
      } while (cursor !== null);
      expect(seen).toEqual(all.items.map((m) => m.id));
    }
  });

  it('answers 400 naming the allowed values for an unknown status or channel, on both journals', async () => {
    for (const [url, allowed] of [
      ['/v1/messages?status=bogus', 'delivered'],
      ['/v1/journal?status=bogus', 'attempt_failed'],
    ] as const) {
      const res = await h.request({ method: 'GET', url });
      expect(res.statusCode, res.body).toBe(400);
      const [detail] = res.json().error.details;
      expect(detail.path).toBe('/querystring/status');
      expect(detail.message).toContain('must be one of');
      expect(detail.message).toContain(allowed);
    }
    const channel = await h.request({ method: 'GET', url: '/v1/messages?channel=fax' });
    expect(channel.statusCode).toBe(400);
    expect(channel.json().error.details).toEqual([{ path: '/querystring/channel', message: 'must be one of email, sms, telegram' }]);
  });

  it('accepts a POST without a body sent with a JSON content type', async () => {
    const res = await h.request({
      method: 'POST',
      url: '/v1/schedules/email-dispatch/trigger',
      payload: '',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode, res.body).toBe(202);
    // A route that needs a body still says which part is missing.
    const event = await h.request({ method: 'POST', url: '/v1/events', payload: '', headers: { 'content-type': 'application/json' } });
    expect(event.statusCode).toBe(400);
    expect(event.json().error.details[0].path).toBe('/body');
  });
});
