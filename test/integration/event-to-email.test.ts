import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvent } from '../helpers/factories';
import { createHarness, type Harness } from '../helpers/harness';
import { addressOf, parseMail } from '../helpers/mail';
import { localActivitiesOf, saveHistory } from '../helpers/histories';

describe('an event becomes an e-mail', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ mode: 'live' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('delivers the rendered Cyrillic e-mail to every contact of the client and journals received, rendered and sent', async () => {
    const event = buildEvent({ data: { orderNumber: 'ЗК-777', total: '1 250,50', warehouse: 'Южный склад' } });

    const posted = await h.request({ method: 'POST', url: '/v1/events', payload: event });
    expect(posted.statusCode).toBe(202);
    const accepted = posted.json();
    expect(accepted).toMatchObject({ eventId: event.id, workflowId: `event:${h.companyId}:${event.id}`, duplicate: false });

    const result = await h.temporal.workflow.getHandle(accepted.workflowId).result();
    expect(result.outcome).toBe('completed');
    await saveHistory(h, accepted.workflowId, 'email-two-contacts-send-local');

    // Both e-mails' first attempts in one local activity, which also journals the event completed once both went out:
    // the run ends in the workflow task that started it, with no activity task through the server and 11 history
    // events (the budget is 20 and 3 tasks): two local activities (`beginEvent`, `renderAndSendAll`).
    const history = await h.temporal.workflow.getHandle(accepted.workflowId).fetchHistory();
    expect(history.events?.filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([]);
    expect(history.events?.filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(1);
    expect(localActivitiesOf(history)).toEqual(['beginEvent', 'renderAndSendAll']);
    expect(history.events?.length).toBeLessThanOrEqual(11);

    const mails = await h.smtp.waitForMessages(2);
    const parsed = await Promise.all(mails.map(parseMail));
    const byRecipient = new Map(parsed.map((m) => [addressOf(m.to).address, m]));
    expect([...byRecipient.keys()].sort()).toEqual(['anna.smirnova@romashka.example', 'ivan.petrov@romashka.example']);

    const ivan = byRecipient.get('ivan.petrov@romashka.example')!;
    expect(addressOf(ivan.from)).toEqual({ name: 'Автозапчасти Демо', address: 'notify@demo-parts.example' });
    expect(addressOf(ivan.to).name).toBe('Иван Петров');
    expect(ivan.subject).toBe('Заказ № ЗК-777 готов к выдаче');
    expect(ivan.text).toContain('Здравствуйте, Иван Петров!');
    expect(ivan.text).toContain('Ваш заказ № ЗК-777 на сумму 1 250,50 ₽ готов к выдаче.\nМесто выдачи: Южный склад');
    expect(ivan.html).toContain('<p>Здравствуйте, Иван Петров!</p>');
    expect(ivan.text).toContain('ООО «Автозапчасти Демо»');

    const details = await h.request({ method: 'GET', url: `/v1/events/${encodeURIComponent(event.id)}` });
    expect(details.statusCode).toBe(200);
    const body = details.json();
    expect(body.state).toBe('completed');
    const statuses = body.journal.map((e: { status: string }) => e.status);
    expect(statuses[0]).toBe('received');
    expect(statuses.filter((s: string) => s === 'rendered')).toHaveLength(2);
    expect(statuses.at(-1)).toBe('completed');

    const sent = body.journal.filter((e: { status: string }) => e.status === 'sent');
    expect(sent).toHaveLength(2);
    const ivanSent = sent.find((e: { recipient: string }) => e.recipient === 'ivan.petrov@romashka.example');
    expect(ivanSent).toMatchObject({ channel: 'email', provider: 'smtp', subject: 'Заказ № ЗК-777 готов к выдаче' });
    expect(ivanSent.providerMessageId).toBe(ivan.messageId);
    expect(ivanSent.workflowId).toBe(accepted.workflowId);
    expect(ivanSent.runId).toBe(accepted.runId);
  });

  it('links the event to its run in the Temporal UI, which shows that workflow', async () => {
    const event = buildEvent();
    const posted = (await h.request({ method: 'POST', url: '/v1/events', payload: event })).json();
    await h.temporal.workflow.getHandle(posted.workflowId).result();

    const body = (await h.request({ method: 'GET', url: `/v1/events/${encodeURIComponent(event.id)}` })).json();
    expect(body.temporalUiUrl).toBe(
      `${h.temporalUiUrl}/namespaces/default/workflows/${encodeURIComponent(posted.workflowId)}/${posted.runId}/history`,
    );
    const page = await fetch(body.temporalUiUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');

    // The UI's own backend answers for the run the link points at.
    const api = await fetch(
      `${h.temporalUiUrl}/api/v1/namespaces/default/workflows/${encodeURIComponent(posted.workflowId)}?execution.runId=${posted.runId}`,
    );
    expect(api.status).toBe(200);
    const described = (await api.json()) as { workflowExecutionInfo: { execution: { workflowId: string }; type: { name: string } } };
    expect(described.workflowExecutionInfo.execution.workflowId).toBe(posted.workflowId);
    expect(described.workflowExecutionInfo.type.name).toBe('notifyEvent');
  });
});
