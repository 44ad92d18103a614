import { spawn, type ChildProcess } from 'node:child_process';
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { journalEntries } from '../../src/db/schema';
import { repoRoot } from '../../src/paths';
import { buildEvent } from '../helpers/factories';
import { createHarness, type Harness } from '../helpers/harness';

/** The real worker process, `src/main.ts worker`, wired to this test's database, SMTP and task queue. */
function startWorkerProcess(h: Harness): ChildProcess {
  // `node --import tsx` rather than the tsx launcher, so that SIGKILL hits the worker itself and not a wrapper.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'worker'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: h.databaseUrl,
      SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
      TEMPORAL_ADDRESS: h.temporalAddress,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      TEMPORAL_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
      SMTP_URL: h.smtp.url,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

describe('a worker killed while an event is in flight', () => {
  let h: Harness;
  let holding = true;
  let releaseHeld: ((err: Error) => void)[] = [];
  let held = 0;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    h = await createHarness({
      mode: 'live',
      worker: false,
      smtp: {
        // While holding, the server sits on each message's DATA: the send is in flight.
        beforeAccept: () =>
          holding
            ? new Promise<void>((_, reject) => {
                held += 1;
                releaseHeld.push(reject);
              })
            : undefined,
      },
    });
  });
  afterEach(() => {
    for (const child of children) child.kill('SIGKILL');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('completes the event after a new worker starts, and each contact gets the e-mail exactly once', async () => {
    const first = startWorkerProcess(h);
    children.push(first);
    const event = buildEvent();
    const posted = await h.request({ method: 'POST', url: '/v1/events', payload: event });
    expect(posted.statusCode).toBe(202);

    await until(() => held === 2, 60_000, 'both e-mails to reach the SMTP server');
    const exited = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await exited;
    // The dropped connections' half-received messages are refused, as a real server would discard them.
    holding = false;
    for (const reject of releaseHeld) reject(Object.assign(new Error('connection lost'), { responseCode: 421 }));
    releaseHeld = [];
    expect(h.smtp.messages).toHaveLength(0);

    const second = startWorkerProcess(h);
    children.push(second);
    const result = await h.temporal.workflow.getHandle(posted.json().workflowId).result();
    expect(result.outcome).toBe('completed');

    await new Promise((resolve) => setTimeout(resolve, 1500));
    const recipients = h.smtp.messages.flatMap((m) => m.to).sort();
    expect(recipients).toEqual(['anna.smirnova@romashka.example', 'ivan.petrov@romashka.example']);

    const sent = await h.db
      .select()
      .from(journalEntries)
      .where(and(eq(journalEntries.eventId, event.id), eq(journalEntries.status, 'sent')));
    expect(sent).toHaveLength(2);
    expect(sent.every((e) => (e.attempt ?? 0) >= 2)).toBe(true);
  }, 150_000);
});

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
