import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmsc, type Smsc } from '../../src/dev/peers/smsc';
import { createHarness, type Harness } from '../helpers/harness';
import { journalOf, postEvent, putClient, putNoticeType, until } from '../helpers/scenario';
import { countStatements } from '../helpers/statements';

/**
 * What one event costs the database, end to end (issue 14: at most 10
 * statements an event): the API's intake, the plan, the journal and, for
 * SMS, the duplicate window's marker and the receipts. Counted on the one
 * pool the file's API and worker share, with the whole journal checked too,
 * so a statement saved is not an entry lost.
 */
describe('database statements per event', () => {
  let h: Harness;
  let smsc: Smsc;
  let statements: ReturnType<typeof countStatements>;

  beforeAll(async () => {
    smsc = await startSmsc({ receipts: 'delivered' });
    h = await createHarness({ mode: 'live', smsUrl: `${smsc.url}?source=NOTIFY` });
    statements = countStatements(h.db);
    await putNoticeType(h, 'test.statements-email', { channels: ['email'] });
    await putNoticeType(h, 'test.statements-sms', { channels: ['sms'] });
    await putClient(h, 'statements-client', [
      { name: 'Анна', email: 'anna@example.test', phone: '+79160001111' },
      { name: 'Борис', email: 'boris@example.test', phone: '+79160002222' },
    ]);
    // Warm: the first event of a type reads what later ones find in the caches.
    for (const type of ['test.statements-email', 'test.statements-sms']) {
      const { workflowId } = await postEvent(h, { id: `warm-${type}`, type, counterpartyId: 'statements-client', data: { n: 'ЗК-0' } });
      await h.temporal.workflow.getHandle(workflowId).result();
    }
    await until(async () => (await journalOf(h, 'warm-test.statements-sms')).filter((e) => e.status === 'delivered').length === 2, 'the warm-up receipts');
  });
  afterAll(async () => {
    await h?.close();
    await smsc?.stop();
  });

  /** The statements of one event, from its post until its journal holds `settled` entries, with that journal's statuses. */
  const oneEvent = async (id: string, type: string, settled: (statuses: string[]) => boolean) => {
    await new Promise((r) => setTimeout(r, 300));
    statements.reset();
    const { workflowId } = await postEvent(h, { id, type, counterpartyId: 'statements-client', data: { n: 'ЗК-1' } });
    await h.temporal.workflow.getHandle(workflowId).result();
    const statuses = await until(async () => {
      const found = (await journalOf(h, id)).map((e) => e.status);
      return settled(found) ? found : undefined;
    }, `the journal of ${id}`);
    // The test's own reads of the journal are not the event's.
    const counted = statements.texts.filter((t) => !/^select .* from "journal_entries" where \("journal_entries"\."company_id" = \$1 and "journal_entries"\."event_id" = \$2\) order by/i.test(t));
    return { statuses, counted };
  };

  it('an event to two e-mail addresses: six statements, and the journal whole', async () => {
    const { statuses, counted } = await oneEvent('statements-email', 'test.statements-email', (s) => s.includes('completed'));
    expect([...statuses].sort()).toEqual(['completed', 'received', 'recipients_resolved', 'rendered', 'rendered', 'sent', 'sent'].sort());
    expect(statuses.at(-1)).toBe('completed');
    // The intake, the plan, the opening entries, the look for e-mails an earlier run of the batch sent, and per e-mail `rendered` with `sent` (the last with `completed`).
    expect(counted, counted.join('\n')).toHaveLength(6);
  });

  it('an event to two phones by SMS, the receipts included: eleven statements, and the journal whole', async () => {
    const { statuses, counted } = await oneEvent('statements-sms', 'test.statements-sms', (s) => s.filter((x) => x === 'delivered').length === 2);
    expect([...statuses].sort()).toEqual(['completed', 'delivered', 'delivered', 'received', 'recipients_resolved', 'rendered', 'rendered', 'sent', 'sent'].sort());
    expect(smsc.messages().filter((m) => m.text === 'SMS: заказ ЗК-1 готов')).toHaveLength(2);
    // The intake, the plan, the opening entries, and per SMS `rendered` with the limits' count and the marker, the provider's id, `sent` (the last with `completed`) and the receipt.
    expect(counted, counted.join('\n')).toHaveLength(11);
  });
});
