import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmsc, type Smsc } from '../../src/dev/peers/smsc';
import { startTelegramBotApi, type TelegramBotApiPeer } from '../../src/dev/peers/telegram-bot-api';
import { createHarness, type Harness } from '../helpers/harness';
import { journalOf, postEvent, putClient, putNoticeType } from '../helpers/scenario';

/**
 * Finding 9: a worker that dies after the provider accepted a message and
 * before the journal's `sent` entry. The fault hook fails the send activity
 * exactly there (the first attempt of each listed channel), as a crash would:
 * nothing after the provider's answer runs, and Temporal retries.
 */
describe('the duplicate window: the provider took the message, the worker died before journaling it', () => {
  let h: Harness;
  let smsc: Smsc;
  let telegram: TelegramBotApiPeer;
  const crashed: string[] = [];
  /** Channels whose first attempt dies after the provider's acceptance. */
  const crashOn = new Set<string>();

  beforeAll(async () => {
    smsc = await startSmsc({ receipts: 'none' });
    telegram = await startTelegramBotApi({ botUsername: 'demo_window_bot' });
    h = await createHarness({
      mode: 'live',
      smsUrl: `${smsc.url}?source=NOTIFY`,
      telegramApiRoot: telegram.apiRoot,
      faults: {
        afterProviderAccepted: ({ channel, attempt }) => {
          if (attempt === 1 && crashOn.has(channel)) {
            crashed.push(channel);
            throw new Error(`fault injected: ${channel} worker lost after the provider accepted`);
          }
        },
      },
    });
    const settings = await h.request({ method: 'PUT', url: '/v1/settings', payload: { telegram: { botToken: telegram.token, botUsername: 'demo_window_bot' } } });
    expect(settings.statusCode, settings.body).toBe(200);
    await putNoticeType(h, 'test.sms-window', { channels: ['sms'] });
    await putNoticeType(h, 'test.tg-window', { channels: ['telegram', 'sms'] });
    await putNoticeType(h, 'test.tg-resend', { channels: ['telegram', 'sms'], resendWhenUnknown: true });
    await putClient(h, 'window-sms', [{ name: 'Вера', phone: '+79160000301' }]);
    await putClient(h, 'window-tg', [{ name: 'Глеб', telegramChatId: '7301', phone: '+79160000302' }]);
  });
  afterAll(async () => {
    await h?.close();
    await smsc?.stop();
    await telegram?.stop();
  });

  it('SMS (a multipart one): the retry asks the SMSC by query_sm and journals sent; the SMSC got the message once', async () => {
    crashOn.clear();
    crashOn.add('sms');
    const n = 'ЗК-301 — длинный номер заказа, чтобы сообщение не уместилось в одну часть SMS в кодировке UCS-2';
    const { workflowId } = await postEvent(h, { id: 'window-sms-1', type: 'test.sms-window', counterpartyId: 'window-sms', data: { n } });
    const result = await h.temporal.workflow.getHandle(workflowId).result();
    expect(crashed).toContain('sms');
    expect(result.outcome).toBe('completed');

    const toPhone = smsc.messages().filter((m) => m.destination === '79160000301');
    expect(toPhone).toHaveLength(1);
    expect(toPhone[0]).toMatchObject({ complete: true, total: 2, text: `SMS: заказ ${n} готов` });
    expect(smsc.submits.filter((s) => s.destination === '79160000301')).toHaveLength(2);
    // The retry asked about the first part's id instead of submitting again.
    expect(smsc.queries).toEqual([toPhone[0]!.messageIds[0]]);

    const journal = await journalOf(h, 'window-sms-1');
    const sent = journal.filter((e) => e.status === 'sent');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ channel: 'sms', providerMessageId: toPhone[0]!.messageIds[0], attempt: 2 });
    expect(journal.some((e) => e.status === 'unknown')).toBe(false);
  }, 60_000);

  it('Telegram: the retry journals unknown with its Russian label and does not send again, nor falls back to SMS', async () => {
    crashOn.clear();
    crashOn.add('telegram');
    const before = telegram.sent.length;
    const submitsBefore = smsc.submits.length;
    const { workflowId } = await postEvent(h, { id: 'window-tg-1', type: 'test.tg-window', counterpartyId: 'window-tg', data: { n: 'ЗК-302' } });
    const result = await h.temporal.workflow.getHandle(workflowId).result();
    expect(result.deliveries).toEqual([expect.objectContaining({ channel: 'telegram', status: 'unknown' })]);

    expect(telegram.sent.slice(before).filter((m) => m.chatId === '7301')).toHaveLength(1);
    expect(smsc.submits.length).toBe(submitsBefore);
    const journal = await journalOf(h, 'window-tg-1');
    expect(journal.filter((e) => e.status === 'sent')).toHaveLength(0);
    expect(journal.filter((e) => e.status === 'unknown')).toEqual([expect.objectContaining({ channel: 'telegram', recipient: '7301', attempt: 2 })]);

    const res = await h.request({ method: 'GET', url: '/v1/messages?eventId=window-tg-1' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items).toEqual([expect.objectContaining({ status: 'unknown', statusLabel: 'неизвестно, ушло ли сообщение', channel: 'telegram' })]);
    // Not knowing whether it went is no success: the event ends partial, so people look at it.
    expect(result.outcome).toBe('partial');
    const event = await h.request({ method: 'GET', url: '/v1/events/window-tg-1' });
    expect(event.json()).toMatchObject({ state: 'partial' });
  }, 60_000);

  it('Telegram with resendWhenUnknown on the event type: sent again (at least once), journaled sent once', async () => {
    crashOn.clear();
    crashOn.add('telegram');
    const before = telegram.sent.length;
    const { workflowId } = await postEvent(h, { id: 'window-tg-2', type: 'test.tg-resend', counterpartyId: 'window-tg', data: { n: 'ЗК-303' } });
    const result = await h.temporal.workflow.getHandle(workflowId).result();
    expect(result.deliveries).toEqual([expect.objectContaining({ channel: 'telegram', status: 'sent' })]);
    expect(telegram.sent.slice(before).filter((m) => m.chatId === '7301')).toHaveLength(2);
    const journal = await journalOf(h, 'window-tg-2');
    expect(journal.filter((e) => e.status === 'sent')).toHaveLength(1);
    expect((await h.request({ method: 'GET', url: '/v1/event-types/test.tg-resend' })).json()).toMatchObject({ resendWhenUnknown: true });
  }, 60_000);

  it('multipart SMS whose second part is refused: sent again whole, and the journal says the first part went twice', async () => {
    crashOn.clear();
    // ESME_RSYSERR (0x08): a transient refusal, retried.
    smsc.failPart(2, 0x08);
    const n = 'ЗК-305 — длинный номер заказа, чтобы сообщение не уместилось в одну часть SMS в кодировке UCS-2';
    const before = smsc.submits.length;
    const { workflowId } = await postEvent(h, { id: 'window-sms-3', type: 'test.sms-window', counterpartyId: 'window-sms', data: { n } });
    const result = await h.temporal.workflow.getHandle(workflowId).result();
    expect(result.deliveries).toEqual([expect.objectContaining({ channel: 'sms', status: 'sent' })]);

    // The SMSC took part 1 twice (once before the refusal, once with the whole message again) and part 2 once.
    const submits = smsc.submits.slice(before).filter((s) => s.destination === '79160000301');
    expect(submits.map((s) => s.udh?.seq)).toEqual([1, 1, 2]);
    const journal = await journalOf(h, 'window-sms-3');
    expect(journal.filter((e) => e.status === 'attempt_failed')).toEqual([expect.objectContaining({ attempt: 1, details: expect.objectContaining({ partsAccepted: 1, parts: 2 }) })]);
    const sent = journal.filter((e) => e.status === 'sent');
    expect(sent).toEqual([expect.objectContaining({ attempt: 2, details: expect.objectContaining({ partsSentTwice: 1, parts: 2 }) })]);
  }, 90_000);

  it('SMS whose SMSC link drops before the answer: journaled unknown, not submitted again', async () => {
    crashOn.clear();
    // The SMSC takes the submit and the link goes before its answer reaches the worker.
    smsc.dropAfterNextSubmit();
    const { workflowId } = await postEvent(h, { id: 'window-sms-2', type: 'test.sms-window', counterpartyId: 'window-sms', data: { n: 'ЗК-304' } });
    const result = await h.temporal.workflow.getHandle(workflowId).result();
    expect(result.deliveries).toEqual([expect.objectContaining({ channel: 'sms', status: 'unknown' })]);
    expect(smsc.messages().filter((m) => m.text === 'SMS: заказ ЗК-304 готов')).toHaveLength(1);
    const journal = await journalOf(h, 'window-sms-2');
    expect(journal.filter((e) => e.status === 'unknown')).toHaveLength(1);
    expect(journal.filter((e) => e.status === 'sent')).toHaveLength(0);
    expect(result.outcome).toBe('partial');
  }, 90_000);
});
