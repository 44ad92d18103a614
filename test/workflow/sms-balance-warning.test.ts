import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmsRuPeer, type SmsRuPeer } from '../../src/dev/peers/sms-ru';
import { startSmsc, type Smsc } from '../../src/dev/peers/smsc';
import type { checkSmsBalance } from '../../workflows/check-sms-balance';
import { createHarness, type Harness } from '../helpers/harness';
import { parseMail } from '../helpers/mail';

/** Issue 10, SMS money: the balance states its unit, the threshold is in the same one, and an alert is never silent. */
describe('the SMS balance, its unit and its alert, against real Temporal, PostgreSQL, SMSC and an SMS.ru peer', () => {
  let h: Harness;
  let smsc: Smsc;
  let smsRu: SmsRuPeer;

  beforeAll(async () => {
    smsc = await startSmsc({ balance: 40 });
    smsRu = await startSmsRuPeer({ balance: 42.5 });
    h = await createHarness({ mode: 'live', smsUrl: `${smsc.url}?source=NOTIFY&balanceUrl=${encodeURIComponent(smsc.balanceUrl)}` });
  });
  afterAll(async () => {
    await h?.close();
    await smsc?.stop();
    await smsRu?.stop();
  });

  let run = 0;
  const check = () =>
    h.temporal.workflow.execute<typeof checkSmsBalance>('checkSmsBalance', {
      args: [{ companyId: h.companyId }],
      taskQueue: h.taskQueue,
      workflowId: `test-balance-warning-${h.taskQueue}-${++run}`,
    });

  it('the SMPP gateway counts messages: the settings and the balance API say so, and a threshold in roubles is refused', async () => {
    const settings = await h.request({ method: 'GET', url: '/v1/settings' });
    expect(settings.json().sms.balanceUnit).toEqual({ code: 'messages', unit: 'messages', currency: null, label: 'SMS' });

    const balance = await h.request({ method: 'GET', url: '/v1/messaging/sms/balance' });
    expect(balance.statusCode, balance.body).toBe(200);
    expect(balance.json()).toMatchObject({ ok: true, amount: 40, unit: 'messages', unitLabel: 'SMS', formatted: '40\u00a0SMS' });
    expect(balance.json().currency).toBeUndefined();

    const roubles = await h.request({ method: 'PATCH', url: '/v1/settings', payload: { sms: { balanceThreshold: 100, balanceThresholdUnit: 'RUB' } } });
    expect(roubles.statusCode, roubles.body).toBe(422);
    expect(roubles.json().error.code).toBe('BALANCE_UNIT_MISMATCH');
    expect(roubles.json().error.details[0]).toMatchObject({ path: '/body/sms/balanceThresholdUnit', message: expect.stringContaining('in messages') });
    // Nothing of the refused change was kept.
    expect((await h.request({ method: 'GET', url: '/v1/settings' })).json().sms.balanceThreshold).toBe('none');

    const messages = await h.request({ method: 'PATCH', url: '/v1/settings', payload: { sms: { balanceThreshold: 50, balanceThresholdUnit: 'messages' } } });
    expect(messages.statusCode, messages.body).toBe(200);
    expect(messages.json().sms).toMatchObject({ balanceThreshold: 50, balanceUnit: { code: 'messages' } });
  });

  it('shows the problem in GET /v1/settings, journals one warning per fall with the amount in SMS, and e-mails once an address is set', async () => {
    const settings = await h.request({ method: 'PUT', url: '/v1/settings', payload: { adminEmail: null, sms: { balanceThreshold: 50 } } });
    expect(settings.statusCode).toBe(200);
    expect(settings.json().problems).toEqual([{ code: 'NO_ADMIN_EMAIL', message: expect.stringContaining('Порог баланса SMS (50\u00a0SMS) задан, но e-mail администратора не указан') }]);

    expect(await check()).toMatchObject({ status: 'below', alert: 'no_admin_email' });
    expect(await check()).toMatchObject({ status: 'below', alert: 'no_admin_email' });
    const journal = await h.request({ method: 'GET', url: '/v1/journal?eventType=sms.balance' });
    expect(journal.statusCode, journal.body).toBe(200);
    const warnings = journal.json().items as { status: string; reason: string }[];
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ status: 'skipped' });
    expect(warnings[0]!.reason).toBe('У SMS-шлюза default-smpp осталось 40\u00a0SMS, ниже порога 50\u00a0SMS, но предупредить некого: в настройках не указан e-mail администратора');

    const fixed = await h.request({ method: 'PUT', url: '/v1/settings', payload: { adminEmail: 'admin@shop.example' } });
    expect(fixed.json().problems).toEqual([]);
    const before = h.smtp.messages.length;
    expect(await check()).toMatchObject({ status: 'below', alert: 'sent' });
    const [received] = (await h.smtp.waitForMessages(before + 1)).slice(before);
    const mail = await parseMail(received!);
    expect(mail.text).not.toMatch(/««|»»/);
    expect(mail.text).toContain('У SMS-шлюза default-smpp осталось 40\u00a0SMS, ниже порога 50\u00a0SMS.');
  });

  it('SMS.ru counts roubles: switching to it needs the threshold again, and the alert states roubles', async () => {
    const provider = { kind: 'sms_ru', name: 'SMS.ru', config: { baseUrl: smsRu.baseUrl }, secrets: { apiId: smsRu.apiId } };
    const kept = await h.request({ method: 'PATCH', url: '/v1/settings', payload: { providers: { smsru: provider }, sms: { primaryProviderId: 'smsru' } } });
    expect(kept.statusCode, kept.body).toBe(422);
    expect(kept.json().error.code).toBe('BALANCE_UNIT_CHANGED');
    expect(kept.json().error.details[0]).toMatchObject({ path: '/body/sms/balanceThreshold', message: expect.stringContaining('in money (RUB)') });

    const switched = await h.request({
      method: 'PATCH',
      url: '/v1/settings',
      payload: { providers: { smsru: provider }, sms: { primaryProviderId: 'smsru', balanceThreshold: 100, balanceThresholdUnit: 'RUB' } },
    });
    expect(switched.statusCode, switched.body).toBe(200);
    expect(switched.json().sms).toMatchObject({ balanceThreshold: 100, balanceUnit: { code: 'RUB', unit: 'money', currency: 'RUB', label: '₽ (RUB)' } });

    const balance = await h.request({ method: 'GET', url: '/v1/messaging/sms/balance' });
    expect(balance.json()).toMatchObject({ ok: true, provider: 'smsru', amount: 42.5, unit: 'money', currency: 'RUB', formatted: '42,50\u00a0₽' });

    const before = h.smtp.messages.length;
    expect(await check()).toMatchObject({ status: 'below', amount: 42.5, currency: 'RUB', threshold: 100, alert: 'sent' });
    const [received] = (await h.smtp.waitForMessages(before + 1)).slice(before);
    const mail = await parseMail(received!);
    expect(mail.subject).toBe('Заканчиваются деньги на счёте для SMS: 42,50\u00a0₽, порог 100,00\u00a0₽');
    expect(mail.text).toContain('Остаток на счёте SMS.ru: 42,50\u00a0₽, ниже порога 100,00\u00a0₽.');
  });
});
