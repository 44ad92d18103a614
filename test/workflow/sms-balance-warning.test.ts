import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmsc, type Smsc } from '../../src/dev/peers/smsc';
import type { checkSmsBalance } from '../../workflows/check-sms-balance';
import { createHarness, type Harness } from '../helpers/harness';

/** Issue 10, SMS money: a balance alert with nobody to go to is never silent. */
describe('the SMS balance alert without an administrator e-mail, against real Temporal, PostgreSQL and SMSC', () => {
  let h: Harness;
  let smsc: Smsc;

  beforeAll(async () => {
    smsc = await startSmsc({ balance: 40 });
    h = await createHarness({ mode: 'live', smsUrl: `${smsc.url}?source=NOTIFY&balanceUrl=${encodeURIComponent(smsc.balanceUrl)}` });
  });
  afterAll(async () => {
    await h?.close();
    await smsc?.stop();
  });

  const check = (i: number) =>
    h.temporal.workflow.execute<typeof checkSmsBalance>('checkSmsBalance', {
      args: [{ companyId: h.companyId }],
      taskQueue: h.taskQueue,
      workflowId: `test-balance-warning-${h.taskQueue}-${i}`,
    });

  it('shows the problem in GET /v1/settings, journals one warning per fall, and e-mails once an address is set', async () => {
    const settings = await h.request({ method: 'PUT', url: '/v1/settings', payload: { adminEmail: null, sms: { balanceThreshold: 50 } } });
    expect(settings.statusCode, settings.body).toBe(200);
    expect(settings.json().problems).toEqual([{ code: 'NO_ADMIN_EMAIL', message: expect.stringContaining('e-mail администратора не указан') }]);

    expect(await check(1)).toMatchObject({ status: 'below', alert: 'no_admin_email' });
    expect(await check(2)).toMatchObject({ status: 'below', alert: 'no_admin_email' });
    const journal = await h.request({ method: 'GET', url: '/v1/journal?eventType=sms.balance' });
    expect(journal.statusCode, journal.body).toBe(200);
    const warnings = journal.json().items as { status: string; reason: string }[];
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ status: 'skipped' });
    expect(warnings[0]!.reason).toMatch(/^Баланс SMS 40 ниже порога 50, но предупредить некого: в настройках не указан e-mail администратора$/);

    const fixed = await h.request({ method: 'PUT', url: '/v1/settings', payload: { adminEmail: 'admin@shop.example' } });
    expect(fixed.json().problems).toEqual([]);
    const before = h.smtp.messages.length;
    expect(await check(3)).toMatchObject({ status: 'below', alert: 'sent' });
    const [mail] = (await h.smtp.waitForMessages(before + 1)).slice(before);
    const text = mail!.raw.toString('utf8');
    expect(text).not.toMatch(/««|»»/);
  });
});
