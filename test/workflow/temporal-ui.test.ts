import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTES } from '../../workflows/contract';
import { createHarness, type Harness } from '../helpers/harness';
import { saveHistory } from '../helpers/histories';
import { postEvent, putClient, putNoticeType, until } from '../helpers/scenario';

/**
 * Operators in the Temporal UI (issue 10): runs are found by client and state
 * through the custom search attributes, and read by their Russian summary.
 */
describe('event runs in the Temporal UI', () => {
  let h: Harness;
  // Search attributes are namespace-wide: other test files' clients must not match.
  const suffix = randomBytes(4).toString('hex');
  const clientA = `ui-a-${suffix}`;
  const clientB = `ui-b-${suffix}`;

  beforeAll(async () => {
    h = await createHarness({ mode: 'test' });
    await putNoticeType(h, 'test.ui-confirm', { confirmBeforeSend: true, confirmTimeoutSeconds: 3600 });
    await putNoticeType(h, 'test.ui-plain');
    await putClient(h, clientA, [{ name: 'Анна', telegramChatId: '7001' }], { name: 'ООО «Ромашка»' });
    await putClient(h, clientB, [{ name: 'Борис', telegramChatId: '7002' }]);
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Workflow ids the visibility query lists, polled until they are `expected` (visibility lags behind). */
  const listedEventually = async (query: string, expected: string[]): Promise<string[]> => {
    let last: string[] = [];
    try {
      return await until(async () => {
        const ids: string[] = [];
        for await (const run of h.temporal.workflow.list({ query })) ids.push(run.workflowId);
        last = ids.sort();
        return JSON.stringify(last) === JSON.stringify([...expected].sort()) ? last : undefined;
      }, `${query} to list ${expected.join(', ')}`, 20_000);
    } catch {
      return last;
    }
  };

  it("lists exactly a client's events awaiting confirmation, and drops one once it is decided", async () => {
    const a1 = await postEvent(h, { id: `a1-${suffix}`, type: 'test.ui-confirm', counterpartyId: clientA, data: { n: 'ЗК-1' } });
    const a2 = await postEvent(h, { id: `a2-${suffix}`, type: 'test.ui-confirm', counterpartyId: clientA, data: { n: 'ЗК-2' } });
    const a3 = await postEvent(h, { id: `a3-${suffix}`, type: 'test.ui-plain', counterpartyId: clientA, data: { n: 'ЗК-3' } });
    const b1 = await postEvent(h, { id: `b1-${suffix}`, type: 'test.ui-confirm', counterpartyId: clientB, data: { n: 'ЗК-4' } });
    await h.temporal.workflow.getHandle(a3.workflowId).result();

    const waitingOfA = `CounterpartyId='${clientA}' AND NotifyState='awaiting_confirmation'`;
    expect(await listedEventually(waitingOfA, [a1.workflowId, a2.workflowId])).toEqual([a1.workflowId, a2.workflowId].sort());
    expect(await listedEventually(`CounterpartyId='${clientB}' AND NotifyState='awaiting_confirmation'`, [b1.workflowId])).toEqual([b1.workflowId]);

    const reject = await h.request({ method: 'POST', url: `/v1/events/a2-${suffix}/decision`, payload: { approve: false, comment: 'не нужно' } });
    expect(reject.statusCode, reject.body).toBe(200);
    expect((await h.temporal.workflow.getHandle(a2.workflowId).result()).outcome).toBe('rejected');

    expect(await listedEventually(waitingOfA, [a1.workflowId])).toEqual([a1.workflowId]);
    expect(await listedEventually(`CounterpartyId='${clientA}' AND NotifyState='rejected'`, [a2.workflowId])).toEqual([a2.workflowId]);
    expect(
      await listedEventually(`CompanyId='${h.companyId}' AND EventType='test.ui-plain' AND NotifyState='completed'`, [a3.workflowId]),
    ).toEqual([a3.workflowId]);

    await saveHistory(h, a2.workflowId, 'search-attributes-rejected');
    await saveHistory(h, a3.workflowId, 'search-attributes-test-mode');

    const described = await h.temporal.workflow.getHandle(a1.workflowId).describe();
    expect(described.typedSearchAttributes.get(SEARCH_ATTRIBUTES.companyId)).toBe(h.companyId);
    expect(described.typedSearchAttributes.get(SEARCH_ATTRIBUTES.eventType)).toBe('test.ui-confirm');
  });

  it('summarises a run in Russian with the type and client names, and details it with the ids', async () => {
    const { workflowId } = await postEvent(h, { id: `s1-${suffix}`, type: 'test.ui-plain', counterpartyId: clientA, data: { n: 'ЗК-5' } });
    const described = await h.temporal.workflow.getHandle(workflowId).describe();
    expect(await described.staticSummary()).toBe('Тестовое уведомление (test.ui-plain) → ООО «Ромашка»');
    const details = await described.staticDetails();
    expect(details).toContain(`s1-${suffix}`);
    expect(details).toContain(h.companyId);
    expect(details).toContain(clientA);
  });
});
