import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events, journalEntries } from '../../src/db/schema';
import { buildEvent } from '../helpers/factories';
import { createHarness, type Harness } from '../helpers/harness';
import { until } from '../helpers/scenario';
import { countStatements } from '../helpers/statements';

/**
 * `POST /v1/events` on its hot path (issue 14): the API asks the database as
 * little as it can, and what it leaves out is still done. The run id the 202
 * names is recorded on the event by the run's own first journal rows.
 */
describe('the event intake hot path', () => {
  let h: Harness;
  let statements: ReturnType<typeof countStatements>;

  beforeAll(async () => {
    // No worker at first: what a client sees between the 202 and the run's first step.
    h = await createHarness({ worker: false });
    statements = countStatements(h.db);
  });
  afterAll(async () => {
    await h?.close();
  });

  const post = (event: ReturnType<typeof buildEvent>) => h.request({ method: 'POST', url: '/v1/events', payload: event });
  const runIdOf = async (eventId: string) =>
    (await h.db.select({ runId: events.runId }).from(events).where(and(eq(events.companyId, h.companyId), eq(events.id, eventId))))[0]?.runId;

  it('names the run in the 202, and GET shows that run before the run has taken a step', async () => {
    const event = buildEvent();
    const accepted = await post(event);
    expect(accepted.statusCode, accepted.body).toBe(202);
    const { runId, workflowId } = accepted.json() as { runId: string; workflowId: string };

    const read = await h.request({ method: 'GET', url: `/v1/events/${event.id}` });
    expect(read.statusCode, read.body).toBe(200);
    // No worker runs it yet: the engine has it, and says so.
    expect(read.json()).toMatchObject({ eventId: event.id, workflowId, runId, state: 'running' });
    expect(read.json().temporalUiUrl).toContain(runId);
  });

  it('answers a repeated post before the run has taken a step with the same run, and records it', async () => {
    const event = buildEvent();
    const accepted = await post(event);
    expect(accepted.statusCode, accepted.body).toBe(202);
    const again = await post(event);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ runId: accepted.json().runId, duplicate: true, status: 'duplicate' });
    expect(await runIdOf(event.id)).toBe(accepted.json().runId);
    // Recorded now: the next repetition is answered from the row alone.
    statements.reset();
    const third = await post(event);
    expect(third.json()).toMatchObject({ runId: accepted.json().runId, duplicate: true });
    expect(statements.texts.filter((t) => /^update "events"/i.test(t))).toEqual([]);
  });

  it('leaves the run id to the run: the API writes the event once, and the first journal rows record the run', async () => {
    // The rate window's first request in a minute also clears older windows: measured on later ones.
    await post(buildEvent());
    const counts: number[] = [];
    const posted: { id: string; runId: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const event = buildEvent();
      statements.reset();
      const res = await post(event);
      expect(res.statusCode, res.body).toBe(202);
      counts.push(statements.count);
      expect(statements.texts.filter((t) => /^update "events"/i.test(t)), statements.texts.join('\n')).toEqual([]);
      posted.push({ id: event.id, runId: res.json().runId });
    }
    // The key (in memory once read), the rate window, the read of the event with its type and client, the insert.
    expect(Math.min(...counts), JSON.stringify(statements.texts)).toBe(3);

    await h.startWorker();
    for (const { id, runId } of posted) {
      await until(async () => (await runIdOf(id)) === runId || undefined, `the run of ${id} recorded`);
      const journal = await h.db.select().from(journalEntries).where(and(eq(journalEntries.companyId, h.companyId), eq(journalEntries.eventId, id)));
      expect(journal.find((e) => e.status === 'received')?.runId).toBe(runId);
    }
  });
});
