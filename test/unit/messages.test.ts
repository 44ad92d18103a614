import { describe, expect, it } from 'vitest';
import { buildMessages, explainReason, messageStepOf, type MessageStepEntry } from '../../src/domain/messages';

const WF = 'event:acme:order/1';
let nextId = 1;
function entry(step: string, status: string, fields: Partial<MessageStepEntry> = {}): MessageStepEntry {
  const id = nextId++;
  return {
    id,
    eventId: 'order/1',
    eventType: 'order.ready',
    counterpartyId: 'c-1',
    workflowId: WF,
    stepKey: `${WF}/${step}`,
    status,
    audience: 'client',
    channel: null,
    recipient: null,
    recipientName: 'Борис',
    provider: null,
    providerMessageId: null,
    reason: null,
    details: null,
    createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, id)),
    ...fields,
  };
}

describe('message steps', () => {
  it('finds the recipient and channel of a step even when the event id holds a slash, and ignores event-level steps', () => {
    expect(messageStepOf(entry('client:contact-1/sms/sent', 'sent'))).toEqual({ deliveryKey: 'client:contact-1', channel: 'sms', step: 'sent' });
    expect(messageStepOf(entry('client:contact-1/skipped', 'skipped'))).toEqual({ deliveryKey: 'client:contact-1', channel: null, step: 'skipped' });
    expect(messageStepOf(entry('received', 'received'))).toBeUndefined();
    expect(messageStepOf(entry('client:contact-1/tracked/status/1', 'status_changed'))).toBeUndefined();
    // A manager's manual send is a message of its own (R14).
    expect(messageStepOf({ ...entry('x/sms/sent', 'sent'), workflowId: 'manual-send:acme:5', stepKey: 'manual-send:acme:5/x/sms/sent' })).toEqual({ deliveryKey: 'x', channel: 'sms', step: 'sent' });
    expect(messageStepOf({ ...entry('x/sms/sent', 'sent'), workflowId: 'test-message:acme:5', stepKey: 'test-message:acme:5/x/sms/sent' })).toBeUndefined();
  });
});

describe('reasons in words', () => {
  it('translates the known reasons and keeps unknown ones as "other"', () => {
    expect(explainReason('not subscribed to the Telegram bot')).toEqual({ code: 'not_subscribed', text: 'не подписан на бота' });
    expect(explainReason('Forbidden: bot was blocked by the user')?.code).toBe('blocked');
    expect(explainReason('whatever the bot api said', 'BlockedError')?.code).toBe('blocked');
    expect(explainReason('no address')?.code).toBe('no_address');
    expect(explainReason('no sms template')?.code).toBe('no_template');
    expect(explainReason('client opted out')?.code).toBe('opted_out');
    expect(explainReason('test mode: rendered, not sent')?.code).toBe('test_mode');
    expect(explainReason('SMTP server refused the message: 550 5.1.1 mailbox unavailable')?.code).toBe('rejected');
    expect(explainReason('connect ECONNREFUSED 127.0.0.1:2775')?.code).toBe('provider_unavailable');
    expect(explainReason('something new')).toEqual({ code: 'other', text: 'другая причина' });
    expect(explainReason(null)).toBeNull();
  });
});

