import { spawn, type ChildProcess } from 'node:child_process';
import { and, eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { journalEntries } from '../../src/db/schema';
import { repoRoot } from '../../src/paths';
import type { NotifyEventResult } from '../../workflows/contract';
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
    // The first attempts are a local activity in the run's workflow task: the dead worker's task timed out, and the
    // new worker's retry of it sent the e-mails.
    const history = await h.temporal.workflow.getHandle(posted.json().workflowId).fetchHistory();
    expect(history.events?.filter((e) => e.workflowTaskTimedOutEventAttributes).length).toBeGreaterThanOrEqual(1);
  }, 150_000);

  it('sends nothing again when the worker dies after the e-mails went out and were journaled, before its task completed', async () => {
    holding = false;
    const event = buildEvent();
    const workflowId = `event:${h.companyId}:${event.id}`;
    // The test's own transaction holds the event's closing journal entry uncommitted: the worker's write of it (the
    // last e-mail's `sent` takes it along, once the other is journaled), the local activity's last step, waits for it.
    const blocker = new pg.Client({ connectionString: h.databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query(
        `insert into journal_entries (company_id, step_key, event_id, event_type, counterparty_id, workflow_id, status)
         values ($1, $2, $3, $4, $5, $6, 'completed')`,
        [h.companyId, `${workflowId}/completed`, event.id, event.type, event.counterpartyId, workflowId],
      );
      const first = startWorkerProcess(h);
      children.push(first);
      const before = h.smtp.messages.length;
      const posted = await h.request({ method: 'POST', url: '/v1/events', payload: event });
      expect(posted.statusCode).toBe(202);
      const sentRows = () => h.db.select().from(journalEntries).where(and(eq(journalEntries.eventId, event.id), eq(journalEntries.status, 'sent')));
      await untilAsync(async () => (await sentRows()).length === 1, 60_000, 'the first e-mail to be journaled sent');
      await untilAsync(
        async () => (await h.db.execute<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock'`)).rows[0]!.n >= 1,
        30_000,
        "the worker's last write to wait for the test's transaction",
      );
      expect(h.smtp.messages.length - before).toBe(2);

      // Frozen, the worker cannot hear that its write went through: PostgreSQL commits it all the same once the lock is gone.
      first.kill('SIGSTOP');
      await blocker.query('rollback');
      await untilAsync(async () => (await sentRows()).length === 2, 30_000, 'the last e-mail to be journaled sent with the closing entry');
      const exited = new Promise((resolve) => first.once('exit', resolve));
      first.kill('SIGKILL');
      await exited;

      const second = startWorkerProcess(h);
      children.push(second);
      const result = await h.temporal.workflow.getHandle(workflowId).result();
      expect(result.outcome).toBe('completed');
      expect((result as NotifyEventResult).deliveries.map((d) => d.status)).toEqual(['sent', 'sent']);

      await new Promise((resolve) => setTimeout(resolve, 1500));
      // The retried task ran the local activity again: it found both e-mails journaled sent and sent neither again.
      expect(h.smtp.messages.length - before).toBe(2);
      expect(await sentRows()).toHaveLength(2);
      const closing = await h.db.select().from(journalEntries).where(and(eq(journalEntries.eventId, event.id), eq(journalEntries.status, 'completed')));
      expect(closing).toHaveLength(1);
      const history = await h.temporal.workflow.getHandle(workflowId).fetchHistory();
      expect(history.events?.filter((e) => e.workflowTaskTimedOutEventAttributes).length).toBeGreaterThanOrEqual(1);
    } finally {
      await blocker.end();
    }
  }, 150_000);
});

async function untilAsync(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
