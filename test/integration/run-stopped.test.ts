import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvent } from '../helpers/factories';
import { createHarness, type Harness } from '../helpers/harness';
import { journalOf, until } from '../helpers/scenario';

interface Confirmation {
  eventId: string;
}

/**
 * An operator may stop a run in the Temporal UI (Terminate, Cancel) while its
 * event awaits a decision. The run then journals nothing more; the API
 * notices the closed run and journals it, so the event leaves the work queue
 * instead of waiting there for ever with buttons that cannot work.
 */
describe('a run stopped in Temporal while its event awaits confirmation', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness({ mode: 'live' });
    const res = await h.request({
      method: 'PUT',
      url: '/v1/event-types/stopped.confirm',
      payload: {
        name: 'Отгрузка по предоплате',
        confirmBeforeSend: true,
        channels: ['email'],
        variables: [{ name: 'orderNumber', description: 'Номер заказа', example: 'ЗК-0001' }],
        templates: { client: { email: { subject: 'Отгрузка {{ orderNumber }}', text: 'Заказ {{ orderNumber }} отгружен.' } } },
      },
    });
    expect(res.statusCode, res.body).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  const queued = async () => ((await h.request({ method: 'GET', url: '/v1/queues/confirmations' })).json() as { items: Confirmation[] }).items.map((i) => i.eventId);
  const counts = async () => (await h.request({ method: 'GET', url: '/v1/queues/counts' })).json() as { confirmations: number };

  /** Posts an event that awaits confirmation, and stops its run as the Temporal UI's Terminate or Cancel does. */
  const awaitingThenStopped = async (how: 'terminate' | 'cancel') => {
    const event = buildEvent({ type: 'stopped.confirm', data: { orderNumber: `ЗК-${how}` } });
    const posted = await h.request({ method: 'POST', url: '/v1/events', payload: event });
    expect(posted.statusCode, posted.body).toBe(202);
    const { workflowId } = posted.json() as { workflowId: string };
    await until(async () => ((await queued()).includes(event.id) ? true : undefined), `event ${event.id} in the queue`);
    const handle = h.temporal.workflow.getHandle(workflowId);
    if (how === 'terminate') {
      await handle.terminate('stopped by an operator');
    } else {
      await handle.cancel();
      await handle.result().catch(() => undefined);
    }
    return event.id;
  };

  it('answers a decision with 409 RUN_ENDED, journals why, sends nothing, and the event leaves the queue', async () => {
    const eventId = await awaitingThenStopped('terminate');
    // Nothing journaled the stop yet: the queue still holds the event.
    expect(await queued()).toContain(eventId);
    const before = (await counts()).confirmations;

    const decided = await h.request({ method: 'POST', url: `/v1/events/${eventId}/decision`, payload: { approve: true } });

    expect(decided.statusCode, decided.body).toBe(409);
    expect(decided.json()).toMatchObject({ error: { code: 'RUN_ENDED', message: expect.stringContaining('TERMINATED') } });
    expect(await queued()).not.toContain(eventId);
    expect((await counts()).confirmations).toBe(before - 1);
    const entries = await journalOf(h, eventId);
    expect(entries.at(-1)).toMatchObject({
      status: 'aborted',
      reason: 'выполнение прервано в Temporal (Terminate) до решения о подтверждении; сообщения не отправлены',
    });
    expect(entries.map((e) => e.status)).not.toContain('sent');
    expect(h.smtp.messages).toHaveLength(0);

    // Asked again: the plain conflict, and still one entry.
    const again = await h.request({ method: 'POST', url: `/v1/events/${eventId}/decision`, payload: { approve: false } });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'CONFLICT' } });
    expect((await journalOf(h, eventId)).filter((e) => e.status === 'aborted')).toHaveLength(1);
  });

  it('journals it when the event is looked at, so the queue clears without a decision', async () => {
    const eventId = await awaitingThenStopped('cancel');
    expect(await queued()).toContain(eventId);

    const details = await h.request({ method: 'GET', url: `/v1/events/${eventId}` });

    expect(details.statusCode, details.body).toBe(200);
    const body = details.json() as { state: string; journal: { status: string; reason: string | null }[] };
    expect(body.state).toBe('failed');
    expect(body.journal.at(-1)).toMatchObject({ status: 'aborted', reason: expect.stringContaining('выполнение отменено в Temporal (Cancel)') });
    expect(await queued()).not.toContain(eventId);
    // Looked at again: journaled once.
    await h.request({ method: 'GET', url: `/v1/events/${eventId}` });
    expect((await journalOf(h, eventId)).filter((e) => e.status === 'aborted')).toHaveLength(1);
  });

  it('leaves an event that still awaits alone when it is looked at', async () => {
    const event = buildEvent({ type: 'stopped.confirm', data: { orderNumber: 'ЗК-ждёт' } });
    expect((await h.request({ method: 'POST', url: '/v1/events', payload: event })).statusCode).toBe(202);
    await until(async () => ((await queued()).includes(event.id) ? true : undefined), `event ${event.id} in the queue`);

    const details = await h.request({ method: 'GET', url: `/v1/events/${event.id}` });

    expect((details.json() as { state: string }).state).toBe('awaiting_confirmation');
    expect((await journalOf(h, event.id)).map((e) => e.status)).not.toContain('aborted');
    expect(await queued()).toContain(event.id);
  });
});
