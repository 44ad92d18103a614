import { describe, expect, it } from 'vitest';
import { buildPlan, type PlannedDelivery } from '../../src/domain/plan';
import {
  eventOutcome,
  nextUsableRoute,
  noUsableRouteReason,
  optedOutDecision,
  queuesAfterFailure,
  unusableRouteReason,
  usableRoutes,
  waitsForDispatch,
} from '../../src/domain/routing';
import { buildPlanInputs, buildTemplateRow } from '../helpers/factories';

const event = { eventType: 'order.ready_for_pickup', counterpartyId: 'client-1' };

function delivery(overrides: Parameters<typeof buildPlanInputs>[0] = {}): PlannedDelivery {
  const d = buildPlan(event, buildPlanInputs(overrides)).deliveries[0];
  if (!d) throw new Error('no delivery planned');
  return d;
}

const unsubscribed = [{ id: 7, name: 'Иван Петров', email: 'ivan@romashka.example', phone: '+79161234567', telegramChatId: null }];

describe('routes of one recipient', () => {
  it('when the client is not subscribed to the bot, Telegram is skipped and the SMS reserve is the first route tried', () => {
    const d = delivery({ eventType: { channels: ['telegram'] }, contacts: unsubscribed });
    expect(usableRoutes(d).map((r) => r.channel)).toEqual(['sms']);
    expect(unusableRouteReason(d.routes[0]!)).toBe('Не подписан на бота');
    expect(nextUsableRoute(d, 0)).toEqual({ channel: 'sms', address: '+79161234567' });
  });

  it('falls back from a failed Telegram send to SMS, and from SMS to nothing', () => {
    const d = delivery({ eventType: { channels: ['telegram'] } });
    expect(nextUsableRoute(d, 0)?.channel).toBe('sms');
    expect(nextUsableRoute(d, 1)).toBeUndefined();
  });

  it('names a missing address or a missing template as the reason a route is skipped', () => {
    const inputs = buildPlanInputs({ eventType: { channels: ['sms', 'email'] }, contacts: [{ ...unsubscribed[0]!, phone: null }] });
    inputs.templates = [buildTemplateRow({ audience: 'client', channel: 'sms' })];
    const d = buildPlan(event, inputs).deliveries[0]!;
    expect(unusableRouteReason(d.routes[0]!)).toBe('Нет адреса для SMS');
    expect(unusableRouteReason(d.routes[1]!)).toBe('Нет шаблона для E-mail');
    expect(usableRoutes(d)).toEqual([]);
    expect(noUsableRouteReason(d)).toBe('Нет шаблона ни для одного канала, где есть адрес');
  });

  it('says "no address" when the recipient has none on any route', () => {
    const d = delivery({ eventType: { channels: ['email', 'sms'] }, contacts: [{ id: 1, name: 'Без адресов', email: null, phone: null, telegramChatId: null }] });
    expect(noUsableRouteReason(d)).toBe('Нет адреса');
  });
});

describe('an opted-out client (R12, R14)', () => {
  const optedOut = { override: { send: false, templates: {}, attachments: null } };

  it('is skipped when the event type is not tracked by the manager', () => {
    expect(optedOutDecision(delivery(optedOut), false)).toEqual({ action: 'skip', reason: 'Клиент отключил это уведомление' });
  });

  it('is tracked on the first route that could have carried the message when the manager tracks the event type', () => {
    const d = delivery({ ...optedOut, eventType: { channels: ['telegram'] }, contacts: unsubscribed });
    expect(optedOutDecision(d, true)).toEqual({ action: 'track', route: { channel: 'sms', address: '+79161234567' } });
  });

  it('is skipped even when tracked if no route could have carried the message', () => {
    const d = delivery({ ...optedOut, contacts: [{ id: 1, name: 'Без адресов', email: null, phone: null, telegramChatId: null }] });
    expect(optedOutDecision(d, true)).toEqual({ action: 'skip', reason: 'Клиент отключил это уведомление' });
  });
});

describe('the e-mail outbox (R16)', () => {
  it('holds batched e-mail for the scheduled dispatch, and nothing else', () => {
    expect(waitsForDispatch('email', 'batched')).toBe(true);
    expect(waitsForDispatch('email', 'immediate')).toBe(false);
    expect(waitsForDispatch('sms', 'batched')).toBe(false);
  });

  it('queues an e-mail whose server stayed down when no channel is left, but not a refused one or one with a fallback', () => {
    expect(queuesAfterFailure('email', false, undefined)).toBe(true);
    expect(queuesAfterFailure('email', true, undefined)).toBe(false);
    expect(queuesAfterFailure('email', false, { channel: 'sms', address: '+79161234567' })).toBe(false);
    expect(queuesAfterFailure('sms', false, undefined)).toBe(false);
  });
});

describe('eventOutcome', () => {
  it('is completed when every attempted recipient got it (sent, test or queued), skipped and tracked ones aside', () => {
    expect(eventOutcome([{ status: 'sent' }, { status: 'queued' }, { status: 'skipped' }, { status: 'not_sent_tracked' }])).toBe('completed');
    expect(eventOutcome([{ status: 'test' }])).toBe('completed');
  });

  it('is partial when some failed and failed when all did', () => {
    expect(eventOutcome([{ status: 'sent' }, { status: 'failed' }])).toBe('partial');
    expect(eventOutcome([{ status: 'failed' }, { status: 'failed' }, { status: 'skipped' }])).toBe('failed');
  });

  it('is partial, never completed nor failed, when a message may or may not have gone (unknown)', () => {
    expect(eventOutcome([{ status: 'sent' }, { status: 'unknown' }])).toBe('partial');
    expect(eventOutcome([{ status: 'unknown' }])).toBe('partial');
    expect(eventOutcome([{ status: 'unknown' }, { status: 'failed' }])).toBe('partial');
  });
});
