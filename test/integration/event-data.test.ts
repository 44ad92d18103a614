import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvent } from '../helpers/factories';
import { createHarness, type Harness } from '../helpers/harness';

describe("an event's data is checked against its type's declared variables", () => {
  let h: Harness;
  beforeAll(async () => {
    // Nothing here needs sending: a refused event must not start, an accepted one only has to be stored.
    h = await createHarness({ worker: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses an event missing two required variables with 422 naming each, and starts nothing', async () => {
    const event = buildEvent({ data: { orderNumber: 'ЗК-000124', warehouse: '  ', pickupUntil: '30.11.2026' } });
    const res = await h.request({ method: 'POST', url: '/v1/events', payload: event });
    expect(res.statusCode, res.body).toBe(422);
    const { error } = res.json();
    expect(error.code).toBe('MISSING_VARIABLES');
    expect(error.message).toContain('total');
    expect(error.message).toContain('warehouse');
    expect(error.details).toEqual([
      { path: '/body/data/total', message: 'is required by event type "order.ready_for_pickup"' },
      { path: '/body/data/warehouse', message: 'is required by event type "order.ready_for_pickup" and must not be empty' },
    ]);
    expect((await h.request({ method: 'GET', url: `/v1/events/${event.id}` })).statusCode).toBe(404);
  });

  it('accepts an event without its optional variables and keeps keys no variable declares', async () => {
    const event = buildEvent({ data: { orderNumber: 'ЗК-000125', total: '990,00', warehouse: 'Северный', erpDocumentGuid: '7f1c-22' } });
    const res = await h.request({ method: 'POST', url: '/v1/events', payload: event });
    expect(res.statusCode, res.body).toBe(202);
    const stored = (await h.request({ method: 'GET', url: `/v1/events/${event.id}` })).json();
    expect(stored.data).toEqual(event.data);
  });

  it('lets an event type mark its own variables required, and shows the mark', async () => {
    const put = await h.request({
      method: 'PUT',
      url: '/v1/event-types/invoice.issued',
      payload: {
        name: 'Выставлен счёт',
        variables: [
          { name: 'invoiceNumber', description: 'Номер счёта', example: 'СЧ-000042', required: true },
          { name: 'comment', description: 'Комментарий (необязательно)', example: 'Оплата в течение 3 дней' },
        ],
        templates: { client: { email: { subject: 'Счёт № {{ invoiceNumber }}', text: 'Выставлен счёт № {{ invoiceNumber }}.' } } },
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().variables[0]).toMatchObject({ name: 'invoiceNumber', required: true });

    const missing = await h.request({ method: 'POST', url: '/v1/events', payload: buildEvent({ type: 'invoice.issued', data: { comment: 'срочно' } }) });
    expect(missing.statusCode, missing.body).toBe(422);
    expect(missing.json().error.details).toEqual([{ path: '/body/data/invoiceNumber', message: 'is required by event type "invoice.issued"' }]);

    const ok = await h.request({ method: 'POST', url: '/v1/events', payload: buildEvent({ type: 'invoice.issued', data: { invoiceNumber: 'СЧ-000043' } }) });
    expect(ok.statusCode, ok.body).toBe(202);
  });

  it('still names an unknown client before any missing variable', async () => {
    const res = await h.request({ method: 'POST', url: '/v1/events', payload: buildEvent({ counterpartyId: 'nobody', data: {} }) });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('UNKNOWN_COUNTERPARTY');
  });
});
