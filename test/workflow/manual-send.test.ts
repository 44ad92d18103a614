import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmsc, type Smsc } from '../../src/dev/peers/smsc';
import { saveHistory } from '../helpers/histories';
import { createHarness, type Harness } from '../helpers/harness';
import { addressOf, parseMail } from '../helpers/mail';
import { journalOf, postEvent, putClient, putNoticeType } from '../helpers/scenario';

interface ManualView {
  of: number;
  by: string | null;
  comment: string | null;
  edited: { text: boolean; subject: boolean; recipient: boolean };
  original: { recipient: string | null; subject: string | null; text: string | null };
  sent: { recipient: string | null; subject: string | null; text: string | null };
}
interface MessageRow {
  workflowId: string;
  status: string;
  recipient: string | null;
  channel: string | null;
  manual: ManualView | null;
}

describe('manual send with edits (R14) against real Temporal, PostgreSQL, SMTP and SMSC', () => {
  let h: Harness;
  let smsc: Smsc;

  beforeAll(async () => {
    smsc = await startSmsc({ receipts: 'none' });
    h = await createHarness({ mode: 'live', smsUrl: `${smsc.url}?source=NOTIFY` });
    await putNoticeType(h, 'test.tracked-sms', { trackedByManager: true, channels: ['sms'] });
    await putNoticeType(h, 'test.tracked-email', { trackedByManager: true, channels: ['email'], emailDelivery: 'immediate' });
    await putClient(h, 'edit-client', [{ name: 'Анна', phone: '+79160000001', email: 'anna@client.example' }], {
      overrides: { 'test.tracked-sms': { send: false }, 'test.tracked-email': { send: false } },
    });
  });
  afterAll(async () => {
    await h?.close();
    await smsc?.stop();
  });

  const smsTo = (digits: string) => smsc.messages().filter((m) => m.destination === digits);
  const trackedOf = async (eventId: string) => {
    const { workflowId } = await postEvent(h, { id: eventId, type: eventId.includes('mail') ? 'test.tracked-email' : 'test.tracked-sms', counterpartyId: 'edit-client', data: { n: eventId } });
    await h.temporal.workflow.getHandle(workflowId).result();
    const tracked = (await journalOf(h, eventId)).find((e) => e.status === 'not_sent_tracked');
    expect(tracked).toBeDefined();
    return tracked!;
  };

  it('sends the edited SMS text to the edited phone, journals both texts, shows them in the event and the messages, and a retry sends nothing more', async () => {
    const tracked = await trackedOf('edit-sms-1');
    expect(tracked).toMatchObject({ channel: 'sms', recipient: '+79160000001', body: 'SMS: заказ edit-sms-1 готов' });
    const request = { text: 'Анна, ваш заказ готов, ждём вас до 19:00', to: '+7 916 000-00-02', comment: 'клиент просил на другой номер' };

    const res = await h.request({ method: 'POST', url: `/v1/journal/${tracked.id}/send`, payload: request });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'sent', recipient: '+79160000002', edited: { text: true, subject: false, recipient: true } });
    expect(res.json().alreadySent).toBeUndefined();
    expect(smsTo('79160000002').map((m) => m.text)).toEqual([request.text]);
    expect(smsTo('79160000001')).toHaveLength(0);

    // The journal keeps the tracked entry as it was, and the request with both texts.
    const journal = await journalOf(h, 'edit-sms-1');
    expect(journal.find((e) => e.id === tracked.id)).toMatchObject({ body: 'SMS: заказ edit-sms-1 готов', recipient: '+79160000001' });
    const requested = journal.find((e) => e.workflowId.startsWith('manual-send:') && e.status === 'queued')!;
    expect(requested.reason).toMatch(/^Отправка вручную \(key:\d+ .+\): изменён текст; получатель \+79160000001 → \+79160000002\. Комментарий: клиент просил на другой номер$/);
    const sent = journal.find((e) => e.workflowId.startsWith('manual-send:') && e.status === 'sent')!;
    expect(sent).toMatchObject({ recipient: '+79160000002', body: request.text, channel: 'sms' });
    await saveHistory(h, sent.workflowId, 'manual-send-edited-sms');

    const expectedManual = {
      of: tracked.id,
      comment: 'клиент просил на другой номер',
      edited: { text: true, subject: false, recipient: true },
      original: { recipient: '+79160000001', subject: null, text: 'SMS: заказ edit-sms-1 готов' },
      sent: { recipient: '+79160000002', subject: null, text: request.text },
    };
    const messages = await h.request({ method: 'GET', url: '/v1/messages?eventId=edit-sms-1' });
    expect(messages.statusCode, messages.body).toBe(200);
    const rows = messages.json().items as MessageRow[];
    expect(rows).toHaveLength(2);
    const manualRow = rows.find((m) => m.manual !== null)!;
    expect(manualRow).toMatchObject({ status: 'sent', channel: 'sms', recipient: '+79160000002', manual: expectedManual });
    expect(manualRow.manual!.by).toMatch(/^key:\d+ /);
    expect(rows.find((m) => m.manual === null)).toMatchObject({ status: 'not_sent_tracked', recipient: '+79160000001' });

    const event = await h.request({ method: 'GET', url: '/v1/events/edit-sms-1' });
    expect(event.statusCode, event.body).toBe(200);
    expect((event.json().messages as MessageRow[]).find((m) => m.manual)).toMatchObject({ manual: expectedManual });

    // A retry of the same request (the answer was lost): the first result, nothing sent again.
    const retry = await h.request({ method: 'POST', url: `/v1/journal/${tracked.id}/send`, payload: request });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json()).toMatchObject({ status: 'sent', entryId: res.json().entryId, alreadySent: true, recipient: '+79160000002' });
    // Another request after the send is refused.
    const other = await h.request({ method: 'POST', url: `/v1/journal/${tracked.id}/send`, payload: { ...request, text: 'другой текст' } });
    expect(other.statusCode, other.body).toBe(409);
    expect(smsTo('79160000002')).toHaveLength(1);
  });

  it('refuses a recipient that does not suit the channel with 400 naming "to", and a subject for an SMS naming "subject"', async () => {
    const tracked = await trackedOf('edit-sms-bad');
    const before = smsc.messages().length;
    for (const to of ['anna@client.example', 'позвонить', '12']) {
      const res = await h.request({ method: 'POST', url: `/v1/journal/${tracked.id}/send`, payload: { to } });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.details, res.body).toEqual([expect.objectContaining({ path: "/to", message: expect.stringMatching(/phone number/) })]);
    }
    const subject = await h.request({ method: 'POST', url: `/v1/journal/${tracked.id}/send`, payload: { subject: 'Тема' } });
    expect(subject.statusCode, subject.body).toBe(400);
    expect(subject.json().error.details).toEqual([expect.objectContaining({ path: '/subject' })]);
    const blank = await h.request({ method: 'POST', url: `/v1/journal/${tracked.id}/send`, payload: { text: '   ' } });
    expect(blank.statusCode, blank.body).toBe(400);
    expect(blank.json().error.details).toEqual([expect.objectContaining({ path: '/text' })]);
    expect(smsc.messages().length).toBe(before);
    // The entry is still waiting: nothing was journaled for the refused requests.
    expect((await journalOf(h, 'edit-sms-bad')).filter((e) => e.workflowId.startsWith('manual-send:'))).toHaveLength(0);
  });

  it('sends an e-mail with the edited subject and text to another address as plain text', async () => {
    const tracked = await trackedOf('edit-mail-1');
    expect(tracked).toMatchObject({ channel: 'email', recipient: 'anna@client.example', subject: 'Заказ edit-mail-1' });
    const mailsBefore = h.smtp.messages.length;
    const res = await h.request({
      method: 'POST',
      url: `/v1/journal/${tracked.id}/send`,
      payload: { subject: 'Заказ готов к выдаче', text: 'Добрый день! Заказ готов.', to: 'office@client.example' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'sent', recipient: 'office@client.example', edited: { text: true, subject: true, recipient: true } });
    const [mail] = (await h.smtp.waitForMessages(mailsBefore + 1)).slice(mailsBefore);
    const parsed = await parseMail(mail!);
    expect(addressOf(parsed.to).address).toBe('office@client.example');
    expect(parsed.subject).toBe('Заказ готов к выдаче');
    expect(parsed.text?.trim()).toBe('Добрый день! Заказ готов.');
    const manual = ((await h.request({ method: 'GET', url: '/v1/messages?eventId=edit-mail-1' })).json().items as MessageRow[]).find((m) => m.manual)!;
    expect(manual.manual).toMatchObject({
      original: { recipient: 'anna@client.example', subject: 'Заказ edit-mail-1', text: 'E-mail: заказ edit-mail-1 готов' },
      sent: { recipient: 'office@client.example', subject: 'Заказ готов к выдаче', text: 'Добрый день! Заказ готов.' },
    });
  });
});
