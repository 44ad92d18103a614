import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventTypes } from '../../src/db/schema';
import { startSmsc, type Smsc } from '../../src/dev/peers/smsc';
import { startTelegramBotApi, type TelegramBotApiPeer } from '../../src/dev/peers/telegram-bot-api';
import { createHarness, type Harness } from '../helpers/harness';
import { journalOf, postEvent, putClient, putNoticeType, storyOf, until } from '../helpers/scenario';
import { saveHistory } from '../helpers/histories';

describe('notifyEvent against real Temporal, PostgreSQL, SMTP, SMSC and Bot API peers', () => {
  let h: Harness;
  let smsc: Smsc;
  let telegram: TelegramBotApiPeer;

  beforeAll(async () => {
    smsc = await startSmsc({ receipts: 'delivered' });
    telegram = await startTelegramBotApi({ botUsername: 'demo_notify_bot' });
    h = await createHarness({
      mode: 'live',
      smsUrl: `${smsc.url}?source=NOTIFY`,
      telegramApiRoot: telegram.apiRoot,
      smtp: {
        beforeAccept: (mail) => {
          if (mail.to.some((to) => to.startsWith('broken@'))) {
            throw Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 });
          }
        },
      },
    });
    const settings = await h.request({ method: 'PUT', url: '/v1/settings', payload: { telegram: { botToken: telegram.token, botUsername: 'demo_notify_bot' } } });
    expect(settings.statusCode, settings.body).toBe(200);
  });
  afterAll(async () => {
    await h?.close();
    await smsc?.stop();
    await telegram?.stop();
  });

  const sentTo = (chatId: string) => telegram.sent.filter((m) => m.chatId === chatId);
  const telegramCallsTo = (chatId: string) =>
    telegram.calls.filter((c) => c.method === 'sendMessage' && String(c.params.chat_id) === chatId);
  const smsTo = (phone: string) => smsc.messages().filter((m) => m.destination === phone.replace('+', ''));
  const result = (workflowId: string) => h.temporal.workflow.getHandle(workflowId).result();

  describe('confirmation before sending (R13)', () => {
    beforeAll(async () => {
      await putNoticeType(h, 'test.confirm', { confirmBeforeSend: true, confirmTimeoutSeconds: 3600 });
      await putClient(h, 'confirm-client', [{ name: 'Пётр', telegramChatId: '5001' }]);
    });

    it('shows the texts that would go out, sends nothing before approval, sends once after it, and answers 409 to a second decision', async () => {
      const eventId = 'confirm-approve';
      const { workflowId } = await postEvent(h, { id: eventId, type: 'test.confirm', counterpartyId: 'confirm-client', data: { n: 'ЗК-10' } });
      const awaiting = await until<{ pending: unknown }>(async () => {
        const res = await h.request({ method: 'GET', url: `/v1/events/${eventId}` });
        return res.json().state === 'awaiting_confirmation' ? res.json() : undefined;
      }, 'awaiting_confirmation');
      expect(awaiting.pending).toEqual([
        {
          deliveryKey: expect.stringMatching(/^client:contact-\d+$/),
          audience: 'client',
          recipientName: 'Пётр',
          channel: 'telegram',
          recipient: '5001',
          text: 'Telegram: заказ ЗК-10 готов, Пётр',
        },
      ]);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(sentTo('5001')).toHaveLength(0);

      // The body's "by" is what an old client sends; the decider recorded is the key that authenticated.
      const approve = await h.request({ method: 'POST', url: `/v1/events/${eventId}/decision`, payload: { approve: true, by: 'Ольга', comment: 'ок' } });
      expect(approve.statusCode, approve.body).toBe(200);
      expect(approve.json().by).toMatch(/^key:\d+ demo admin$/);
      expect((await h.request({ method: 'GET', url: `/v1/events/${eventId}` })).json().pending).toEqual([]);
      expect((await result(workflowId)).outcome).toBe('completed');
      expect(sentTo('5001').map((m) => m.text)).toEqual(['Telegram: заказ ЗК-10 готов, Пётр']);

      const again = await h.request({ method: 'POST', url: `/v1/events/${eventId}/decision`, payload: { approve: false, by: 'Ольга' } });
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('CONFLICT');
      expect(sentTo('5001')).toHaveLength(1);

      const statuses = (await journalOf(h, eventId)).map((e) => e.status);
      expect(statuses).toEqual(['received', 'recipients_resolved', 'awaiting_confirmation', 'approved', 'rendered', 'sent', 'completed']);
      const approved = (await journalOf(h, eventId)).find((e) => e.status === 'approved')!;
      expect(approved.details).toMatchObject({ by: expect.stringMatching(/^key:\d+ demo admin$/), comment: 'ок' });
      await saveHistory(h, workflowId, 'confirm-approved-send-local');
    });

    it('journals a rejection with who and why and sends nothing; a second decision is 409', async () => {
      const eventId = 'confirm-reject';
      const { workflowId } = await postEvent(h, { id: eventId, type: 'test.confirm', counterpartyId: 'confirm-client', data: { n: 'ЗК-11' } });
      await until(async () => ((await h.request({ method: 'GET', url: `/v1/events/${eventId}` })).json().state === 'awaiting_confirmation' ? true : undefined), 'awaiting');
      const before = telegram.sent.length;
      const deciderKey = await h.keyWithRoles(['journal:write']);
      const reject = await h.request({ method: 'POST', url: `/v1/events/${eventId}/decision`, key: deciderKey, payload: { approve: false, comment: 'клиент уже знает' } });
      expect(reject.statusCode).toBe(200);
      expect((await result(workflowId)).outcome).toBe('rejected');
      expect((await h.request({ method: 'POST', url: `/v1/events/${eventId}/decision`, payload: { approve: true, by: 'x' } })).statusCode).toBe(409);
      expect(telegram.sent.length).toBe(before);
      const rejected = (await journalOf(h, eventId)).find((e) => e.status === 'rejected')!;
      expect(rejected.reason).toBe('Отклонено при подтверждении: клиент уже знает');
      expect(rejected.details).toMatchObject({ by: expect.stringMatching(/^key:\d+ test journal:write$/), comment: 'клиент уже знает' });
      expect((await journalOf(h, eventId)).some((e) => e.status === 'sent')).toBe(false);
    });

    it('sends nothing when sending was turned off while the event awaited confirmation', async () => {
      const eventId = 'confirm-then-off';
      const { workflowId } = await postEvent(h, { id: eventId, type: 'test.confirm', counterpartyId: 'confirm-client', data: { n: 'ЗК-13' } });
      await until(async () => ((await h.request({ method: 'GET', url: `/v1/events/${eventId}` })).json().state === 'awaiting_confirmation' ? true : undefined), 'awaiting');
      const before = telegram.sent.length;
      await h.setMode('off');
      try {
        expect((await h.request({ method: 'POST', url: `/v1/events/${eventId}/decision`, payload: { approve: true, by: 'Ольга' } })).statusCode).toBe(200);
        expect((await result(workflowId)).outcome).toBe('skipped');
      } finally {
        await h.setMode('live');
      }
      expect(telegram.sent.length).toBe(before);
      expect((await journalOf(h, eventId)).map((e) => e.status).slice(-2)).toEqual(['approved', 'skipped']);
    });

    it('expires when nobody decides in time, journals expired and sends nothing', async () => {
      await putNoticeType(h, 'test.confirm-short', { confirmBeforeSend: true });
      // The API's floor is a minute; the test shortens the wait in the stored settings.
      await h.db.update(eventTypes).set({ confirmTimeoutSeconds: 2 }).where(eq(eventTypes.type, 'test.confirm-short'));
      const before = telegram.sent.length;
      const { workflowId } = await postEvent(h, { id: 'confirm-expire', type: 'test.confirm-short', counterpartyId: 'confirm-client', data: { n: 'ЗК-12' } });
      expect((await result(workflowId)).outcome).toBe('expired');
      expect(telegram.sent.length).toBe(before);
      const statuses = (await journalOf(h, 'confirm-expire')).map((e) => e.status);
      expect(statuses).toEqual(['received', 'recipients_resolved', 'awaiting_confirmation', 'expired']);
      expect((await h.request({ method: 'POST', url: '/v1/events/confirm-expire/decision', payload: { approve: true, by: 'x' } })).statusCode).toBe(409);
      await saveHistory(h, workflowId, 'confirm-expired-send-local');
    });
  });

  describe('events tracked by manager (R14)', () => {
    beforeAll(async () => {
      await putNoticeType(h, 'test.tracked', { trackedByManager: true });
      await putNoticeType(h, 'test.untracked', { trackedByManager: false });
      await putClient(h, 'optout-client', [{ name: 'Анна', telegramChatId: '6001', phone: '+79160000001' }], {
        overrides: { 'test.tracked': { send: false }, 'test.untracked': { send: false } },
      });
    });

    it('journals not_sent_tracked; the manager sends it by hand once, then changes its status with who and a comment', async () => {
      const { workflowId } = await postEvent(h, { id: 'tracked-1', type: 'test.tracked', counterpartyId: 'optout-client', data: { n: 'ЗК-20' } });
      expect((await result(workflowId)).outcome).toBe('completed');
      expect(sentTo('6001')).toHaveLength(0);
      const tracked = (await journalOf(h, 'tracked-1')).find((e) => e.status === 'not_sent_tracked')!;
      expect(tracked).toMatchObject({ channel: 'telegram', recipient: '6001', body: 'Telegram: заказ ЗК-20 готов, Анна' });
      await saveHistory(h, workflowId, 'tracked-opted-out-send-local');

      const manual = await h.request({ method: 'POST', url: `/v1/journal/${tracked.id}/send`, payload: { comment: 'клиент попросил' } });
      expect(manual.statusCode, manual.body).toBe(200);
      expect(manual.json().status).toBe('sent');
      expect(sentTo('6001').map((m) => m.text)).toEqual(['Telegram: заказ ЗК-20 готов, Анна']);
      const again = await h.request({ method: 'POST', url: `/v1/journal/${tracked.id}/send` });
      expect(again.statusCode).toBe(409);
      expect(sentTo('6001')).toHaveLength(1);

      const manualSent = (await journalOf(h, 'tracked-1')).find((e) => e.status === 'sent')!;
      expect(manualSent).toMatchObject({ channel: 'telegram', recipient: '6001' });
      expect(manualSent.details).toMatchObject({ manualOf: tracked.id });

      const patch = await h.request({ method: 'PATCH', url: `/v1/journal/${tracked.id}`, payload: { status: 'resolved', comment: 'отправлено вручную' } });
      expect(patch.statusCode, patch.body).toBe(200);
      expect(patch.json().status).toBe('resolved');
      const change = (await journalOf(h, 'tracked-1')).find((e) => e.status === 'status_changed')!;
      expect(change.reason).toBe('Статус изменён: не отправлено, на контроле у менеджера → решено менеджером. Комментарий: отправлено вручную');
      expect(change.details).toMatchObject({ entryId: tracked.id, from: 'not_sent_tracked', to: 'resolved', comment: 'отправлено вручную' });
      expect(String((change.details as { by: string }).by)).toMatch(/^key:\d+ /);
    });

    it('in test mode, a manual send journals the message as test and sends nothing', async () => {
      const { workflowId } = await postEvent(h, { id: 'tracked-test-mode', type: 'test.tracked', counterpartyId: 'optout-client', data: { n: 'ЗК-22' } });
      await result(workflowId);
      const tracked = (await journalOf(h, 'tracked-test-mode')).find((e) => e.status === 'not_sent_tracked')!;
      const before = telegram.sent.length;
      await h.setMode('test');
      try {
        const manual = await h.request({ method: 'POST', url: `/v1/journal/${tracked.id}/send` });
        expect(manual.statusCode, manual.body).toBe(200);
        expect(manual.json().status).toBe('test');
      } finally {
        await h.setMode('live');
      }
      expect(telegram.sent.length).toBe(before);
      const test = (await journalOf(h, 'tracked-test-mode')).find((e) => e.status === 'test')!;
      expect(test).toMatchObject({ channel: 'telegram', recipient: '6001', body: 'Telegram: заказ ЗК-22 готов, Анна' });
    });

    it('journals skipped "client opted out" when the event type is not tracked', async () => {
      const { workflowId } = await postEvent(h, { id: 'untracked-1', type: 'test.untracked', counterpartyId: 'optout-client', data: { n: 'ЗК-21' } });
      await result(workflowId);
      const skipped = (await journalOf(h, 'untracked-1')).filter((e) => e.status === 'skipped');
      expect(skipped.map((e) => e.reason)).toEqual(['Клиент отключил это уведомление']);
      expect(sentTo('6001')).toHaveLength(1);
    });
  });

  describe('fallback from Telegram to SMS (R6)', () => {
    beforeAll(async () => {
      await putNoticeType(h, 'test.notice');
    });

    it('sends an SMS to a client who is not subscribed to the bot, and the receipt marks it delivered', async () => {
      await putClient(h, 'fb-unsubscribed', [{ name: 'Борис', phone: '+79160000010' }]);
      const { workflowId } = await postEvent(h, { id: 'fb-1', type: 'test.notice', counterpartyId: 'fb-unsubscribed', data: { n: 'ЗК-30' } });
      const outcome = await result(workflowId);
      expect(outcome.outcome).toBe('completed');
      expect(smsTo('+79160000010').map((m) => m.text)).toEqual(['SMS: заказ ЗК-30 готов']);
      const story = storyOf(await journalOf(h, 'fb-1'), 'Борис');
      expect(story).toEqual(['fallback telegram', 'rendered sms', 'sent sms']);
      const fallback = (await journalOf(h, 'fb-1')).find((e) => e.status === 'fallback')!;
      expect(fallback.reason).toBe('Telegram → SMS: Не подписан на бота');
      await until(async () => ((await journalOf(h, 'fb-1')).some((e) => e.status === 'delivered') ? true : undefined), 'delivery receipt');
      await saveHistory(h, workflowId, 'fallback-not-subscribed-send-local');
    });

    it('sends an SMS after exactly one Telegram attempt when the client blocked the bot', async () => {
      await putClient(h, 'fb-blocked', [{ name: 'Вера', telegramChatId: '7001', phone: '+79160000011' }]);
      telegram.failFor('7001', { code: 403 });
      const { workflowId } = await postEvent(h, { id: 'fb-2', type: 'test.notice', counterpartyId: 'fb-blocked', data: { n: 'ЗК-31' } });
      expect((await result(workflowId)).outcome).toBe('completed');
      expect(telegramCallsTo('7001')).toHaveLength(1);
      expect(smsTo('+79160000011').map((m) => m.text)).toEqual(['SMS: заказ ЗК-31 готов']);
      const entries = await journalOf(h, 'fb-2');
      expect(storyOf(entries, 'Вера')).toEqual(['rendered telegram', 'attempt_failed telegram', 'fallback telegram', 'rendered sms', 'sent sms']);
      const failed = entries.find((e) => e.status === 'attempt_failed')!;
      expect(failed.attempt).toBe(1);
      expect(failed.reason).toMatch(/^Бот заблокирован: .*blocked/);
      await saveHistory(h, workflowId, 'fallback-blocked-send-local');
    });

    it('sends an SMS when a Telegram outage outlasts the retry budget, journaling every attempt', async () => {
      await putClient(h, 'fb-outage', [{ name: 'Глеб', telegramChatId: '7002', phone: '+79160000012' }]);
      telegram.failFor('7002', { code: 500 });
      const { workflowId } = await postEvent(h, { id: 'fb-3', type: 'test.notice', counterpartyId: 'fb-outage', data: { n: 'ЗК-32' } });
      expect((await result(workflowId)).outcome).toBe('completed');
      expect(telegramCallsTo('7002')).toHaveLength(4);
      expect(smsTo('+79160000012')).toHaveLength(1);
      const entries = await journalOf(h, 'fb-3');
      expect(storyOf(entries, 'Глеб')).toEqual([
        'rendered telegram',
        'attempt_failed telegram',
        'attempt_failed telegram',
        'attempt_failed telegram',
        'attempt_failed telegram',
        'fallback telegram',
        'rendered sms',
        'sent sms',
      ]);
      expect(entries.filter((e) => e.status === 'attempt_failed').map((e) => e.attempt)).toEqual([1, 2, 3, 4]);
      await saveHistory(h, workflowId, 'fallback-outage-send-local');
    }, 90_000);

    it('waits the retry_after of a 429 and then delivers on Telegram, with no SMS', async () => {
      await putClient(h, 'fb-ratelimit', [{ name: 'Дина', telegramChatId: '7003', phone: '+79160000013' }]);
      telegram.failFor('7003', { code: 429, retryAfter: 2, times: 1 });
      const { workflowId } = await postEvent(h, { id: 'fb-4', type: 'test.notice', counterpartyId: 'fb-ratelimit', data: { n: 'ЗК-33' } });
      expect((await result(workflowId)).outcome).toBe('completed');
      expect(sentTo('7003')).toHaveLength(1);
      expect(smsTo('+79160000013')).toHaveLength(0);
      const entries = await journalOf(h, 'fb-4');
      expect(storyOf(entries, 'Дина')).toEqual(['rendered telegram', 'attempt_failed telegram', 'sent telegram']);
      const failedAt = entries.find((e) => e.status === 'attempt_failed')!.createdAt.getTime();
      const sent = entries.find((e) => e.status === 'sent')!;
      expect(sent.attempt).toBe(2);
      const waited = sent.createdAt.getTime() - failedAt;
      expect(waited).toBeGreaterThanOrEqual(1900);
      expect(waited).toBeLessThan(8000);
      await saveHistory(h, workflowId, 'telegram-rate-limited-send-local');
    });
  });

  it('shows the event as failed when no recipient could be reached', async () => {
    await putNoticeType(h, 'test.mail-only', { channels: ['email'] });
    await putClient(h, 'all-broken', [{ name: 'Единственный', email: 'broken@all.example' }]);
    const { workflowId } = await postEvent(h, { id: 'all-broken-1', type: 'test.mail-only', counterpartyId: 'all-broken', data: { n: 'ЗК-80' } });
    expect((await result(workflowId)).outcome).toBe('failed');
    const res = await h.request({ method: 'GET', url: '/v1/events/all-broken-1' });
    expect(res.json().state).toBe('failed');
  });

  it("uses one client's own template for that client only; another client keeps the event type's", async () => {
    await putNoticeType(h, 'test.override');
    await putClient(h, 'own-template', [{ name: 'Свой', telegramChatId: '7101' }], {
      overrides: { 'test.override': { templates: { telegram: { text: 'Лично для вас: заказ {{ n }}' } } } },
    });
    await putClient(h, 'default-template', [{ name: 'Обычный', telegramChatId: '7102' }]);
    const first = await postEvent(h, { id: 'override-1', type: 'test.override', counterpartyId: 'own-template', data: { n: 'ЗК-60' } });
    const second = await postEvent(h, { id: 'override-2', type: 'test.override', counterpartyId: 'default-template', data: { n: 'ЗК-61' } });
    await Promise.all([result(first.workflowId), result(second.workflowId)]);
    expect(sentTo('7101').map((m) => m.text)).toEqual(['Лично для вас: заказ ЗК-60']);
    expect(sentTo('7102').map((m) => m.text)).toEqual(['Telegram: заказ ЗК-61 готов, Обычный']);
  });

  it('delivers to the other recipients and ends partial when one of three has a broken address', async () => {
    await putNoticeType(h, 'test.mail', { channels: ['email'] });
    await putClient(h, 'partial-client', [
      { name: 'Первый', email: 'first@partial.example' },
      { name: 'Сломанный', email: 'broken@partial.example' },
      { name: 'Третий', email: 'third@partial.example' },
    ]);
    const before = h.smtp.messages.length;
    const { workflowId } = await postEvent(h, { id: 'partial-1', type: 'test.mail', counterpartyId: 'partial-client', data: { n: 'ЗК-40' } });
    const outcome = await result(workflowId);
    expect(outcome.outcome).toBe('partial');
    const delivered = h.smtp.messages.slice(before).flatMap((m) => m.to).sort();
    expect(delivered).toEqual(['first@partial.example', 'third@partial.example']);
    const entries = await journalOf(h, 'partial-1');
    expect(storyOf(entries, 'Сломанный')).toEqual(['rendered email', 'attempt_failed email', 'failed email']);
    expect(entries.find((e) => e.status === 'failed')!.reason).toMatch(/550/);
    expect(entries.at(-1)).toMatchObject({ status: 'completed', reason: 'Часть сообщений не отправлена', details: { outcome: 'partial' } });
    await saveHistory(h, workflowId, 'partial-broken-address-send-local');
  });

  it('journals a recipient with no usable address as skipped "no address", and still delivers to the others', async () => {
    await putClient(h, 'no-address', [{ name: 'Без адреса' }, { name: 'С телефоном', phone: '+79160000300' }]);
    const { workflowId } = await postEvent(h, { id: 'no-address-1', type: 'test.notice', counterpartyId: 'no-address', data: { n: 'ЗК-70' } });
    expect((await result(workflowId)).outcome).toBe('completed');
    const entries = await journalOf(h, 'no-address-1');
    expect(storyOf(entries, 'Без адреса')).toEqual(['skipped']);
    expect(entries.find((e) => e.recipientName === 'Без адреса')!.reason).toBe('Нет адреса');
    expect(smsTo('+79160000300')).toHaveLength(1);
  });

  describe('the journal API (R15)', () => {
    type Entry = { id: number; eventId: string; counterpartyId: string; eventType: string; channel: string | null; status: string; createdAt: string };
    const list = async (query: string) => {
      const res = await h.request({ method: 'GET', url: `/v1/journal?${query}` });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { items: Entry[]; next: number | null };
    };

    it('filters by client, event type, channel, status and period, newest first', async () => {
      const byClient = await list('counterpartyId=fb-blocked&limit=100');
      expect(byClient.items.length).toBeGreaterThan(0);
      expect(byClient.items.every((e) => e.counterpartyId === 'fb-blocked')).toBe(true);
      const ids = byClient.items.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));

      const smsSent = await list('channel=sms&status=sent&limit=100');
      expect(smsSent.items.length).toBeGreaterThan(0);
      expect(smsSent.items.every((e) => e.channel === 'sms' && e.status === 'sent')).toBe(true);

      const byType = await list('eventType=test.confirm&status=approved');
      expect(byType.items.map((e) => e.eventId)).toEqual(['confirm-then-off', 'confirm-approve']);

      const future = await list(`from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`);
      expect(future.items).toEqual([]);
      const past = await list(`to=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`);
      expect(past.items).toEqual([]);
    });

    it('pages with a cursor without losing or repeating entries', async () => {
      const all = await list('limit=500');
      const seen: number[] = [];
      let cursor: number | null = null;
      do {
        const page = await list(`limit=7${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.items.length).toBeLessThanOrEqual(7);
        seen.push(...page.items.map((e) => e.id));
        cursor = page.next;
      } while (cursor !== null);
      expect(seen).toEqual(all.items.map((e) => e.id));
    });

    it('answers 400 naming the field for a bad filter', async () => {
      const res = await h.request({ method: 'GET', url: '/v1/journal?channel=fax&from=yesterday' });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details.map((d: { path: string }) => d.path).sort()).toEqual(['/querystring/channel', '/querystring/from']);
    });
  });
});
