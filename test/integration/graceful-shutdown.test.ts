import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { journalEntries } from '../../src/db/schema';
import { repoRoot } from '../../src/paths';
import { buildEvent } from '../helpers/factories';
import { createHarness, TEST_SECRETS_KEY, type Harness } from '../helpers/harness';
import { until } from '../helpers/scenario';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `src/main.ts <role>` as a child process on this test's database, Temporal task queue and SMTP server. */
function startRole(h: Harness, role: 'api' | 'worker', port?: number): ChildProcess {
  // `node --import tsx` rather than the tsx launcher, so the signal reaches the service itself and not a wrapper.
  return spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', role], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: h.databaseUrl,
      SECRETS_KEY: TEST_SECRETS_KEY,
      TEMPORAL_ADDRESS: h.temporalAddress,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      TEMPORAL_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
      SMTP_URL: h.smtp.url,
      LOG_LEVEL: 'warn',
      ...(port ? { PORT: String(port), HOST: '127.0.0.1' } : {}),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const exitOf = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

describe('graceful shutdown: SIGTERM during load loses no accepted event', () => {
  let h: Harness;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // Every e-mail takes a while at the SMTP server, so the worker has sends in flight when the signal comes.
    h = await createHarness({ mode: 'live', worker: false, smtp: { beforeAccept: () => new Promise((resolve) => setTimeout(resolve, 300)) } });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await h?.close();
  });

  it('the worker finishes or hands back its activities, the API drains, and a new worker delivers every accepted event', async () => {
    const port = await freePort();
    const api = startRole(h, 'api', port);
    const worker = startRole(h, 'worker');
    children.push(api, worker);
    const base = `http://127.0.0.1:${port}`;
    await until(async () => (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) || undefined, 'the API to listen', 90_000);

    const accepted: string[] = [];
    const refused: string[] = [];
    const post = async () => {
      const event = buildEvent();
      try {
        const res = await fetch(`${base}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${h.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(event),
        });
        (res.status === 202 ? accepted : refused).push(event.id);
        // Anything but 202 or an honest refusal (503 while closing) would be a broken answer.
        expect([202, 503]).toContain(res.status);
      } catch {
        // Connection refused once the API stopped listening: not accepted, the caller knows to retry.
        refused.push(event.id);
      }
    };

    // A steady load: a few events in flight at any time, for about eight seconds.
    let loading = true;
    const load = (async () => {
      while (loading) {
        await Promise.all([post(), post(), post()]);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    await until(() => (accepted.length >= 6 ? true : undefined), 'the first events to be accepted', 60_000);
    await until(async () => ((await sentCount()) > 0 ? true : undefined), 'the worker to send', 60_000);

    worker.kill('SIGTERM');
    const acceptedAtWorkerStop = accepted.length;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    api.kill('SIGTERM');
    const [workerExit, apiExit] = await Promise.all([exitOf(worker), exitOf(api)]);
    loading = false;
    await load;

    // Both left by themselves, cleanly.
    expect(workerExit).toEqual({ code: 0, signal: null });
    expect(apiExit).toEqual({ code: 0, signal: null });
    // The API kept accepting after the worker was told to stop: those events wait in Temporal.
    expect(accepted.length).toBeGreaterThan(acceptedAtWorkerStop);

    // A new worker: every accepted event is delivered, each e-mail journaled sent once.
    const second = startRole(h, 'worker');
    children.push(second);
    for (const id of accepted) {
      const handle = h.temporal.workflow.getHandle(`event:${h.companyId}:${id}`);
      expect((await handle.result()).outcome, id).toBe('completed');
    }
    const sent = await h.db.select().from(journalEntries).where(and(eq(journalEntries.companyId, h.companyId), eq(journalEntries.status, 'sent')));
    for (const id of accepted) expect(sent.filter((e) => e.eventId === id), id).toHaveLength(2);
    // No event outside those accepted was journaled: a refused post left nothing behind.
    expect(new Set(sent.map((e) => e.eventId)).size).toBe(accepted.length);
    expect(h.smtp.messages.length).toBeGreaterThanOrEqual(accepted.length * 2);
    second.kill('SIGTERM');
    expect(await exitOf(second)).toEqual({ code: 0, signal: null });
  }, 240_000);

  async function sentCount(): Promise<number> {
    const rows = await h.db.select().from(journalEntries).where(and(eq(journalEntries.companyId, h.companyId), eq(journalEntries.status, 'sent')));
    return rows.length;
  }
});
