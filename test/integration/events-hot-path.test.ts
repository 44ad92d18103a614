import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventRepository } from '../../src/db/repositories/events';
import { eventTypes, events, journalEntries } from '../../src/db/schema';
import { givenVariables, missingVariables } from '../../src/domain/event-data';
import type { EventVariableDef } from '../../src/domain/vocabulary';
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

  it('stores in its one statement exactly the events the check of the API accepts, and nothing it refuses', async () => {
    // `required` as the JSON of a type may hold it, read as JavaScript reads it; names the data may lack or blank out.
    const variables = [
      { name: 'a', required: true },
      { name: 'b', required: 'yes' },
      { name: 'c', required: 1 },
      { name: 'd', required: 0 },
      { name: 'e', required: false },
      { name: 'f', required: null },
      { name: 'g' },
    ].map((v) => ({ description: v.name, example: 'x', ...v })) as unknown as EventVariableDef[];
    const type = `hot.rule-${Date.now()}`;
    await h.db.insert(eventTypes).values({ companyId: h.companyId, type, name: 'Правило', variables });
    const repo = createEventRepository(h.db);
    const full = { a: 'x', b: 0, c: false, d: null, e: '', f: ' ', g: null };
    const cases: Record<string, unknown>[] = [
      full,
      { ...full, a: '  ' },
      { ...full, a: '\u00a0\u2003' },
      { ...full, b: null },
      { ...full, c: undefined },
      { b: 1, c: 1 },
      { ...full, a: { nested: true } },
      { ...full, a: [] },
      {},
    ];
    for (const [i, raw] of cases.entries()) {
      const data = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
      const id = `rule-${Date.now()}-${i}`;
      const intake = await repo.intake(
        { companyId: h.companyId, id, type, counterpartyId: 'demo-client', data, occurredAt: null, workflowId: `wf-${id}` },
        givenVariables(data),
      );
      const acceptable = missingVariables(type, variables, data).length === 0;
      expect(intake.inserted !== undefined, `case ${i}: ${JSON.stringify(data)}`).toBe(acceptable);
      expect(intake.targets).toMatchObject({ typeName: 'Правило', counterpartyExists: true });
    }
    // An unknown client or type stores nothing, and says which.
    const unknownClient = await repo.intake(
      { companyId: h.companyId, id: `rule-${Date.now()}-cp`, type, counterpartyId: 'nobody', data: full, occurredAt: null, workflowId: 'wf-cp' },
      givenVariables(full),
    );
    expect(unknownClient).toMatchObject({ inserted: undefined, targets: { counterpartyExists: false } });
    const unknownType = await repo.intake(
      { companyId: h.companyId, id: `rule-${Date.now()}-t`, type: 'no.such', counterpartyId: 'demo-client', data: full, occurredAt: null, workflowId: 'wf-t' },
      givenVariables(full),
    );
    expect(unknownType).toMatchObject({ inserted: undefined, targets: { variables: undefined } });
  });

  it('counts the rate unit in the same statement and stores nothing past the limit, prepared on the pool or plain in a transaction', async () => {
    const key = `events:test:${Date.now()}`;
    const rate = { key, windowSeconds: 60, limit: 1 };
    const intakeOf = (repo: ReturnType<typeof createEventRepository>) => {
      const id = `rate-${Date.now()}-${Math.random()}`;
      return repo.intake({ companyId: h.companyId, id, type: 'order.ready_for_pickup', counterpartyId: 'demo-client', data: buildEvent().data, occurredAt: null, workflowId: `wf-${id}` }, givenVariables(buildEvent().data), rate);
    };
    const first = await h.db.transaction((tx) => intakeOf(createEventRepository(tx)));
    const second = await intakeOf(createEventRepository(h.db));
    // Both in one window unless a minute began between them: then the second is the first of its window.
    expect(first.inserted).toBeDefined();
    expect(first.hit?.count).toBe(1);
    if (second.hit!.windowStart.getTime() === first.hit!.windowStart.getTime()) {
      expect(second).toMatchObject({ inserted: undefined, hit: { count: 2 } });
      expect(second.hit!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    } else {
      expect(second).toMatchObject({ hit: { count: 1 } });
      expect(second.inserted).toBeDefined();
    }
  });

  it('leaves the run id to the run: the API writes the event once, and the first journal rows record the run', async () => {
    // The key is read once, then kept in memory while the change feed listens.
    await post(buildEvent());
    await until(() => h.changes.listening || undefined, 'the change feed listening');
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
    // The key is in memory once read; one statement counts the rate unit, reads the event with its type and client, and stores it.
    expect(counts, JSON.stringify(statements.texts)).toEqual([1, 1, 1]);

    await h.startWorker();
    for (const { id, runId } of posted) {
      await until(async () => (await runIdOf(id)) === runId || undefined, `the run of ${id} recorded`);
      const journal = await h.db.select().from(journalEntries).where(and(eq(journalEntries.companyId, h.companyId), eq(journalEntries.eventId, id)));
      expect(journal.find((e) => e.status === 'received')?.runId).toBe(runId);
    }
  });
});
