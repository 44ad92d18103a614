import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTemporalCli } from '../../src/dev/temporal';
import { createHarness, type Harness } from '../helpers/harness';
import { postEvent, putClient, putNoticeType, until } from '../helpers/scenario';

const run = promisify(execFile);

/**
 * Acceptance (issue 10): an operator's `temporal workflow list --query` with the
 * custom search attributes lists exactly a client's events awaiting
 * confirmation, through the real CLI (`.tools`) against the test dev server.
 */
describe('the Temporal CLI finds the events awaiting confirmation by search attributes', () => {
  let h: Harness;
  let cli: string;

  beforeAll(async () => {
    cli = await findTemporalCli();
    h = await createHarness({ mode: 'test' });
    await putNoticeType(h, 'test.cli-confirm', { confirmBeforeSend: true, confirmTimeoutSeconds: 3600 });
    await putNoticeType(h, 'test.cli-plain');
    await putClient(h, 'cli-other', [{ name: 'Борис', telegramChatId: '7102' }]);
  });
  afterAll(async () => {
    await h?.close();
  });

  /** The workflow ids `temporal workflow list --query <query>` prints. */
  const listByCli = async (query: string): Promise<string[]> => {
    const { stdout } = await run(cli, ['workflow', 'list', '--address', h.temporalAddress, '--namespace', 'default', '--query', query, '--output', 'json'], {
      timeout: 20_000,
    });
    const text = stdout.trim();
    if (!text) return [];
    // One JSON array, or one JSON object per line, depending on the CLI version.
    const rows: unknown[] = text.startsWith('[') ? (JSON.parse(text) as unknown[]) : text.split('\n').map((line) => JSON.parse(line) as unknown);
    return rows.map((r) => (r as { execution: { workflowId: string } }).execution.workflowId).sort();
  };

  it("lists exactly demo-client's events awaiting confirmation, and drops a decided one", async () => {
    const w1 = await postEvent(h, { id: 'cli-w1', type: 'test.cli-confirm', counterpartyId: 'demo-client', data: { n: 'ЗК-1' } });
    const w2 = await postEvent(h, { id: 'cli-w2', type: 'test.cli-confirm', counterpartyId: 'demo-client', data: { n: 'ЗК-2' } });
    const plain = await postEvent(h, { id: 'cli-p1', type: 'test.cli-plain', counterpartyId: 'demo-client', data: { n: 'ЗК-3' } });
    await postEvent(h, { id: 'cli-o1', type: 'test.cli-confirm', counterpartyId: 'cli-other', data: { n: 'ЗК-4' } });
    await h.temporal.workflow.getHandle(plain.workflowId).result();

    // Every test file seeds its own company with a "demo-client" on the one test server: the company keeps this file's own.
    const query = `CounterpartyId='demo-client' AND NotifyState='awaiting_confirmation' AND CompanyId='${h.companyId}'`;
    const expected = [w1.workflowId, w2.workflowId].sort();
    let listed: string[] = [];
    await until(async () => {
      listed = await listByCli(query);
      return JSON.stringify(listed) === JSON.stringify(expected) || undefined;
    }, 'the CLI to list the two waiting events', 30_000).catch(() => undefined);
    expect(listed).toEqual(expected);

    const decided = await h.request({ method: 'POST', url: '/v1/events/cli-w2/decision', payload: { approve: false, comment: 'не нужно' } });
    expect(decided.statusCode, decided.body).toBe(200);
    await until(async () => {
      listed = await listByCli(query);
      return JSON.stringify(listed) === JSON.stringify([w1.workflowId]) || undefined;
    }, 'the CLI to drop the decided event', 30_000).catch(() => undefined);
    expect(listed).toEqual([w1.workflowId]);
  });
});
