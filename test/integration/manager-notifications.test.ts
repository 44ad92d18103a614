import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_CATALOG } from '../../src/db/seed/event-catalog';
import { startSmsc, type Smsc } from '../../src/dev/peers/smsc';
import { createHarness, type Harness } from '../helpers/harness';
import { journalOf, postEvent } from '../helpers/scenario';

/** The demo company's responsible manager of `demo-client` (src/db/seed). */
const MANAGER_PHONE = '79031234567';
const ERP_TYPES = EVENT_CATALOG.filter((e) => e.source === 'erp');

describe('send to the responsible manager (seed 002)', () => {
  let h: Harness;
  let smsc: Smsc;

  beforeAll(async () => {
    smsc = await startSmsc({ receipts: 'delivered' });
    h = await createHarness({ mode: 'live', smsUrl: `${smsc.url}?source=NOTIFY` });
  });
  afterAll(async () => {
    await h?.close();
    await smsc?.stop();
  });

  it('every ERP event, once "send to manager" is turned on, reaches the manager by SMS with the seeded text', async () => {
    expect(ERP_TYPES).toHaveLength(16);
    for (const eventType of ERP_TYPES) {
      const res = await h.request({ method: 'PUT', url: `/v1/event-types/${eventType.type}`, payload: { sendToManager: true, sendToClient: false } });
      expect(res.statusCode, `${eventType.type}: ${res.body}`).toBe(200);
      expect(res.json().managerChannels).toEqual(['sms', 'email']);
    }

    const started = await Promise.all(
      ERP_TYPES.map(async (eventType) => {
        const data = Object.fromEntries(eventType.variables.map((v) => [v.name, v.example]));
        const eventId = `manager-${eventType.type}`;
        const { workflowId } = await postEvent(h, { id: eventId, type: eventType.type, counterpartyId: 'demo-client', data });
        return { eventType: eventType.type, eventId, workflowId };
      }),
    );
    for (const { eventType, eventId, workflowId } of started) {
      const result = await h.temporal.workflow.getHandle(workflowId).result();
      expect(result, eventType).toMatchObject({ outcome: 'completed', deliveries: [{ audience: 'manager', channel: 'sms', status: 'sent' }] });
      const sent = (await journalOf(h, eventId)).find((e) => e.status === 'sent')!;
      expect(sent, eventType).toMatchObject({ audience: 'manager', channel: 'sms', recipient: '+79031234567', recipientName: 'Ольга Соколова' });
      expect(sent.body, eventType).toMatch(/[А-Яа-я]/);
      expect(sent.body, eventType).not.toMatch(/\{\{|\{%|  /);
      expect(smsc.messages().filter((m) => m.destination === MANAGER_PHONE).map((m) => m.text), eventType).toContain(sent.body);
    }
    expect(smsc.messages().filter((m) => m.destination === MANAGER_PHONE)).toHaveLength(16);
    const ready = (await journalOf(h, 'manager-order.ready_for_pickup')).find((e) => e.status === 'sent')!;
    expect(ready.body).toBe('Заказ ЗК-000123 (ООО «Ромашка») на 15 480,00 ₽ готов к выдаче');
  });

  it('gives an event type created through the API the seed\'s manager channels: SMS to the mobile first, e-mail as reserve', async () => {
    const created = await h.request({
      method: 'PUT',
      url: '/v1/event-types/custom.payment_received',
      payload: {
        name: 'Оплата получена',
        variables: [{ name: 'amount', description: 'Сумма', example: '1 500,00' }],
        channels: ['sms'],
        sendToClient: false,
        sendToManager: true,
        templates: { manager: { sms: { text: 'Оплата {{ amount }} ₽ от {{ client.name }}' }, email: { subject: 'Оплата', text: 'Оплата {{ amount }} ₽' } } },
      },
    });
    expect(created.statusCode, created.body).toBe(200);
    expect(created.json().managerChannels).toEqual(['sms', 'email']);
    expect((await h.request({ method: 'GET', url: '/v1/event-types/custom.payment_received' })).json().managerChannels).toEqual(['sms', 'email']);

    const { workflowId } = await postEvent(h, { id: 'manager-custom-1', type: 'custom.payment_received', counterpartyId: 'demo-client', data: { amount: '1 500,00' } });
    expect(await h.temporal.workflow.getHandle(workflowId).result()).toMatchObject({ deliveries: [{ audience: 'manager', channel: 'sms', status: 'sent' }] });
    const sent = (await journalOf(h, 'manager-custom-1')).find((e) => e.status === 'sent')!;
    expect(sent).toMatchObject({ channel: 'sms', recipient: '+79031234567', body: 'Оплата 1 500,00 ₽ от ООО «Ромашка»' });
  });

  it('refuses to turn "send to manager" on for a type without a manager template on any manager channel, naming what is missing', async () => {
    const res = await h.request({ method: 'PUT', url: '/v1/event-types/transport_request.checklist_event', payload: { sendToManager: true } });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error).toMatchObject({
      code: 'MANAGER_TEMPLATE_MISSING',
      details: [
        { path: '/body/sendToManager', message: 'needs a manager template for one of the manager channels (email); there is none' },
        { path: '/body/templates/manager/email', message: 'is missing' },
      ],
    });
    expect((await h.request({ method: 'GET', url: '/v1/event-types/transport_request.checklist_event' })).json().sendToManager).toBe(false);
  });

  it('refuses manager channels that have no template, and accepts them with one', async () => {
    const telegramOnly = await h.request({
      method: 'PUT',
      url: '/v1/event-types/payment.registered',
      payload: { sendToManager: true, managerChannels: ['telegram'] },
    });
    expect(telegramOnly.statusCode, telegramOnly.body).toBe(422);
    expect(telegramOnly.json().error.details.map((d: { path: string }) => d.path)).toEqual(['/body/sendToManager', '/body/templates/manager/telegram']);

    const withTemplate = await h.request({
      method: 'PUT',
      url: '/v1/event-types/payment.registered',
      payload: { sendToManager: true, managerChannels: ['telegram'], templates: { manager: { telegram: { text: 'Платёж {{ amount }} ₽ от {{ client.name }}' } } } },
    });
    expect(withTemplate.statusCode, withTemplate.body).toBe(200);

    const removingIt = await h.request({ method: 'PUT', url: '/v1/event-types/payment.registered', payload: { templates: { manager: { telegram: null } } } });
    expect(removingIt.statusCode, removingIt.body).toBe(422);
    expect(removingIt.json().error.code).toBe('MANAGER_TEMPLATE_MISSING');
  });
});
