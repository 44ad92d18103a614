import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/harness';
import type { NotifyEventResult } from '../../workflows/contract';
import { localActivitiesOf } from '../helpers/histories';
import { journalOf, putClient } from '../helpers/scenario';

/** Nested loops whose size comes from the event's data: fine with the type's example (1), past the 1 s render limit with 1000. */
const SLOW = '{% for a in (1..k) %}{% for b in (1..k) %}{% for c in (1..k) %}{% endfor %}{% endfor %}{% endfor %}Заказ {{ n }}';
const RECIPIENTS = 4;

/**
 * Issue 12, finding 5 (the worker's side): the render-and-send activity runs
 * templates in the piscina pool, so a template that runs into the 1 s render
 * limit never holds the worker's event loop, and the run's workflow task (the
 * first attempts are a local activity in it) answers in time. The in-process
 * worker renders for four recipients at once while the event loop's delay is
 * measured: a render on the loop would stall it for a second each.
 */
describe('the worker renders off its event loop', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness({ mode: 'live' });
    const type = await h.request({
      method: 'PUT',
      url: '/v1/event-types/test.slow-render',
      payload: {
        name: 'Медленный шаблон',
        variables: [
          { name: 'n', description: 'Номер', example: 'ЗК-1' },
          { name: 'k', description: 'Размер', example: 1 },
        ],
        channels: ['email'],
        templates: { client: { email: { subject: 'Заказ {{ n }}', text: SLOW } } },
      },
    });
    expect(type.statusCode, type.body).toBe(200);
    await putClient(
      h,
      'slow-render',
      Array.from({ length: RECIPIENTS }, (_, i) => ({ name: `Получатель ${i + 1}`, email: `slow${i + 1}@romashka.example` })),
    );
  });
  afterAll(async () => {
    await h?.close();
  });

  it('keeps the loop free and the workflow task alive while each render runs into the limit', async () => {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const posted = await h.request({ method: 'POST', url: '/v1/events', payload: { id: 'slow-render-1', type: 'test.slow-render', counterpartyId: 'slow-render', data: { n: 'ЗК-9', k: 1000 } } });
    expect(posted.statusCode, posted.body).toBe(202);
    const handle = h.temporal.workflow.getHandle(posted.json().workflowId);
    const result = (await handle.result()) as NotifyEventResult;
    delay.disable();

    // Each render really ran into the limit: the deliveries failed with the template error, nothing was sent.
    expect(result.deliveries).toHaveLength(RECIPIENTS);
    expect(result.deliveries.every((d) => d.status === 'failed')).toBe(true);
    const failed = (await journalOf(h, 'slow-render-1')).filter((e) => e.status === 'failed');
    expect(failed).toHaveLength(RECIPIENTS);
    for (const entry of failed) expect(entry.reason).toMatch(/render limit|лимит|шаблон/i);
    expect(h.smtp.messages).toHaveLength(0);

    // The renders ran in the run's local activity, and no workflow task timed out or failed: the worker answered in time.
    const history = await handle.fetchHistory();
    expect(localActivitiesOf(history).filter((type) => type === 'renderAndSendAll')).toHaveLength(1);
    expect(history.events?.filter((e) => e.workflowTaskTimedOutEventAttributes || e.workflowTaskFailedEventAttributes)).toEqual([]);
    expect(history.events?.filter((e) => e.activityTaskTimedOutEventAttributes)).toEqual([]);

    // Four one-second renders on the loop would have stalled it a second at a time; in the pool it never stalls that long.
    expect(delay.max / 1e6, `event loop delay max ${Math.round(delay.max / 1e6)} ms`).toBeLessThan(600);
  }, 120_000);
});
