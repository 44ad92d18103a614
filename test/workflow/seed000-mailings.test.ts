import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/harness';
import { addressOf, parseMail } from '../helpers/mail';
import { journalOf, postEvent, putNoticeType } from '../helpers/scenario';

/**
 * Seed 000 (logistics mailings) on the demo data, against real Temporal,
 * PostgreSQL and an SMTP server: checklist steps on and off, the legal entity
 * a template sends as, and "Адреса" chosen from the client's employees.
 */
describe('seed 000 logistics mailings against real Temporal, PostgreSQL and SMTP', () => {
  let h: Harness;
  const TYPE = 'transport_request.checklist_event';

  beforeAll(async () => {
    h = await createHarness({ mode: 'live' });
  });
  afterAll(async () => {
    await h?.close();
  });

  const checklistData = (step: string, requestNumber: string) => ({
    requestNumber,
    checklistEvent: step,
    actualTime: '23.11.2026 14:30',
    loadingAddress: 'г. Москва, ул. Складская, д. 5',
    unloadingAddress: 'г. Казань, ул. Тэцевская, д. 14',
    cargo: 'Автозапчасти, 12 паллет',
  });
  const run = async (id: string, type: string, data: Record<string, unknown>, counterpartyId = 'demo-client') => {
    const { workflowId } = await postEvent(h, { id, type, counterpartyId, data });
    return h.temporal.workflow.getHandle(workflowId).result();
  };
  /** The mails whose subject names this request, parsed. */
  const mailsAbout = async (marker: string) => {
    const parsed = await Promise.all(h.smtp.messages.map((m) => parseMail(m)));
    return parsed.filter((m) => (m.subject ?? '').includes(marker));
  };

  it('the event type shows its checklist steps, each with its own flag', async () => {
    const res = await h.request({ method: 'GET', url: `/v1/event-types/${TYPE}` });
    expect(res.statusCode, res.body).toBe(200);
    const type = res.json();
    expect(type.subEventVariable).toBe('checklistEvent');
    expect(type.subEvents.map((s: { name: string; active: boolean }) => `${s.name}:${s.active}`)).toEqual([
      'Прибытие на погрузку:true',
      'Погрузка:true',
      'Прибытие на выгрузку:true',
      'Выгрузка:true',
      'Сдача документов:false',
    ]);
  });

  it('"Погрузка" on and "Выгрузка" off: only the first sends, the second is journaled as skipped with the reason', async () => {
    const patch = await h.request({ method: 'PATCH', url: `/v1/event-types/${TYPE}`, payload: { subEvents: { unloading: { active: false } } } });
    expect(patch.statusCode, patch.body).toBe(200);
    expect(patch.json().subEvents.find((s: { code: string }) => s.code === 'unloading')).toMatchObject({ name: 'Выгрузка', active: false });
    // The other steps are kept as they were.
    expect(patch.json().subEvents).toHaveLength(5);

    const loaded = await run('s000-load', TYPE, checklistData('Погрузка', 'ЗП-101'));
    expect(loaded.outcome).toBe('completed');
    const unloaded = await run('s000-unload', TYPE, checklistData('Выгрузка', 'ЗП-102'));
    expect(unloaded).toMatchObject({ outcome: 'skipped', reason: 'Рассылка по шагу «Выгрузка» выключена в настройках типа события' });

    expect((await mailsAbout('ЗП-101')).length).toBeGreaterThan(0);
    expect(await mailsAbout('ЗП-102')).toEqual([]);
    const journal = await journalOf(h, 's000-unload');
    expect(journal.map((e) => `${e.status}: ${e.reason ?? ''}`)).toContain('skipped: Рассылка по шагу «Выгрузка» выключена в настройках типа события');
    expect(journal.some((e) => e.status === 'sent')).toBe(false);
  });

  it("a step with its own template sends that one; a step without one sends the type's", async () => {
    const on = await h.request({ method: 'PATCH', url: `/v1/event-types/${TYPE}`, payload: { subEvents: { unloading: { active: true } } } });
    expect(on.statusCode, on.body).toBe(200);
    await run('s000-unload-2', TYPE, checklistData('выгрузка', 'ЗП-103'));
    const [own] = await mailsAbout('ЗП-103');
    expect(own?.subject).toBe('Заявка № ЗП-103: груз доставлен — 23.11.2026 14:30');
    expect(own?.text).toContain('Груз по заявке на перевозку № ЗП-103 доставлен и выгружен.');

    const [typeOwn] = await mailsAbout('ЗП-101');
    expect(typeOwn?.subject).toBe('Заявка № ЗП-101: Погрузка — 23.11.2026 14:30');
  });

  it("sends as the template's legal entity: its From address and name, and its signature, in the real message", async () => {
    const mails = await mailsAbout('ЗП-101');
    expect(mails.length).toBeGreaterThan(0);
    for (const mail of mails) {
      expect(addressOf(mail.from)).toEqual({ name: 'Демо Логистик, отдел перевозок', address: 'logistics@demo-logistics.example' });
      expect(mail.text).toContain('отдел перевозок ООО «Демо Логистик»\n+7 495 765-43-21, logistics@demo-logistics.example');
      expect(mail.text).not.toContain('ООО «Автозапчасти Демо»');
      expect(mail.html).toContain('отдел перевозок ООО «Демо Логистик»');
    }
  });

  it('"Адреса": the chosen employee is greeted by name, the fixed address with «Здравствуйте!», the other employee gets nothing', async () => {
    const mails = await mailsAbout('ЗП-101');
    const to = (address: string) => mails.filter((m) => addressOf(m.to).address === address);
    const [ivan] = to('ivan.petrov@romashka.example');
    const [dispatch] = to('dispatch@romashka.example');
    expect(to('anna.smirnova@romashka.example')).toEqual([]);
    expect(mails).toHaveLength(2);
    expect(ivan?.text?.startsWith('Здравствуйте, Иван Петров!')).toBe(true);
    expect(dispatch?.text?.startsWith('Здравствуйте!\n')).toBe(true);
    expect(dispatch?.text).not.toContain('dispatch@romashka.example!');
    expect(dispatch?.html).toContain('<p>Здравствуйте!</p>');
  });

  it("a message tracked by the manager and sent by hand goes From the template's legal entity too", async () => {
    expect((await h.request({ method: 'PATCH', url: `/v1/event-types/${TYPE}`, payload: { trackedByManager: true } })).statusCode).toBe(200);
    const off = await h.request({ method: 'PATCH', url: '/v1/counterparties/demo-client', payload: { overrides: { [TYPE]: { send: false } } } });
    expect(off.statusCode, off.body).toBe(200);
    const result = await run('s000-tracked', TYPE, checklistData('Погрузка', 'ЗП-104'));
    expect(result.deliveries.map((d: { status: string }) => d.status)).toContain('not_sent_tracked');
    const tracked = (await journalOf(h, 's000-tracked')).find((e) => e.status === 'not_sent_tracked' && e.recipient === 'ivan.petrov@romashka.example');
    expect(tracked).toBeDefined();
    const send = await h.request({ method: 'POST', url: `/v1/journal/${tracked!.id}/send`, payload: {} });
    expect(send.statusCode, send.body).toBe(200);
    expect(send.json()).toMatchObject({ status: 'sent' });
    const [mail] = await mailsAbout('ЗП-104');
    expect(addressOf(mail?.to)).toMatchObject({ address: 'ivan.petrov@romashka.example' });
    expect(addressOf(mail?.from)).toEqual({ name: 'Демо Логистик, отдел перевозок', address: 'logistics@demo-logistics.example' });
    // Back as it was for the tests below.
    await h.request({ method: 'PATCH', url: '/v1/counterparties/demo-client', payload: { overrides: { [TYPE]: { send: true } } } });
  });

  it("appends the legal entity's signature to a template that does not place it, From that entity", async () => {
    await putNoticeType(h, 'test.parts-notice', { channels: ['email'] });
    const res = await h.request({
      method: 'PATCH',
      url: '/v1/event-types/test.parts-notice',
      payload: { templates: { client: { email: { legalEntityId: 'parts', extraRecipients: ['office@romashka.example'] } } } },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().templates.client.email).toMatchObject({ legalEntityId: 'parts', extraRecipients: ['office@romashka.example'], text: 'E-mail: заказ {{ n }} готов' });
    await run('s000-parts', 'test.parts-notice', { n: 'ЗК-77' });
    const mails = await mailsAbout('Заказ ЗК-77');
    expect(mails.map((m) => addressOf(m.to).address).sort()).toEqual(['anna.smirnova@romashka.example', 'ivan.petrov@romashka.example', 'office@romashka.example']);
    for (const mail of mails) {
      expect(addressOf(mail.from)).toEqual({ name: 'Автозапчасти Демо', address: 'notify@demo-parts.example' });
      expect(mail.text).toBe('E-mail: заказ ЗК-77 готов\n\nС уважением,\nООО «Автозапчасти Демо»\n+7 495 123-45-67');
    }
  });
});
