import { describe, expect, it } from 'vitest';
import { eventRunDetails, eventRunSummary } from '../../src/temporal/summaries';

const ids = { companyId: 'demo', eventId: 'order-1', eventType: 'order.ready_for_pickup', counterpartyId: 'demo-client' };

describe('the summary of an event run in the Temporal UI', () => {
  it('names the event type in Russian with its code and the client by name', () => {
    expect(eventRunSummary({ ...ids, typeName: 'Заказ готов к выдаче', counterpartyName: 'ООО «Ромашка»' })).toBe(
      'Заказ готов к выдаче (order.ready_for_pickup) → ООО «Ромашка»',
    );
  });

  it('falls back to the ids when the names are unknown or blank', () => {
    expect(eventRunSummary(ids)).toBe('order.ready_for_pickup → demo-client');
    expect(eventRunSummary({ ...ids, typeName: '  ', counterpartyName: '' })).toBe('order.ready_for_pickup → demo-client');
  });

  it('stays on one line and within the size the server accepts', () => {
    const summary = eventRunSummary({ ...ids, typeName: 'Заказ\nготов', counterpartyName: 'Я'.repeat(500) });
    expect(summary).not.toMatch(/\n/);
    expect(summary.startsWith('Заказ готов (order.ready_for_pickup) → ЯЯЯ')).toBe(true);
    expect(new TextEncoder().encode(summary).length).toBeLessThanOrEqual(400);
    const long = eventRunSummary({ ...ids, eventType: 'x'.repeat(600) });
    expect(new TextEncoder().encode(long).length).toBeLessThanOrEqual(400);
    expect(long.endsWith('…')).toBe(true);
  });

  it('details the run with the event, company, type and client ids', () => {
    const details = eventRunDetails({ ...ids, typeName: 'Заказ готов к выдаче' });
    expect(details).toBe(
      ['Событие `order-1` компании `demo`', 'Тип: Заказ готов к выдаче (`order.ready_for_pickup`)', 'Клиент: `demo-client`'].join('\n'),
    );
  });
});
