import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/harness';

/**
 * Seed 000 configuration through the API on the demo data: legal entities
 * ("Наша компания") in the settings, checklist sub-events of the logistics
 * type, and "Адреса" chosen from the client's employees, each validated.
 */
describe('seed 000 configuration: legal entities, sub-events and Адреса', () => {
  let h: Harness;
  const TYPE = 'transport_request.checklist_event';

  beforeAll(async () => {
    h = await createHarness({ worker: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  const errorPaths = (body: string) => (JSON.parse(body).error.details as { path: string; message: string }[]).map((d) => d.path);

  it('the demo company has two legal entities, and the logistics template sends as one to an employee and a fixed address', async () => {
    const settings = await h.request({ method: 'GET', url: '/v1/settings' });
    expect(settings.statusCode, settings.body).toBe(200);
    expect(settings.json().legalEntities.map((e: { id: string; fromAddress: string }) => [e.id, e.fromAddress])).toEqual([
      ['parts', 'notify@demo-parts.example'],
      ['logistics', 'logistics@demo-logistics.example'],
    ]);
    const client = await h.request({ method: 'GET', url: '/v1/counterparties/demo-client' });
    const ivan = client.json().contacts.find((c: { name: string }) => c.name === 'Иван Петров');
    const type = await h.request({ method: 'GET', url: `/v1/event-types/${TYPE}` });
    expect(type.json().templates.client.email).toMatchObject({
      legalEntityId: 'logistics',
      extraContactIds: [ivan.id],
      extraRecipients: ['dispatch@romashka.example'],
    });
  });

  it('PATCH adds and changes one legal entity keeping the others; the change is in the history', async () => {
    const add = await h.request({
      method: 'PATCH',
      url: '/v1/settings',
      payload: { legalEntities: { north: { name: 'ООО «Север Логистик»', fromAddress: 'north@sever.example', signature: 'С уважением,\nООО «Север Логистик»' } } },
    });
    expect(add.statusCode, add.body).toBe(200);
    expect(add.json().legalEntities.map((e: { id: string }) => e.id)).toEqual(['parts', 'logistics', 'north']);

    const change = await h.request({ method: 'PATCH', url: '/v1/settings', payload: { legalEntities: { north: { fromName: 'Север, отдел продаж' } } } });
    expect(change.statusCode, change.body).toBe(200);
    expect(change.json().legalEntities[2]).toEqual({
      id: 'north',
      name: 'ООО «Север Логистик»',
      fromAddress: 'north@sever.example',
      fromName: 'Север, отдел продаж',
      signature: 'С уважением,\nООО «Север Логистик»',
    });

    const history = await h.request({ method: 'GET', url: '/v1/config-changes?entity=settings' });
    expect(history.statusCode, history.body).toBe(200);
    const [last] = history.json().items as { action: string; before: { legalEntities: unknown[] }; after: { legalEntities: { fromName?: string }[] } }[];
    expect(last).toMatchObject({ action: 'patch' });
    expect(last!.before.legalEntities).toHaveLength(3);
    expect(last!.after.legalEntities[2]!.fromName).toBe('Север, отдел продаж');
  });

  it('refuses a bad legal entity with the field and the reason', async () => {
    const badAddress = await h.request({ method: 'PATCH', url: '/v1/settings', payload: { legalEntities: { south: { name: 'Юг', fromAddress: 'not-an-address', signature: '' } } } });
    expect(badAddress.statusCode, badAddress.body).toBe(400);
    expect(badAddress.body).toContain('fromAddress');

    const incomplete = await h.request({ method: 'PATCH', url: '/v1/settings', payload: { legalEntities: { south: { name: 'Юг' } } } });
    expect(incomplete.statusCode, incomplete.body).toBe(400);
    expect(errorPaths(incomplete.body)).toEqual(['/body/legalEntities/south/fromAddress', '/body/legalEntities/south/signature']);

    const duplicate = await h.request({
      method: 'PUT',
      url: '/v1/settings',
      payload: {
        legalEntities: [
          { id: 'a', name: 'А', fromAddress: 'a@a.example', signature: '' },
          { id: 'a', name: 'Б', fromAddress: 'b@b.example', signature: '' },
        ],
      },
    });
    expect(duplicate.statusCode, duplicate.body).toBe(422);
    // PUT replaces the list: the entity the logistics template sends as would be gone too.
    expect(errorPaths(duplicate.body)).toEqual(['/body/legalEntities/1/id', '/body/legalEntities/logistics']);
  });

  it('refuses to remove a legal entity a template sends as, naming the template', async () => {
    const res = await h.request({ method: 'PATCH', url: '/v1/settings', payload: { legalEntities: { logistics: null } } });
    expect(res.statusCode, res.body).toBe(422);
    expect(JSON.parse(res.body).error.details[0]).toMatchObject({ path: '/body/legalEntities/logistics', message: expect.stringContaining(`${TYPE} client email`) });
    expect((await h.request({ method: 'GET', url: '/v1/settings' })).json().legalEntities).toHaveLength(3);
    // One no template uses goes.
    const gone = await h.request({ method: 'PATCH', url: '/v1/settings', payload: { legalEntities: { north: null } } });
    expect(gone.statusCode, gone.body).toBe(200);
    expect(gone.json().legalEntities.map((e: { id: string }) => e.id)).toEqual(['parts', 'logistics']);
  });

  it('refuses a template naming an unknown legal entity or contact, and Адреса on SMS', async () => {
    const res = await h.request({
      method: 'PATCH',
      url: `/v1/event-types/${TYPE}`,
      payload: { templates: { client: { email: { legalEntityId: 'nobody', extraContactIds: [987654] } } } },
    });
    expect(res.statusCode, res.body).toBe(422);
    expect(errorPaths(res.body)).toEqual(['/body/templates/client/email/legalEntityId', '/body/templates/client/email/extraContactIds']);
    expect(res.body).toContain('legalEntities: parts, logistics');
    expect(res.body).toContain('no contact with id 987654');
 
    const sms = await h.request({
      method: 'PATCH',
      url: '/v1/event-types/order.ready_for_pickup',
      payload: { templates: { client: { sms: { text: 'Заказ {{ orderNumber }} готов', legalEntityId: 'parts' } } } },
    });
    expect(sms.statusCode, sms.body).toBe(422);
    expect(JSON.parse(sms.body).error.details).toEqual([{ path: '/body/templates/client/sms', message: 'a legal entity and "Адреса" apply to e-mail templates only' }]);
  });

  it('edits one sub-event by PATCH, replaces them by PUT, and checks them', async () => {
    const patch = await h.request({
      method: 'PATCH',
      url: `/v1/event-types/${TYPE}`,
      payload: {
        subEvents: {
          documents: { active: true, templates: { email: { subject: 'Документы по заявке № {{ requestNumber }}' } } },
          customs: { name: 'Таможенное оформление', active: true },
        },
      },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    const subEvents = patch.json().subEvents as { code: string; active: boolean; templates?: unknown }[];
    expect(subEvents.map((s) => `${s.code}:${s.active}`)).toEqual([
      'arrival_loading:true',
      'loading:true',
      'arrival_unloading:true',
      'unloading:true',
      'documents:true',
      'customs:true',
    ]);
    expect(subEvents[4]!.templates).toEqual({ email: { subject: 'Документы по заявке № {{ requestNumber }}' } });

    const history = await h.request({ method: 'GET', url: `/v1/config-changes?entity=event_type&entityId=${TYPE}` });
    expect(history.json().items[0].after.subEvents).toHaveLength(6);

    const badTemplate = await h.request({
      method: 'PATCH',
      url: `/v1/event-types/${TYPE}`,
      payload: { subEvents: { customs: { templates: { email: { subject: '{{ nosuchVariable }}' } } } } },
    });
    expect(badTemplate.statusCode, badTemplate.body).toBe(422);
    expect(errorPaths(badTemplate.body)).toEqual(['/body/subEvents/5/templates/email/subject']);

    const newWithoutName = await h.request({ method: 'PATCH', url: `/v1/event-types/${TYPE}`, payload: { subEvents: { transit: { active: true } } } });
    expect(newWithoutName.statusCode, newWithoutName.body).toBe(400);
    expect(errorPaths(newWithoutName.body)).toEqual(['/body/subEvents/transit/name']);

    const badVariable = await h.request({ method: 'PATCH', url: `/v1/event-types/${TYPE}`, payload: { subEventVariable: 'stepName' } });
    expect(badVariable.statusCode, badVariable.body).toBe(422);
    expect(JSON.parse(badVariable.body).error.details[0]).toMatchObject({ path: '/body/subEventVariable', message: expect.stringContaining('checklistEvent') });

    const duplicate = await h.request({
      method: 'PUT',
      url: `/v1/event-types/${TYPE}`,
      payload: { subEvents: [{ code: 'a', name: 'Погрузка', active: true }, { code: 'b', name: 'погрузка', active: false }] },
    });
    expect(duplicate.statusCode, duplicate.body).toBe(422);
    expect(errorPaths(duplicate.body)).toEqual(['/body/subEvents/1/name']);

    const noVariable = await h.request({
      method: 'PUT',
      url: '/v1/event-types/test.steps',
      payload: { name: 'Шаги', variables: [], subEvents: [{ code: 'a', name: 'Шаг', active: true }] },
    });
    expect(noVariable.statusCode, noVariable.body).toBe(422);
    expect(errorPaths(noVariable.body)).toEqual(['/body/subEventVariable']);

    const put = await h.request({ method: 'PUT', url: `/v1/event-types/${TYPE}`, payload: { subEvents: [{ code: 'loading', name: 'Погрузка', active: true }] } });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ subEventVariable: 'checklistEvent', subEvents: [{ code: 'loading', name: 'Погрузка', active: true }] });
  });
});
