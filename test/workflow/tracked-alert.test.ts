import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmsc, type Smsc } from '../../src/dev/peers/smsc';
import { createHarness, type Harness } from '../helpers/harness';
import { saveHistory } from '../helpers/histories';
import { parseMail } from '../helpers/mail';
import { journalOf, postEvent, putClient, putNoticeType } from '../helpers/scenario';

describe('the responsible manager is told of a tracked message (R14) against real Temporal, PostgreSQL, SMTP and SMSC', () => {
  let h: Harness;
  let smsc: Smsc;

  beforeAll(async () => {
    smsc = await startSmsc({ receipts: 'none' });
    h = await createHarness({ mode: 'live', smsUrl: `${smsc.url}?source=NOTIFY`, publicUrl: 'https://notify.example.ru/' });
    const manager = await h.request({ method: 'PUT', url: '/v1/managers/m-olga', payload: { name: 'Ольга Соколова', phone: '+79031234567', email: 'olga@shop.example' } });
    expect(manager.statusCode, manager.body).toBe(200);
    const noPhone = await h.request({ method: 'PUT', url: '/v1/managers/m-ivan', payload: { name: 'Иван Петров', email: 'ivan@shop.example' } });
    expect(noPhone.statusCode, noPhone.body).toBe(200);
    await putNoticeType(h, 'test.tracked-alert', { name: 'Заказ готов к выдаче', trackedByManager: true, channels: ['sms'], managerChannels: ['sms', 'email'] });
    await putNoticeType(h, 'test.untracked-alert', { trackedByManager: false, channels: ['sms'], managerChannels: ['sms', 'email'] });
    const optOut = { overrides: { 'test.tracked-alert': { send: false }, 'test.untracked-alert': { send: false } } };
    await putClient(h, 'alert-client', [{ name: 'Анна', phone: '+79160000011' }, { name: 'Пётр', phone: '+79160000012' }], { ...optOut, managerId: 'm-olga' });
    await putClient(h, 'alert-client-2', [{ name: 'Вера', phone: '+79160000013' }], { ...optOut, managerId: 'm-ivan' });
  });
  afterAll(async () => {
    await h?.close();
    await smsc?.stop();
  });

  const smsTo = (digits: string) => smsc.messages().filter((m) => m.destination === digits);
  const run = async (id: string, type: string, counterpartyId: string) => {
    const { workflowId } = await postEvent(h, { id, type, counterpartyId, data: { n: id } });
    await h.temporal.workflow.getHandle(workflowId).result();
    return workflowId;
  };

  it('sends the manager one SMS naming the client, the notification and the contacts, with the console link, journaled as a message of the event', async () => {
    const workflowId = await run('alert-1', 'test.tracked-alert', 'alert-client');
    await saveHistory(h, workflowId, 'tracked-manager-alert-send-local');
    expect(smsTo('79160000011')).toHaveLength(0);
    const sms = smsTo('79031234567');
    expect(sms.map((m) => m.text)).toEqual([
      'Не отправлено клиенту Клиент alert-client: «Заказ готов к выдаче» (уведомление отключено). Решите, отправить ли: https://notify.example.ru/console/events/alert-1',
    ]);
    const journal = await journalOf(h, 'alert-1');
    expect(journal.filter((e) => e.status === 'not_sent_tracked')).toHaveLength(2);
    const sent = journal.filter((e) => e.status === 'sent');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ audience: 'manager', channel: 'sms', recipient: '+79031234567', recipientName: 'Ольга Соколова' });

    const messages = await h.request({ method: 'GET', url: '/v1/messages?eventId=alert-1' });
    const rows = messages.json().items as { audience: string; status: string; deliveryKey: string }[];
    expect(rows.find((m) => m.audience === 'manager')).toMatchObject({ status: 'sent', deliveryKey: 'tracked-alert:m-olga' });
  });

  it('falls back to e-mail when the manager has no mobile, with the contacts and the link in the text', async () => {
    const before = h.smtp.messages.length;
    await run('alert-2', 'test.tracked-alert', 'alert-client-2');
    const [mail] = (await h.smtp.waitForMessages(before + 1)).slice(before);
    expect(mail!.to).toEqual(['ivan@shop.example']);
    const parsed = await parseMail(mail!);
    expect(parsed.subject).toBe('Ждёт вашего решения: «Заказ готов к выдаче» для Клиент alert-client-2');
    expect(parsed.text).toContain('Иван Петров, добрый день!');
    expect(parsed.text).toContain('Получатели: Вера.');
    expect(parsed.text).toContain('https://notify.example.ru/console/events/alert-2');
    const journal = await journalOf(h, 'alert-2');
    expect(journal.filter((e) => e.audience === 'manager').map((e) => `${e.status} ${e.channel}`)).toEqual(['fallback sms', 'rendered email', 'sent email']);
  });

  it('tells nobody when the type is not tracked (the message is skipped, not waiting)', async () => {
    const before = smsTo('79031234567').length;
    await run('alert-3', 'test.untracked-alert', 'alert-client');
    expect(smsTo('79031234567')).toHaveLength(before);
    expect((await journalOf(h, 'alert-3')).filter((e) => e.audience === 'manager')).toHaveLength(0);
  });
});
