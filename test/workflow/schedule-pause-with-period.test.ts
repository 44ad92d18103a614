import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleIdOf, type ScheduleName } from '../../src/temporal/schedules';
import { createHarness, type Harness } from '../helpers/harness';

/**
 * Issue 13, finding 1: `PUT /v1/schedules/:name {"every":"10m","paused":true}`
 * lost the pause on a real Temporal server, because the period and the pause
 * went to Temporal as two separate changes. One PUT is one change: the answer
 * and what Temporal describes afterwards both carry the period and the state.
 */
describe('a PUT that changes the period and pauses or resumes at once', () => {
  let h: Harness;
  const name: ScheduleName = 'email-dispatch';
  const handle = () => h.temporal.schedule.getHandle(scheduleIdOf({ name, companyId: h.companyId }, h.taskQueue));

  beforeAll(async () => {
    h = await createHarness({ worker: false });
  });
  afterAll(async () => {
    if (h) for (const n of ['email-dispatch', 'sms-balance'] as const) {
      await h.temporal.schedule.getHandle(scheduleIdOf({ name: n, companyId: h.companyId }, h.taskQueue)).delete().catch(() => undefined);
    }
    await h?.close();
  });

  const put = async (payload: Record<string, unknown>) => {
    const res = await h.request({ method: 'PUT', url: `/v1/schedules/${name}`, payload });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { every: string; everySeconds: number; paused: boolean; note: string | null };
  };

  it('pauses with a new period, resumes with another, and Temporal describes both each time', async () => {
    // Created running with the default period on the company's first call.
    expect(await put({ every: '5m' })).toMatchObject({ every: '5m', paused: false });

    // Back and forth, one PUT right after the other, as a script would do it.
    const steps = [
      { every: '10m', paused: true },
      { every: '15m', paused: false },
      { every: '20m', paused: true },
      { every: '1h', paused: false },
      { every: '2h', paused: true },
      { every: '3h', paused: false },
    ];
    for (const step of steps) {
      const answer = await put(step);
      const label = JSON.stringify(step);
      expect(answer, label).toMatchObject({ every: step.every, paused: step.paused, note: expect.stringMatching(step.paused ? /^Журнал обмена\. Отправка e-mail — приостановлено: key:\d+ demo admin$/ : /^Журнал обмена\. Отправка e-mail — возобновлено: key:\d+ demo admin$/) });
      const described = await handle().describe();
      expect(described.state.paused, label).toBe(step.paused);
      expect(described.state.note, label).toBe(answer.note);
      expect(described.spec.intervals?.map((i) => i.every), label).toEqual([answer.everySeconds * 1000]);
    }
  });

  it('keeps the pause when only the period changes, and the period when only the pause changes', async () => {
    expect(await put({ every: '10m', paused: true })).toMatchObject({ every: '10m', paused: true });
    expect(await put({ every: '30m' })).toMatchObject({ every: '30m', paused: true });
    expect((await handle().describe()).state.paused).toBe(true);
    expect(await put({ paused: false })).toMatchObject({ every: '30m', paused: false });
    const described = await handle().describe();
    expect(described.state.paused).toBe(false);
    expect(described.spec.intervals?.map((i) => i.every)).toEqual([30 * 60_000]);
  });
});