describe('one row per message', () => {
  it('tells a Telegram→SMS fallback as one story that ends delivered', () => {
    const entries = [
      entry('received', 'received'),
      entry('client:contact-1/telegram/fallback', 'fallback', { channel: 'telegram', reason: 'telegram → sms: not subscribed to the Telegram bot' }),
      entry('client:contact-1/sms/rendered', 'rendered', { channel: 'sms', recipient: '+79160000010' }),
      entry('client:contact-1/sms/sent', 'sent', { channel: 'sms', recipient: '+79160000010', provider: 'smpp', providerMessageId: 'm-1' }),
      entry('completed', 'completed'),
      entry('client:contact-1/sms/delivered', 'delivered', { channel: 'sms', recipient: '+79160000010', provider: 'smpp', providerMessageId: 'm-1', details: { reportedAt: '2024-02-01T00:00:00.000Z' } }),
    ];
    const messages = buildMessages(entries);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      id: `${WF}/client:contact-1`,
      recipientName: 'Борис',
      recipient: '+79160000010',
      channel: 'sms',
      status: 'delivered',
      statusLabel: 'доставлено',
      attempts: 1,
      provider: 'smpp',
      providerMessageId: 'm-1',
      reasonCode: null,
      story: 'Telegram: не подписан на бота → SMS: доставлено',
    });
    expect(messages[0]!.deliveredAt?.toISOString()).toBe('2024-02-01T00:00:00.000Z');
    expect(messages[0]!.legs.map((l) => [l.channel, l.status, l.reasonCode, l.rawReason])).toEqual([
      ['telegram', 'fallback', 'not_subscribed', 'not subscribed to the Telegram bot'],
      ['sms', 'delivered', null, null],
    ]);
  });

  it('counts a blocked bot as one attempt before the SMS and reads "бот заблокирован"', () => {
    const [m] = buildMessages([
      entry('client:contact-2/telegram/rendered', 'rendered', { channel: 'telegram', recipient: '7001' }),
      entry('client:contact-2/telegram/attempt-1', 'attempt_failed', { channel: 'telegram', recipient: '7001', reason: 'Forbidden: bot was blocked by the user' }),
      entry('client:contact-2/telegram/fallback', 'fallback', { channel: 'telegram', recipient: '7001', reason: 'telegram → sms: Forbidden: bot was blocked by the user', details: { type: 'BlockedError' } }),
      entry('client:contact-2/sms/sent', 'sent', { channel: 'sms', recipient: '+79160000011' }),
    ]);
    expect(m).toMatchObject({ status: 'sent', attempts: 2, channel: 'sms', story: 'Telegram: бот заблокирован → SMS: отправлено' });
  });

  it('gives each recipient its own row, newest first, and explains a skip and a failure after every channel', () => {
    const messages = buildMessages([
      entry('client:contact-3/email/sent', 'sent', { channel: 'email', recipientName: 'Анна', recipient: 'anna@x.example' }),
      entry('client:contact-4/skipped', 'skipped', { recipientName: 'Без адреса', reason: 'no address' }),
      entry('client:contact-5/telegram/fallback', 'fallback', { channel: 'telegram', recipientName: 'Вера', reason: 'telegram → sms: not subscribed to the Telegram bot' }),
      entry('client:contact-5/sms/attempt-1', 'attempt_failed', { channel: 'sms', recipientName: 'Вера', reason: 'SMSC refused the message: ESME_RSUBMITFAIL' }),
      entry('client:contact-5/sms/failed', 'failed', { channel: 'sms', recipientName: 'Вера', reason: 'SMSC refused the message: ESME_RSUBMITFAIL', details: { type: 'RejectedError' } }),
    ]);
    expect(messages.map((m) => [m.recipientName, m.status, m.reasonCode])).toEqual([
      ['Вера', 'failed', 'rejected'],
      ['Без адреса', 'skipped', 'no_address'],
      ['Анна', 'sent', null],
    ]);
    expect(messages[0]!.story).toBe('Telegram: не подписан на бота → SMS: ошибка отправки (отклонено сервером)');
    expect(messages[0]!.rawReason).toBe('SMSC refused the message: ESME_RSUBMITFAIL');
    expect(messages[1]!.story).toBe('не отправлялось: нет адреса');
  });

  it('ends a message whose every channel gave way with the reason of the whole', () => {
    const [m] = buildMessages([
      entry('client:contact-6/telegram/fallback', 'fallback', { channel: 'telegram', reason: 'telegram → sms: not subscribed to the Telegram bot' }),
      entry('client:contact-6/failed', 'failed', { reason: 'undefined variable: n', details: null }),
    ]);
    expect(m).toMatchObject({ status: 'failed', channel: 'telegram', reasonCode: 'template_error' });
    expect(m!.story).toBe('Telegram: не подписан на бота → ошибка отправки: ошибка в шаблоне');
  });
});
