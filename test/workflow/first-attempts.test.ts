import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/harness';
import { localActivitiesOf } from '../helpers/histories';
import { journalOf, postEvent, putClient, putNoticeType } from '../helpers/scenario';
import type { NotifyEventResult } from '../../workflows/contract';

/**
 * Issue 14: the first attempt of an event's messages goes out in one local
 * activity (`renderAndSendAll`, ten messages to one), in the workflow task
 * that started the run. What a recipient gets and what the journal says are
 * the same as with one activity task per message: each message once, a
 * deferred first attempt retried on the channel's schedule (as an activity
 * task) with its attempts numbered on, a refusal for good not retried.
 */
describe("an event's first attempts in one local activity", () => {
  let h: Harness;
  const refusedOnce = new Set<string>();
  const refusedForGood = new Set<string>();
  const many = Array.from({ length: 12 }, (_, i) => ({ name: `Контакт ${i + 1}`, email: `contact${i + 1}@many.example` }));

  beforeAll(async () => {
    h = await createHarness({
      mode: 'live',
      smtp: {
        beforeAccept: (mail) => {
          for (const to of mail.to) {
            if (refusedForGood.has(to)) throw Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 });
            if (refusedOnce.delete(to)) throw Object.assign(new Error('4.3.2 try again later'), { responseCode: 451 });
          }
        },
      },
    });
    await putNoticeType(h, 'test.first-attempts', { channels: ['email'] });
    await putClient(h, 'many', many);
    await putClient(h, 'pair', [
      { name: 'Ирина', email: 'irina@pair.example' },
      { name: 'Олег', email: 'oleg@pair.example' },
    ]);
  });
  afterAll(async () => {
    await h?.close();
  });

  /** The run's activity tasks through the server, by name, and how many local activities made first attempts. */
  const tasksOf = async (workflowId: string) => {
    const history = await h.temporal.workflow.getHandle(workflowId).fetchHistory();
    return {
      activities: (history.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []),
      firstAttempts: localActivitiesOf(history).filter((type) => type === 'renderAndSendAll').length,
    };
  };

  it('sends twelve contacts one e-mail each in two local activities, ten and two, journaled sent on the first attempt', async () => {
    const { workflowId } = await postEvent(h, { id: 'first-many', type: 'test.first-attempts', counterpartyId: 'many', data: { n: 'ЗК-12' } });
    const result = (await h.temporal.workflow.getHandle(workflowId).result()) as NotifyEventResult;
    expect(result.outcome).toBe('completed');
    expect(result.deliveries.map((d) => d.status)).toEqual(many.map(() => 'sent'));

    const received = h.smtp.messages.filter((m) => m.to.some((to) => to.endsWith('@many.example')));
    expect(received.flatMap((m) => m.to).sort()).toEqual(many.map((c) => c.email).sort());
    expect(await tasksOf(workflowId)).toEqual({ activities: [], firstAttempts: 2 });

    const journal = await journalOf(h, 'first-many');
    const sent = journal.filter((e) => e.status === 'sent');
    expect(sent).toHaveLength(12);
    expect(sent.every((e) => e.attempt === 1)).toBe(true);
    expect(journal.filter((e) => e.status === 'rendered')).toHaveLength(12);
    // Two local activities: the run itself closes the journal, once, after every message.
    expect(journal.filter((e) => e.status === 'completed')).toHaveLength(1);
    expect(journal.at(-1)).toMatchObject({ status: 'completed', details: { outcome: 'completed' } });
  });

  it('retries a deferred first attempt as attempt 2, alone; the other contact gets one e-mail', async () => {
    refusedOnce.add('oleg@pair.example');
    const { workflowId } = await postEvent(h, { id: 'first-deferred', type: 'test.first-attempts', counterpartyId: 'pair', data: { n: 'ЗК-2' } });
    const result = (await h.temporal.workflow.getHandle(workflowId).result()) as NotifyEventResult;
    expect(result.outcome).toBe('completed');
    expect(refusedOnce.size).toBe(0);

    const to = (address: string) => h.smtp.messages.filter((m) => m.to.includes(address));
    expect(to('irina@pair.example')).toHaveLength(1);
    expect(to('oleg@pair.example')).toHaveLength(1);
    expect(await tasksOf(workflowId)).toEqual({ activities: ['renderAndSend'], firstAttempts: 1 });

    const journal = await journalOf(h, 'first-deferred');
    const oleg = journal.filter((e) => e.recipient === 'oleg@pair.example').map((e) => [e.status, e.attempt]);
    expect(oleg).toEqual([
      ['rendered', null],
      ['attempt_failed', 1],
      ['sent', 2],
    ]);
    const irina = journal.filter((e) => e.recipient === 'irina@pair.example').map((e) => [e.status, e.attempt]);
    expect(irina).toEqual([
      ['rendered', null],
      ['sent', 1],
    ]);
    // Not all went out at first: the run journals the event completed itself, after the retry.
    expect(journal.filter((e) => e.status === 'completed')).toHaveLength(1);
    expect(journal.at(-1)).toMatchObject({ status: 'completed', details: { outcome: 'completed' } });
  });

  it('does not retry a first attempt refused for good, and journals the delivery failed with the server\'s words', async () => {
    refusedForGood.add('oleg@pair.example');
    try {
      const { workflowId } = await postEvent(h, { id: 'first-refused', type: 'test.first-attempts', counterpartyId: 'pair', data: { n: 'ЗК-3' } });
      const result = (await h.temporal.workflow.getHandle(workflowId).result()) as NotifyEventResult;
      expect(result.outcome).toBe('partial');
      expect(result.deliveries).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ recipient: 'Олег', status: 'failed', reason: expect.stringContaining('mailbox unavailable') }),
          expect.objectContaining({ recipient: 'Ирина', status: 'sent' }),
        ]),
      );
      expect(await tasksOf(workflowId)).toEqual({ activities: [], firstAttempts: 1 });
      const journal = await journalOf(h, 'first-refused');
      const oleg = journal.filter((e) => e.recipient === 'oleg@pair.example').map((e) => [e.status, e.attempt]);
      expect(oleg).toEqual([
        ['rendered', null],
        ['attempt_failed', 1],
        ['failed', null],
      ]);
    } finally {
      refusedForGood.clear();
    }
  });
});
