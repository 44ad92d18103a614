import { randomBytes } from 'node:crypto';
import { ScheduleNotFoundError, type ScheduleHandle } from '@temporalio/client';
import { and, asc, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeyRepository } from '../../src/db/repositories/api-keys';
import { companies, configChanges, journalEntries, type NewJournalEntry } from '../../src/db/schema';
import { seedDemo } from '../../src/db/seed';
import { ensureSchedules, scheduleIdOf, type ScheduleName } from '../../src/temporal/schedules';
import type { checkSmsBalance } from '../../workflows/check-sms-balance';
import type { dispatchEmailOutbox } from '../../workflows/dispatch-email-outbox';
import { createHarness, type Harness } from '../helpers/harness';
import { saveHistory } from '../helpers/histories';
import { parseMail } from '../helpers/mail';
import { until } from '../helpers/scenario';
import { startSmsc, type Smsc } from '../../src/dev/peers/smsc';

const ADMIN_EMAIL = 'admin@demo-parts.example';

describe('scheduled jobs (R4, R16, R17) against real Temporal, PostgreSQL, SMTP and an SMSC', () => {
  let h: Harness;
  let smsc: Smsc;
  /** Recipients the SMTP sink refuses for good (550) or refuses once for now (451). */
  const refusedForGood = new Set<string>();
  const refusedOnce = new Set<string>();

  /** A second company in the same database and Temporal, with a `settings:admin` key of its own. */
  const otherCompanyId = `other-${randomBytes(4).toString('hex')}`;
  let otherKey: string;

  const idOf = (name: ScheduleName, companyId = h.companyId) => scheduleIdOf({ name, companyId }, h.taskQueue);
  const handleOf = (name: ScheduleName, companyId = h.companyId) => h.temporal.schedule.getHandle(idOf(name, companyId));
  /** The workflow ids of the schedule's recent runs. */
  const runsOf = async (handle: ScheduleHandle) => (await handle.describe()).info.recentActions.map((a) => a.action.workflow.workflowId);
  /** The workflow id of the schedule's first run that is not among `seen`. */
  const newRunOf = (handle: ScheduleHandle, seen: readonly string[]) =>
    until(async () => (await runsOf(handle)).find((id) => !seen.includes(id)), 'the triggered run');
  const ensure = () => ensureSchedules({ client: h.temporal, taskQueue: h.taskQueue, companies: [h.companyId] });
  const mailTo = (address: string) => h.smtp.messages.filter((m) => m.to.includes(address));
  let runs = 0;
  const dispatch = (input: Parameters<typeof dispatchEmailOutbox>[0] = {}) =>
    h.temporal.workflow.start<typeof dispatchEmailOutbox>('dispatchEmailOutbox', {
      args: [input],
      taskQueue: h.taskQueue,
      workflowId: `test-dispatch-${h.taskQueue}-${++runs}`,
    });

  /** Queued e-mail as `notifyEvent` journals it for the scheduled dispatch (see its `queuedEntry`). */
  const queuedEmail = (
    eventId: string,
    i: number,
    recipient: string,
    overrides: Partial<NewJournalEntry> = {},
    companyId = h.companyId,
  ): NewJournalEntry => {
    const workflowId = `event:${companyId}:${eventId}`;
    const deliveryKey = `client:contact-${i}`;
    return {
      companyId,
      stepKey: `${workflowId}/${deliveryKey}/email/queued`,
      eventId,
      eventType: 'order.ready_for_pickup',
      counterpartyId: 'demo-client',
      workflowId,
      runId: '00000000-0000-4000-8000-000000000000',
      status: 'queued',
      audience: 'client',
      channel: 'email',
      recipient,
      recipientName: `Получатель ${i}`,
      subject: `Заказ ${eventId} готов`,
      body: `Здравствуйте! Заказ ${eventId} готов к выдаче.`,
      reason: 'batched: sent by the scheduled e-mail dispatch',
      details: { deliveryKey, from: { name: 'Автозапчасти Демо', address: 'notify@demo-parts.example' } },
      ...overrides,
    };
  };
  const rowsOf = (eventId: string) =>
    h.db.select().from(journalEntries).where(eq(journalEntries.eventId, eventId)).orderBy(asc(journalEntries.id));

  beforeAll(async () => {
    smsc = await startSmsc({ balance: 150 });
    h = await createHarness({
      mode: 'live',
      smsUrl: `${smsc.url}?source=NOTIFY&balanceUrl=${encodeURIComponent(smsc.balanceUrl)}`,
      smtp: {
        beforeAccept: (mail) => {
          for (const to of mail.to) {
            if (refusedForGood.has(to)) throw Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 });
            if (refusedOnce.delete(to)) throw Object.assign(new Error('4.3.2 try again later'), { responseCode: 451 });
          }
        },
      },
    });
    await seedDemo(h.db, otherCompanyId);
    await h.db.update(companies).set({ mode: 'live' }).where(eq(companies.id, otherCompanyId));
    otherKey = (await createApiKeyRepository(h.db).create(otherCompanyId, 'other admin', ['settings:admin'])).key;
  });
  afterAll(async () => {
    if (h) {
      for (const companyId of [h.companyId, otherCompanyId]) {
        for (const name of ['email-dispatch', 'sms-balance'] as const) await handleOf(name, companyId).delete().catch(() => undefined);
      }
    }
    await h?.close();
    await smsc?.stop();
  });

  it('creates the company\'s own email-dispatch and sms-balance at start, each never overlapping its previous run', async () => {
    expect(idOf('email-dispatch')).toBe(`email-dispatch:${h.companyId}@${h.taskQueue}`);
    expect(idOf('sms-balance')).toBe(`sms-balance:${h.companyId}@${h.taskQueue}`);
    expect(await ensure()).toEqual({ created: [idOf('email-dispatch'), idOf('sms-balance')], existing: [] });
    expect(await ensure()).toEqual({ created: [], existing: [idOf('email-dispatch'), idOf('sms-balance')] });

    const dispatchSchedule = await handleOf('email-dispatch').describe();
    expect(dispatchSchedule.spec.intervals?.map((i) => i.every)).toEqual([5 * 60_000]);
    expect(dispatchSchedule.policies.overlap).toBe('SKIP');
    expect(dispatchSchedule.action).toMatchObject({ workflowType: 'dispatchEmailOutbox', taskQueue: h.taskQueue, args: [{ companyId: h.companyId }] });
    const balanceSchedule = await handleOf('sms-balance').describe();
    expect(balanceSchedule.spec.intervals?.map((i) => i.every)).toEqual([3_600_000]);
    expect(balanceSchedule.policies.overlap).toBe('SKIP');
    expect(balanceSchedule.action).toMatchObject({ workflowType: 'checkSmsBalance', args: [{ companyId: h.companyId }] });
    // Only the companies asked for: the other company's come with its first call (next test).
    await expect(handleOf('email-dispatch', otherCompanyId).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });

  it('gives each company its own two schedules: A\'s PUT pauses only A\'s dispatch, and B neither sees nor reaches A\'s', async () => {
    // B's first call creates B's schedules, running, with the default periods.
    const firstLook = await h.request({ method: 'GET', url: '/v1/schedules', key: otherKey });
    expect(firstLook.statusCode, firstLook.body).toBe(200);
    // Seed 000: the task's name and description, as the seed's task scheduler shows them.
    expect((firstLook.json().items as Record<string, unknown>[]).map((s) => [s.title, s.description])).toEqual([
      ['Журнал обмена. Отправка e-mail', 'Журнал обмена. Отправка e-mail'],
      ['Проверка баланса SMS', expect.stringContaining('Проверка баланса SMS')],
    ]);
    expect((firstLook.json().items as Record<string, unknown>[]).map((s) => [s.name, s.scheduleId, s.exists, s.every, s.paused])).toEqual([
      ['email-dispatch', idOf('email-dispatch', otherCompanyId), true, '5m', false],
      ['sms-balance', idOf('sms-balance', otherCompanyId), true, '1h', false],
    ]);
    expect(firstLook.body).not.toContain(h.companyId);
    expect((await handleOf('email-dispatch', otherCompanyId).describe()).action).toMatchObject({
      workflowType: 'dispatchEmailOutbox',
      taskQueue: h.taskQueue,
      args: [{ companyId: otherCompanyId }],
    });

    // Quiet from here on: the tests below run A's jobs when they want to.
    for (const name of ['email-dispatch', 'sms-balance'] as const) {
      const res = await h.request({ method: 'PUT', url: `/v1/schedules/${name}`, payload: { paused: true } });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ name, scheduleId: idOf(name), paused: true, exists: true });
    }
    expect((await handleOf('email-dispatch').describe()).state.paused).toBe(true);
    // B's are untouched, in Temporal and as B sees them.
    for (const name of ['email-dispatch', 'sms-balance'] as const) {
      const other = await handleOf(name, otherCompanyId).describe();
      expect(other.state, name).toMatchObject({ paused: false, note: { 'email-dispatch': 'Журнал обмена. Отправка e-mail', 'sms-balance': 'Проверка баланса SMS' }[name] });
      expect(other.action, name).toMatchObject({ staticSummary: expect.stringContaining(other.state.note ?? '?') });
    }
    const otherView = await h.request({ method: 'GET', url: '/v1/schedules', key: otherKey });
    expect(otherView.json().items.map((s: { scheduleId: string; paused: boolean }) => [s.scheduleId, s.paused])).toEqual([
      [idOf('email-dispatch', otherCompanyId), false],
      [idOf('sms-balance', otherCompanyId), false],
    ]);
    const ownView = await h.request({ method: 'GET', url: '/v1/schedules' });
    expect(ownView.body).not.toContain(otherCompanyId);

    // B can name no schedule but its own: A's ids are unknown names.
    for (const id of [idOf('email-dispatch'), `email-dispatch:${h.companyId}`, 'email-dispatch@x']) {
      const put = await h.request({ method: 'PUT', url: `/v1/schedules/${encodeURIComponent(id)}`, payload: { paused: false }, key: otherKey });
      expect(put.statusCode, put.body).toBe(404);
      const trigger = await h.request({ method: 'POST', url: `/v1/schedules/${encodeURIComponent(id)}/trigger`, key: otherKey });
      expect(trigger.statusCode, trigger.body).toBe(404);
    }

    // B's own change reaches only B's schedule, and each change is in its own company's history.
    const otherPut = await h.request({ method: 'PUT', url: '/v1/schedules/email-dispatch', payload: { every: '10m', paused: true }, key: otherKey });
    expect(otherPut.statusCode, otherPut.body).toBe(200);
    expect(otherPut.json()).toMatchObject({ scheduleId: idOf('email-dispatch', otherCompanyId), every: '10m', paused: true });
    expect((await handleOf('email-dispatch').describe()).spec.intervals?.map((i) => i.every)).toEqual([5 * 60_000]);
    const historyOf = async (companyId: string) =>
      (
        await h.db
          .select()
          .from(configChanges)
          .where(and(eq(configChanges.companyId, companyId), eq(configChanges.entity, 'schedule')))
          .orderBy(asc(configChanges.id))
      ).map((c) => [c.entityId, c.before, c.after]);
    expect(await historyOf(h.companyId)).toEqual([
      ['email-dispatch', { every: '5m', paused: false }, { every: '5m', paused: true }],
      ['sms-balance', { every: '1h', paused: false }, { every: '1h', paused: true }],
    ]);
    expect(await historyOf(otherCompanyId)).toEqual([['email-dispatch', { every: '5m', paused: false }, { every: '10m', paused: true }]]);
    const paused = await h.request({ method: 'PUT', url: '/v1/schedules/sms-balance', payload: { paused: true }, key: otherKey });
    expect(paused.statusCode, paused.body).toBe(200);
  });

  it('runs a company\'s dispatch on that company\'s queued e-mail only', async () => {
    await h.db.insert(journalEntries).values([
      queuedEmail('own', 1, 'own@a.example'),
      queuedEmail('own', 1, 'own@b.example', {}, otherCompanyId),
    ]);
    const ownSeen = await runsOf(handleOf('email-dispatch'));
    const otherSeen = await runsOf(handleOf('email-dispatch', otherCompanyId));
    const otherTrigger = await h.request({ method: 'POST', url: '/v1/schedules/email-dispatch/trigger', key: otherKey });
    expect(otherTrigger.statusCode, otherTrigger.body).toBe(202);
    expect(otherTrigger.json().scheduleId).toBe(idOf('email-dispatch', otherCompanyId));
    const otherRun = await newRunOf(handleOf('email-dispatch', otherCompanyId), otherSeen);
    expect(await h.temporal.workflow.getHandle<typeof dispatchEmailOutbox>(otherRun).result()).toMatchObject({ claimed: 1, sent: 1 });
    expect(mailTo('own@b.example')).toHaveLength(1);
    expect(mailTo('own@a.example')).toHaveLength(0);
    const [aQueued] = await h.db
      .select()
      .from(journalEntries)
      .where(and(eq(journalEntries.companyId, h.companyId), eq(journalEntries.eventId, 'own')));
    expect(aQueued).toMatchObject({ status: 'queued', dispatchedAt: null, claimToken: null });
    // B's trigger started no run of A's.
    expect(await runsOf(handleOf('email-dispatch'))).toEqual(ownSeen);

    const ownTrigger = await h.request({ method: 'POST', url: '/v1/schedules/email-dispatch/trigger' });
    expect(ownTrigger.statusCode, ownTrigger.body).toBe(202);
    const ownRun = await newRunOf(handleOf('email-dispatch'), ownSeen);
    expect(await h.temporal.workflow.getHandle<typeof dispatchEmailOutbox>(ownRun).result()).toMatchObject({ claimed: 1, sent: 1 });
    expect(mailTo('own@a.example')).toHaveLength(1);
    expect(mailTo('own@b.example')).toHaveLength(1);
  });

  it('lists the caller company\'s own e-mail dispatch and balance check, read back from Temporal', async () => {
    const res = await h.request({ method: 'GET', url: '/v1/schedules' });
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as Record<string, unknown>[];
    expect(items.map((s) => [s.name, s.scheduleId, s.every, s.paused, s.overlap])).toEqual([
      ['email-dispatch', idOf('email-dispatch'), '5m', true, 'SKIP'],
      ['sms-balance', idOf('sms-balance'), '1h', true, 'SKIP'],
    ]);
    expect(items[0]!.temporalUiUrl).toBe(`${h.temporalUiUrl}/namespaces/default/schedules/${encodeURIComponent(idOf('email-dispatch'))}`);
    expect((await h.request({ method: 'PUT', url: '/v1/schedules/nightly-report', payload: { paused: true } })).statusCode).toBe(404);
  });

  it('changes the period in Temporal through the API and refuses a bad or too short period with 400 naming /body/every', async () => {
    const changed = await h.request({ method: 'PUT', url: '/v1/schedules/email-dispatch', payload: { every: '15m' } });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ every: '15m', everySeconds: 900, paused: true });
    expect((await handleOf('email-dispatch').describe()).spec.intervals?.map((i) => i.every)).toEqual([900_000]);

    const inSeconds = await h.request({ method: 'PUT', url: '/v1/schedules/sms-balance', payload: { every: 5400 } });
    expect(inSeconds.statusCode, inSeconds.body).toBe(200);
    expect(inSeconds.json()).toMatchObject({ every: '1h30m', everySeconds: 5400 });
    const balance = await handleOf('sms-balance').describe();
    expect(balance.spec.intervals?.map((i) => i.every)).toEqual([5_400_000]);
    // The rest of the schedule is kept as it was.
    expect(balance.state.paused).toBe(true);
    expect(balance.action).toMatchObject({ workflowType: 'checkSmsBalance', taskQueue: h.taskQueue, args: [{ companyId: h.companyId }] });
    expect(balance.policies.overlap).toBe('SKIP');

    for (const every of ['30s', 'soon', '5 minutes', 0, 59, true, '']) {
      const bad = await h.request({ method: 'PUT', url: '/v1/schedules/email-dispatch', payload: { every } });
      expect(bad.statusCode, `${String(every)}: ${bad.body}`).toBe(400);
      expect(bad.json().error.code).toBe('VALIDATION_ERROR');
      expect(bad.json().error.details.map((d: { path: string }) => d.path)).toEqual(['/body/every']);
    }
    expect((await handleOf('email-dispatch').describe()).spec.intervals?.map((i) => i.every)).toEqual([900_000]);

    const history = await h.db
      .select()
      .from(configChanges)
      .where(and(eq(configChanges.entity, 'schedule'), eq(configChanges.entityId, 'email-dispatch')))
      .orderBy(asc(configChanges.id));
    expect(history.map((c) => [c.action, c.before, c.after])).toContainEqual(['update', { every: '5m', paused: true }, { every: '15m', paused: true }]);
  });

  it('runs nothing while paused and runs again once resumed', async () => {
    // The API's floor is a minute; the test shortens the period in Temporal itself to see runs happen.
    await handleOf('email-dispatch').update((previous) => ({
      spec: { intervals: [{ every: '1s' }] },
      action: previous.action,
      policies: previous.policies,
      state: previous.state,
    }));
    const actionsTaken = async () => (await handleOf('email-dispatch').describe()).info.numActionsTaken;
    const pausedAt = await actionsTaken();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await actionsTaken()).toBe(pausedAt);

    const resume = await h.request({ method: 'PUT', url: '/v1/schedules/email-dispatch', payload: { paused: false } });
    expect(resume.statusCode, resume.body).toBe(200);
    expect(resume.json().paused).toBe(false);
    await until(async () => ((await actionsTaken()) >= pausedAt + 2 ? true : undefined), 'runs after resuming', 15_000);

    const pause = await h.request({ method: 'PUT', url: '/v1/schedules/email-dispatch', payload: { paused: true } });
    expect(pause.statusCode, pause.body).toBe(200);
    const described = await handleOf('email-dispatch').describe();
    expect(described.state.paused).toBe(true);
    // The note keeps the seed's name of the task in front of who paused it.
    expect(described.state.note).toMatch(/^Журнал обмена\. Отправка e-mail — приостановлено: key:/);
    expect(pause.json()).toMatchObject({ title: 'Журнал обмена. Отправка e-mail', description: 'Журнал обмена. Отправка e-mail', note: described.state.note });
    // Wait for the last run to end, then nothing more starts.
    await until(async () => ((await handleOf('email-dispatch').describe()).info.runningActions.length === 0 ? true : undefined), 'the last run to end');
    const stoppedAt = await actionsTaken();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await actionsTaken()).toBe(stoppedAt);
    const back = await h.request({ method: 'PUT', url: '/v1/schedules/email-dispatch', payload: { every: '5m' } });
    expect(back.json()).toMatchObject({ every: '5m', paused: true });
  });

  it('delivers 500 queued e-mails exactly once each when two dispatch runs start at the same moment', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => queuedEmail(`bulk-${Math.floor(i / 50)}`, i, `r${i}@bulk.example`));
    await h.db.insert(journalEntries).values(rows);

    // One run triggered through the API (the schedule is paused: a trigger still runs), one started directly.
    const seen = await runsOf(handleOf('email-dispatch'));
    const [triggered, direct] = await Promise.all([
      h.request({ method: 'POST', url: '/v1/schedules/email-dispatch/trigger' }),
      dispatch({ batchSize: 20 }),
    ]);
    expect(triggered.statusCode, triggered.body).toBe(202);
    const triggeredRun = await newRunOf(handleOf('email-dispatch'), seen);
    const results = await Promise.all([h.temporal.workflow.getHandle<typeof dispatchEmailOutbox>(triggeredRun).result(), direct.result()]);

    expect(results[0].sent + results[1].sent).toBe(500);
    expect(results.map((r) => r.errors + r.failed + r.retryLater)).toEqual([0, 0]);
    const perRecipient = new Map<string, number>();
    for (const mail of h.smtp.messages) for (const to of mail.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
    for (let i = 0; i < 500; i++) expect(perRecipient.get(`r${i}@bulk.example`), `r${i}`).toBe(1);

    const sent = await h.db
      .select()
      .from(journalEntries)
      .where(and(like(journalEntries.eventId, 'bulk-%'), eq(journalEntries.status, 'sent')));
    expect(sent).toHaveLength(500);
    expect(new Set(sent.map((e) => e.stepKey)).size).toBe(500);
    const first = sent.find((e) => e.recipient === 'r7@bulk.example')!;
    expect(first).toMatchObject({ eventId: 'bulk-0', workflowId: `event:${h.companyId}:bulk-0`, stepKey: `event:${h.companyId}:bulk-0/client:contact-7/email/sent`, channel: 'email' });
    const queued = await h.db
      .select()
      .from(journalEntries)
      .where(and(like(journalEntries.eventId, 'bulk-%'), eq(journalEntries.status, 'queued')));
    expect(queued.every((e) => e.dispatchedAt !== null && e.claimToken === null)).toBe(true);
  }, 120_000);

  it('takes over the claims of a crashed run once their lease has passed, and leaves claims still held alone', async () => {
    await h.db.insert(journalEntries).values([
      queuedEmail('lease', 1, 'crashed@lease.example', { claimToken: 'crashed-run:0', claimedUntil: new Date(Date.now() - 60_000) }),
      queuedEmail('lease', 2, 'held@lease.example', { claimToken: 'live-run:0', claimedUntil: new Date(Date.now() + 600_000) }),
      queuedEmail('lease', 3, 'fresh@lease.example'),
      // A manager's manual send (R14) journals a `queued` request too: not the outbox's to send.
      queuedEmail('lease', 4, 'manual@lease.example', { stepKey: `manual:${h.companyId}:1/requested` }),
    ]);
    const result = await (await dispatch()).result();
    expect(result).toMatchObject({ claimed: 2, sent: 2 });
    expect(mailTo('crashed@lease.example')).toHaveLength(1);
    expect(mailTo('fresh@lease.example')).toHaveLength(1);
    expect(mailTo('held@lease.example')).toHaveLength(0);
    expect(mailTo('manual@lease.example')).toHaveLength(0);
    const held = (await rowsOf('lease')).find((e) => e.recipient === 'held@lease.example')!;
    expect(held).toMatchObject({ status: 'queued', claimToken: 'live-run:0', dispatchedAt: null });
  });

  it('takes at most maxEmails in one run, claiming the next batch while one sends, and leaves the rest for the next run', async () => {
    const rows = Array.from({ length: 130 }, (_, i) => queuedEmail(`cap-${Math.floor(i / 50)}`, i, `c${i}@cap.example`));
    await h.db.insert(journalEntries).values(rows);
    const first = await (await dispatch({ batchSize: 20, maxEmails: 50 })).result();
    // 20 + 20 + 10: the last claim asks only for what the cap leaves.
    expect(first).toMatchObject({ batches: 3, claimed: 50, sent: 50, more: true, errors: 0 });
    const rest = await (await dispatch({ batchSize: 20 })).result();
    expect(rest).toMatchObject({ claimed: 80, sent: 80, more: false, errors: 0 });
    const perRecipient = new Map<string, number>();
    for (const mail of h.smtp.messages) for (const to of mail.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
    for (let i = 0; i < 130; i++) expect(perRecipient.get(`c${i}@cap.example`), `c${i}`).toBe(1);
  });

  it('sends nothing again for an entry whose outcome an earlier attempt journaled before it died, and finishes its row', async () => {
    const rows = [1, 2, 3].map((i) => queuedEmail('resume', i, `r${i}@resume.example`));
    await h.db.insert(journalEntries).values(rows);
    // The earlier attempt sent r2 and journaled it, then died before marking the queued row.
    const earlier = { ...rows[1]!, stepKey: rows[1]!.stepKey.replace(/\/queued$/, '/sent'), status: 'sent' as const, reason: null };
    await h.db.insert(journalEntries).values(earlier);

    expect(await (await dispatch()).result()).toMatchObject({ claimed: 3, sent: 2, skipped: 1, errors: 0 });
    expect(mailTo('r1@resume.example')).toHaveLength(1);
    expect(mailTo('r2@resume.example')).toHaveLength(0);
    expect(mailTo('r3@resume.example')).toHaveLength(1);
    const after = await rowsOf('resume');
    expect(after.filter((e) => e.status === 'sent').map((e) => e.recipient).sort()).toEqual(['r1@resume.example', 'r2@resume.example', 'r3@resume.example']);
    expect(after.filter((e) => e.status === 'queued').every((e) => e.dispatchedAt !== null && e.claimToken === null)).toBe(true);
    // Nothing is left for the next run.
    expect(await (await dispatch()).result()).toMatchObject({ claimed: 0, sent: 0 });
  });

  it('journals a permanent refusal as failed with the server\'s reason; a transient one is retried by a later run', async () => {
    refusedForGood.add('broken@fail.example');
    refusedOnce.add('busy@fail.example');
    await h.db.insert(journalEntries).values([queuedEmail('fail', 1, 'broken@fail.example'), queuedEmail('fail', 2, 'busy@fail.example')]);

    const first = await dispatch({ retryDelaySeconds: 1 });
    expect(await first.result()).toMatchObject({ claimed: 2, sent: 0, failed: 1, retryLater: 1 });
    await saveHistory(h, first.workflowId, 'dispatch-refused-batched');
    let rows = await rowsOf('fail');
    const find = (status: string, recipient: string) => rows.find((e) => e.status === status && e.recipient === recipient);
    expect(rows.map((e) => `${e.status} ${e.recipient}`).sort()).toEqual([
      'attempt_failed busy@fail.example',
      'failed broken@fail.example',
      'queued broken@fail.example',
      'queued busy@fail.example',
    ]);
    expect(find('failed', 'broken@fail.example')!.reason).toMatch(/5\.1\.1 mailbox unavailable/);
    expect(find('attempt_failed', 'busy@fail.example')!.reason).toMatch(/4\.3\.2 try again later/);
    expect(find('queued', 'broken@fail.example')!.dispatchedAt).not.toBeNull();
    // Released, with a back-off before the next claim.
    expect(find('queued', 'busy@fail.example')).toMatchObject({ dispatchedAt: null, claimToken: null, claimedUntil: expect.any(Date) });

    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(await (await dispatch()).result()).toMatchObject({ claimed: 1, sent: 1 });
    rows = await rowsOf('fail');
    expect(rows.filter((e) => e.status === 'sent').map((e) => e.recipient)).toEqual(['busy@fail.example']);
    expect(rows.filter((e) => e.status === 'failed')).toHaveLength(1);
    expect(mailTo('busy@fail.example')).toHaveLength(1);
    expect(mailTo('broken@fail.example')).toHaveLength(0);
  });

  it('e-mails the administrator once per fall below the threshold: 150 → 90 → 80 → 120 → 95 gives two alerts', async () => {
    const settings = await h.request({ method: 'PUT', url: '/v1/settings', payload: { adminEmail: ADMIN_EMAIL, sms: { balanceThreshold: 100 } } });
    expect(settings.statusCode, settings.body).toBe(200);
    const outcomes: string[] = [];
    for (const [i, balance] of [150, 90, 80, 120, 95].entries()) {
      smsc.setBalance(balance);
      const result = await h.temporal.workflow.execute<typeof checkSmsBalance>('checkSmsBalance', {
        args: [{ companyId: h.companyId }],
        taskQueue: h.taskQueue,
        workflowId: `test-balance-${h.taskQueue}-${i}`,
      });
      outcomes.push(`${result.amount} ${result.status}${result.alert ? ` ${result.alert}` : ''}`);
    }
    expect(outcomes).toEqual(['150 ok', '90 below sent', '80 below already_sent', '120 ok', '95 below sent']);
    const alerts = mailTo(ADMIN_EMAIL);
    expect(alerts).toHaveLength(2);
    const subjects = await Promise.all(alerts.map(async (m) => (await parseMail(m)).subject));
    expect(subjects).toEqual(['Заканчивается пакет SMS: осталось 90\u00a0SMS, порог 100\u00a0SMS', 'Заканчивается пакет SMS: осталось 95\u00a0SMS, порог 100\u00a0SMS']);
  });

  it('recreates a schedule deleted by hand when the service starts again, and keeps one an operator changed', async () => {
    const changed = await h.request({ method: 'PUT', url: '/v1/schedules/sms-balance', payload: { every: '2h' } });
    expect(changed.statusCode, changed.body).toBe(200);
    await handleOf('email-dispatch').delete();
    const gone = await h.request({ method: 'GET', url: '/v1/schedules' });
    expect(gone.json().items.map((s: { name: string; exists: boolean }) => [s.name, s.exists])).toEqual([
      ['email-dispatch', false],
      ['sms-balance', true],
    ]);

    expect(await ensure()).toEqual({ created: [idOf('email-dispatch')], existing: [idOf('sms-balance')] });
    const recreated = await handleOf('email-dispatch').describe();
    expect(recreated.spec.intervals?.map((i) => i.every)).toEqual([300_000]);
    expect(recreated.action).toMatchObject({ workflowType: 'dispatchEmailOutbox', taskQueue: h.taskQueue, args: [{ companyId: h.companyId }] });
    expect((await handleOf('sms-balance').describe()).spec.intervals?.map((i) => i.every)).toEqual([7_200_000]);
  });
});
