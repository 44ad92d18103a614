import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { journalEntries } from '../../src/db/schema';
import { buildEvent } from '../helpers/factories';
import { createHarness, type Harness } from '../helpers/harness';

describe('posting an event', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ mode: 'live' });
  });
  afterAll(async () => {
    await h?.close();
  });
  beforeEach(async () => {
    await h.setMode('live');
  });

  const journalOf = async (eventId: string) =>
    (await h.db.select().from(journalEntries).where(eq(journalEntries.eventId, eventId))).sort((a, b) => a.id - b.id);

  it('answers 200 with the same workflow and duplicate: true when the same event id comes again, and mails once', async () => {
    const event = buildEvent();
    const first = await h.request({ method: 'POST', url: '/v1/events', payload: event });
    expect(first.statusCode).toBe(202);
    await h.temporal.workflow.getHandle(first.json().workflowId).result();

    const again = await h.request({ method: 'POST', url: '/v1/events', payload: { ...event, data: { orderNumber: 'другой' } } });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ workflowId: first.json().workflowId, runId: first.json().runId, duplicate: true });

    const before = h.smtp.messages.length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(h.smtp.messages.length).toBe(before);
    expect((await journalOf(event.id)).filter((e) => e.status === 'sent')).toHaveLength(2);
  });

  it('starts one workflow and sends one e-mail per contact when 20 identical requests arrive at once', async () => {
    const event = buildEvent();
    const before = h.smtp.messages.length;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => h.request({ method: 'POST', url: '/v1/events', payload: event })),
    );
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes.filter((c) => c === 202)).toHaveLength(1);
    expect(codes.filter((c) => c === 200)).toHaveLength(19);
    const workflowIds = new Set(answers.map((a) => a.json().workflowId));
    const runIds = new Set(answers.map((a) => a.json().runId));
    expect(workflowIds.size).toBe(1);
    expect(runIds.size).toBe(1);

    await h.temporal.workflow.getHandle([...workflowIds][0]!).result();
    await h.smtp.waitForMessages(before + 2);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(h.smtp.messages.length).toBe(before + 2);

    const runs = [];
    for await (const run of h.temporal.workflow.list({ query: `WorkflowId = '${[...workflowIds][0]}'` })) runs.push(run);
    expect(runs).toHaveLength(1);
  });

  it('in test mode sends nothing and journals the full rendered text with status test', async () => {
    await h.setMode('test');
    const event = buildEvent({ data: { orderNumber: 'ТЕСТ-1', total: '10,00', warehouse: 'Северный' } });
    const before = h.smtp.messages.length;
    const posted = await h.request({ method: 'POST', url: '/v1/events', payload: event });
    expect(posted.statusCode).toBe(202);
    const result = await h.temporal.workflow.getHandle(posted.json().workflowId).result();
    expect(result.outcome).toBe('completed');

    const journal = await journalOf(event.id);
    const tests = journal.filter((e) => e.status === 'test');
    expect(tests.map((e) => e.recipient).sort()).toEqual(['anna.smirnova@romashka.example', 'ivan.petrov@romashka.example']);
    const anna = tests.find((e) => e.recipient === 'anna.smirnova@romashka.example')!;
    expect(anna.subject).toBe('Заказ № ТЕСТ-1 готов к выдаче');
    expect(anna.body).toContain('Здравствуйте, Анна Смирнова!');
    expect(anna.body).toContain('Ваш заказ № ТЕСТ-1 на сумму 10,00 ₽ готов к выдаче.\nМесто выдачи: Северный');
    expect(journal.some((e) => e.status === 'sent')).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(h.smtp.messages.length).toBe(before);
  });

  it('in off mode journals skipped and sends nothing', async () => {
    const settings = await h.request({ method: 'PUT', url: '/v1/settings', payload: { mode: 'off' } });
    expect(settings.statusCode).toBe(200);
    expect(settings.json().mode).toBe('off');

    const event = buildEvent();
    const before = h.smtp.messages.length;
    const posted = await h.request({ method: 'POST', url: '/v1/events', payload: event });
    const result = await h.temporal.workflow.getHandle(posted.json().workflowId).result();
    expect(result.outcome).toBe('skipped');

    const statuses = (await journalOf(event.id)).map((e) => e.status);
    expect(statuses).toEqual(['received', 'skipped']);
    const skipped = (await journalOf(event.id)).find((e) => e.status === 'skipped')!;
    expect(skipped.reason).toBe('Отправка выключена в настройках компании');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(h.smtp.messages.length).toBe(before);
  });
});
