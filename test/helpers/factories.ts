import { randomUUID } from 'node:crypto';

export interface EventBody {
  id: string;
  type: string;
  counterpartyId: string;
  data: Record<string, unknown>;
  occurredAt?: string;
}

/** A valid event of the seeded demo company, with Cyrillic data; override what a test is about. */
export function buildEvent(overrides: Partial<EventBody> = {}): EventBody {
  return {
    id: `evt-${randomUUID()}`,
    type: 'order.ready_for_pickup',
    counterpartyId: 'demo-client',
    data: {
      orderNumber: 'ЗК-000123',
      total: '15 480,00',
      warehouse: 'Склад на Складской, 5',
      pickupUntil: '30.11.2026',
    },
    ...overrides,
  };
}
