import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/harness';

/** PATCH changes one thing without resending the rest; PUT keeps replace semantics; errors say what is allowed. */
describe('PATCH of settings, event types and counterparties against the real API and PostgreSQL', () => {
  let h: Harness;
  const smpp = { id: 'smsc', kind: 'smpp', name: 'SMPP-шлюз', config: { host: '127.0.0.1', port: 2775, systemId: 'demo', sourceAddr: 'DEMO' } };
  const mail = { id: 'mail', kind: 'smtp', name: 'Почта', config: { host: '127.0.0.1', port: 2525 } };
  const SMPP_PASSWORD = 'smpp-pass-1';
  const SMTP_PASSWORD = 'smtp-pass-1';

  beforeAll(async () => {
    h = await createHarness({ worker: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  const send = (method: 'PUT' | 'PATCH' | 'GET', url: string, payload?: object) => h.request({ method, url, ...(payload === undefined ? {} : { payload }) });
  const ok = async (method: 'PUT' | 'PATCH' | 'GET', url: string, payload?: object) => {
    const res = await send(method, url, payload);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const providersOf = async () => (await ok('GET', '/v1/settings')).providers as { id: string; name: string; config: Record<string, unknown>; secrets: Record<string, { set: boolean }> }[];

  it('adds, changes and removes one provider by PATCH, keeping the others and their secrets; PUT still replaces the directory', async () => {
    await ok('PUT', '/v1/settings', { providers: [{ ...smpp, secrets: { password: SMPP_PASSWORD } }] });

    // Add one: the other keeps its secret.
    const added = await send('PATCH', '/v1/settings', { providers: { mail: { kind: 'smtp', name: 'Почта', config: mail.config, secrets: { password: SMTP_PASSWORD } } } });
    expect(added.statusCode, added.body).toBe(200);
    expect(added.body).not.toContain(SMTP_PASSWORD);
    expect(await providersOf()).toEqual([
      { ...mail, secrets: { password: { set: true } } },
      { ...smpp, secrets: { password: { set: true } } },
    ].sort((a, b) => a.id.localeCompare(b.id)));

    // Change one field of one provider: name alone; its secret and the other provider stay.
    await ok('PATCH', '/v1/settings', { providers: { smsc: { name: 'SMPP (основной)' } } });
    let providers = await providersOf();
    expect(providers.find((p) => p.id === 'smsc')).toEqual({ ...smpp, name: 'SMPP (основной)', secrets: { password: { set: true } } });
    expect(providers.find((p) => p.id === 'mail')!.secrets.password).toEqual({ set: true });

    // Moving a provider to another port still needs its secret again (issue 12): 422 naming it, nothing changed.
    const moved = await send('PATCH', '/v1/settings', { providers: { smsc: { config: { port: 2776 } } } });
    expect(moved.statusCode, moved.body).toBe(422);
    expect(moved.json().error.details).toEqual([expect.objectContaining({ path: '/body/providers/smsc/secrets/password' })]);
    expect((await providersOf()).find((p) => p.id === 'smsc')!.config.port).toBe(2775);
    await ok('PATCH', '/v1/settings', { providers: { smsc: { config: { port: 2776 }, secrets: { password: 'smpp-pass-2' } } } });
    expect((await providersOf()).find((p) => p.id === 'smsc')).toMatchObject({ config: { ...smpp.config, port: 2776 }, secrets: { password: { set: true } } });

    // A new provider without a kind: 400 naming it, in words.
    const noKind = await send('PATCH', '/v1/settings', { providers: { other: { name: 'Другой' } } });
    expect(noKind.statusCode, noKind.body).toBe(400);
    expect(noKind.json().error.details).toEqual([{ path: '/body/providers/other/kind', message: expect.stringContaining('smtp, smpp, sms_ru or telegram') }]);

    // Remove one: the other stays.
    await ok('PATCH', '/v1/settings', { providers: { mail: null } });
    providers = await providersOf();
    expect(providers.map((p) => p.id)).toEqual(['smsc']);
    expect(providers[0]!.secrets.password).toEqual({ set: true });

    // PUT replaces the directory: the provider left out is gone.
    await ok('PUT', '/v1/settings', { providers: [{ ...mail, secrets: { password: SMTP_PASSWORD } }] });
    expect((await providersOf()).map((p) => p.id)).toEqual(['mail']);

    const history = await ok('GET', '/v1/config-changes?entity=settings');
    expect((history.items as { action: string }[]).filter((c) => c.action === 'patch').length).toBe(4);
  });

  it("changes one event type template's fromName alone by PATCH; PUT of a template replaces it", async () => {
    await ok('PUT', '/v1/event-types/test.patch', {
      name: 'Проверка PATCH',
      variables: [{ name: 'n', description: 'Номер', example: 'ЗК-1' }],
      channels: ['email'],
      templates: { client: { email: { subject: 'Заказ {{ n }}', text: 'Заказ {{ n }} готов', fromName: 'Склад' }, sms: { text: 'Заказ {{ n }}' } } },
    });
    const patched = await ok('PATCH', '/v1/event-types/test.patch', { templates: { client: { email: { fromName: 'Отдел продаж' } } } });
    expect(patched.templates.client.email).toMatchObject({ subject: 'Заказ {{ n }}', text: 'Заказ {{ n }} готов', fromName: 'Отдел продаж' });
    expect(patched.templates.client.sms).toMatchObject({ text: 'Заказ {{ n }}' });
    expect(patched.name).toBe('Проверка PATCH');

    const unknown = await send('PATCH', '/v1/event-types/test.nothing', { templates: { client: { email: { fromName: 'X' } } } });
    expect(unknown.statusCode, unknown.body).toBe(404);

    const replaced = await ok('PUT', '/v1/event-types/test.patch', { templates: { client: { email: { subject: 'Только тема {{ n }}', text: 'Текст' } } } });
    expect(replaced.templates.client.email).toMatchObject({ subject: 'Только тема {{ n }}', fromName: null });

    const history = await ok('GET', '/v1/config-changes?entity=event_type&entityId=test.patch');
    expect((history.items as { action: string }[]).map((c) => c.action)).toContain('patch');
  });

  it("changes one counterparty override by PATCH, keeping its other overrides and templates; null removes one", async () => {
    for (const type of ['test.o1', 'test.o2']) {
      await ok('PUT', `/v1/event-types/${type}`, { name: type, channels: ['sms'], templates: { client: { sms: { text: 'Текст' } } } });
    }
    await ok('PUT', '/v1/counterparties/patch-client', {
      name: 'ООО Ромашка',
      contacts: [{ name: 'Анна', phone: '+79160000001' }],
      overrides: { 'test.o1': { send: true, templates: { sms: { text: 'Своё SMS' }, telegram: { text: 'Свой Telegram' } } }, 'test.o2': { send: false } },
    });
    const patched = await ok('PATCH', '/v1/counterparties/patch-client', { overrides: { 'test.o1': { templates: { sms: { text: 'Новое SMS' } } } } });
    expect(patched.overrides['test.o1']).toMatchObject({ send: true, templates: { sms: { text: 'Новое SMS' }, telegram: { text: 'Свой Telegram' } } });
    expect(patched.overrides['test.o2']).toMatchObject({ send: false });
    expect(patched.contacts).toHaveLength(1);

    const removed = await ok('PATCH', '/v1/counterparties/patch-client', { overrides: { 'test.o2': null } });
    expect(Object.keys(removed.overrides)).not.toContain('test.o2');
    expect(removed.overrides['test.o1']).toMatchObject({ templates: { sms: { text: 'Новое SMS' } } });
    const history = await ok('GET', '/v1/config-changes?entity=counterparty&entityId=patch-client');
    expect((history.items as { action: string }[]).filter((c) => c.action === 'patch')).toHaveLength(2);
  });

  it('says what is allowed in words for a union or a constant, once per field', async () => {
    const threshold = await send('PATCH', '/v1/settings', { sms: { balanceThreshold: 75 } });
    expect(threshold.statusCode).toBe(400);
    expect(threshold.json().error.details).toEqual([{ path: '/body/sms/balanceThreshold', message: 'must be one of "none", 50, 100, 200' }]);

    const reserve = await send('PUT', '/v1/settings', { reserveChannel: 'telegram' });
    expect(reserve.statusCode).toBe(400);
    expect(reserve.json().error.details).toEqual([{ path: '/body/reserveChannel', message: 'must be one of "sms", "email" or null' }]);

    const admin = await send('PUT', '/v1/settings', { adminEmail: 5 });
    expect(admin.json().error.details).toEqual([{ path: '/body/adminEmail', message: 'must be a string or null' }]);
    expect(admin.json().error.message).not.toContain('constant');
  });

  it('warns in the SMS preview past 4 segments, where the seed\'s table ends, and not at 4', async () => {
    const four = await send('PATCH', '/v1/settings', {});
    expect(four.statusCode).toBe(200);
    const at4 = (await h.request({ method: 'POST', url: '/v1/templates/preview', payload: { channel: 'sms', template: 'Ж'.repeat(260) } })).json();
    expect(at4.sms).toMatchObject({ encoding: 'UCS-2', segments: 4 });
    expect(at4.sms.warning).toBeUndefined();
    const at5 = (await h.request({ method: 'POST', url: '/v1/templates/preview', payload: { channel: 'sms', template: 'Ж'.repeat(300) } })).json();
    expect(at5.sms).toMatchObject({ encoding: 'UCS-2', segments: 5 });
    expect(at5.sms.warning).toBe('Текст займёт 5 SMS (больше 4): каждому получателю уйдёт 5 сообщений, и каждое оплачивается. Сократите текст.');
  });

  it('shows what an SMS costs per recipient, and for one client\'s recipients with a phone', async () => {
    const one = (await h.request({ method: 'POST', url: '/v1/templates/preview', payload: { channel: 'sms', template: 'Заказ готов' } })).json();
    expect(one.sms.cost).toEqual({ perRecipient: 1, recipients: null, total: null, text: '1\u00a0SMS на получателя' });

    const client = await h.request({
      method: 'PUT',
      url: '/v1/counterparties/cost-client',
      payload: {
        name: 'ООО «Смета»',
        contacts: [
          { name: 'Анна', phone: '+79160000101' },
          { name: 'Борис', phone: '+79160000102' },
          { name: 'Вера', phone: '+79160000103' },
          { name: 'Глеб', email: 'gleb@smeta.example' },
        ],
      },
    });
    expect(client.statusCode, client.body).toBe(200);
    const text = 'Ж'.repeat(100);
    const three = (await h.request({ method: 'POST', url: '/v1/templates/preview', payload: { channel: 'sms', template: text, counterpartyId: 'cost-client' } })).json();
    expect(three.sms).toMatchObject({ segments: 2, cost: { perRecipient: 2, recipients: 3, total: 6, text: '2\u00a0SMS × 3 получателя = 6\u00a0SMS' } });

    const unknown = await h.request({ method: 'POST', url: '/v1/templates/preview', payload: { channel: 'sms', template: text, counterpartyId: 'no-such-client' } });
    expect(unknown.statusCode).toBe(404);
  });
});
