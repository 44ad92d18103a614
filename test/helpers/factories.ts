import { randomUUID } from 'node:crypto';
import type { PlanInputs, TemplateRow } from '../../src/domain/plan';

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

type PlanEventType = NonNullable<PlanInputs['eventType']>;

/** The rows about one event as `buildPlan` receives them: one client with one contact reachable on every channel. */
export function buildPlanInputs(
  overrides: Partial<Omit<PlanInputs, 'eventType'>> & { eventType?: Partial<PlanEventType> | undefined } = {},
): PlanInputs {
  const { eventType, ...rest } = overrides;
  return {
    company: { name: 'ООО «Автозапчасти»', mode: 'live', emailFrom: 'notify@parts.example', emailFromName: 'Автозапчасти', reserveChannel: 'sms' },
    eventType:
      'eventType' in overrides && eventType === undefined
        ? undefined
        : {
            type: 'order.ready_for_pickup',
            active: true,
            confirmBeforeSend: false,
            confirmTimeoutSeconds: 86_400,
            sendToClient: true,
            sendToManager: false,
            trackedByManager: false,
            emailDelivery: 'immediate',
            channels: ['email'],
            managerChannels: ['sms', 'email'],
            ...eventType,
          },
    counterparty: { id: 'client-1', name: 'ООО «Ромашка»' },
    manager: { id: 'manager-1', name: 'Ольга Соколова', email: 'o.sokolova@parts.example', phone: '+79031234567', telegramChatId: null },
    templates: (['email', 'sms', 'telegram'] as const).flatMap((channel) =>
      (['client', 'manager'] as const).map((audience) => buildTemplateRow({ audience, channel })),
    ),
    override: { send: true, templates: {}, attachments: null },
    contacts: [{ id: 7, name: 'Иван Петров', email: 'ivan@romashka.example', phone: '+79161234567', telegramChatId: '555' }],
    ...rest,
  };
}

export function buildTemplateRow(overrides: Partial<TemplateRow> & Pick<TemplateRow, 'audience' | 'channel'>): TemplateRow {
  return {
    subject: overrides.channel === 'email' ? 'Заказ {{ orderNumber }} готов' : null,
    html: null,
    text: `${overrides.audience} ${overrides.channel}: заказ {{ orderNumber }}`,
    fromName: null,
    attachments: [],
    extraRecipients: [],
    ...overrides,
  };
}
