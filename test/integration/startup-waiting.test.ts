import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { repoRoot } from '../../src/paths';
import { buildEvent } from '../helpers/factories';
import { createHarness, TEST_SECRETS_KEY, type Harness } from '../helpers/harness';

/**
 * Issue 13, finding 3: a role started before Temporal accepts connections (or
 * before its namespace exists) waits for it, saying so, instead of exiting at
 * once with `start failed`; after START_TIMEOUT_SECONDS it gives up, naming
 * what it waited for.
 */

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startRole(role: 'api' | 'worker', h: Harness, env: Record<string, string>): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', role], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: h.databaseUrl,
      SECRETS_KEY: TEST_SECRETS_KEY,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      TEMPORAL_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
      SMTP_URL: h.smtp.url,
      PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function until(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Temporal "coming up" on `port`: a TCP proxy to the tests' real Temporal. */
async function proxyTo(target: string, port: number): Promise<{ stop(): Promise<void> }> {
  const [host, targetPort] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(targetPort, host);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      s.on('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('a role started before Temporal is reachable', () => {
  let h: Harness;
  const children: ChildProcess[] = [];
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    h = await createHarness({ mode: 'live', worker: false });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    for (const stop of stops) await stop();
    await h?.close();
  });

  it('waits, saying for what, and runs once Temporal comes up: its worker delivers an event', async () => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const worker = startRole('worker', h, { TEMPORAL_ADDRESS: address, START_TIMEOUT_SECONDS: '120' });
    children.push(worker.child);

    await until(() => worker.output().includes(`waiting for Temporal at ${address} (namespace default)`), 60_000, () => `the waiting line:\n${worker.output()}`);
    // Still up and waiting a while later, not exited with "start failed".
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(worker.child.exitCode, worker.output()).toBeNull();
    expect(worker.output()).not.toContain('start failed');

    const proxy = await proxyTo(inject('temporalAddress'), port);
    stops.push(() => proxy.stop());
    await until(() => worker.output().includes('worker running'), 60_000, () => `the worker to run:\n${worker.output()}`);

    const event = buildEvent();
    const posted = await h.request({ method: 'POST', url: '/v1/events', payload: event });
    expect(posted.statusCode, posted.body).toBe(202);
    const result = await h.temporal.workflow.getHandle(posted.json().workflowId).result();
    expect(result.outcome).toBe('completed');
    expect(h.smtp.messages.flatMap((m) => m.to).sort()).toEqual(['anna.smirnova@romashka.example', 'ivan.petrov@romashka.example']);
  }, 150_000);

  it('gives up after START_TIMEOUT_SECONDS with nothing listening, exiting non-zero and naming the address', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const worker = startRole('worker', h, { TEMPORAL_ADDRESS: address, START_TIMEOUT_SECONDS: '3' });
    children.push(worker.child);
    const code = await worker.exited;
    expect(code, worker.output()).not.toBe(0);
    expect(code).not.toBeNull();
    expect(worker.output()).toContain(`waiting for Temporal at ${address}`);
    expect(worker.output()).toMatch(new RegExp(`Temporal at ${address.replace(/\./g, '\\.')} \\(namespace default\\) did not answer within 3 s`));
  }, 60_000);

  it('the API waits for a missing namespace too, and gives up naming the address and the namespace', async () => {
    const address = inject('temporalAddress');
    const api = startRole('api', h, { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'no-such-namespace', START_TIMEOUT_SECONDS: '3' });
    children.push(api.child);
    const code = await api.exited;
    expect(code, api.output()).not.toBe(0);
    expect(api.output()).toContain(`waiting for Temporal at ${address} (namespace no-such-namespace)`);
    expect(api.output()).toMatch(/not found/i);
    expect(api.output()).toContain(`Temporal at ${address} (namespace no-such-namespace) did not answer within 3 s`);
  }, 60_000);
});

describe('a role started before PostgreSQL is reachable', () => {
  let h: Harness;
  const children: ChildProcess[] = [];
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    h = await createHarness({ mode: 'live', worker: false });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    for (const stop of stops) await stop();
    await h?.close();
  });

  /** The harness's database, reached through `port` (where PostgreSQL "comes up" once a proxy listens). */
  const databaseUrlAt = (port: number) => {
    const url = new URL(h.databaseUrl);
    url.port = String(port);
    // Over TCP to that port: the embedded database's URL names its Unix socket too.
    url.searchParams.delete('host');
    return url.toString();
  };

  it('waits, saying for what and never the password, and runs once PostgreSQL comes up: its worker delivers an event', async () => {
    const port = await freePort();
    const worker = startRole('worker', h, { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: databaseUrlAt(port), START_TIMEOUT_SECONDS: '120' });
    children.push(worker.child);

    const waiting = `waiting for PostgreSQL at 127.0.0.1:${port}${new URL(h.databaseUrl).pathname}`;
    await until(() => worker.output().includes(waiting), 60_000, () => `the waiting line:\n${worker.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(worker.child.exitCode, worker.output()).toBeNull();
    expect(worker.output()).not.toContain('start failed');
    expect(worker.output()).not.toContain(`:${new URL(h.databaseUrl).password}@`);

    const pgUrl = new URL(inject('postgresUrl'));
    const proxy = await proxyTo(`${pgUrl.hostname}:${pgUrl.port}`, port);
    stops.push(() => proxy.stop());
    await until(() => worker.output().includes('worker running'), 90_000, () => `the worker to run:\n${worker.output()}`);

    const event = buildEvent();
    const posted = await h.request({ method: 'POST', url: '/v1/events', payload: event });
    expect(posted.statusCode, posted.body).toBe(202);
    const result = await h.temporal.workflow.getHandle(posted.json().workflowId).result();
    expect(result.outcome).toBe('completed');
    expect(h.smtp.messages.flatMap((m) => m.to).sort()).toEqual(['anna.smirnova@romashka.example', 'ivan.petrov@romashka.example']);
  }, 180_000);

  it('gives up after START_TIMEOUT_SECONDS with nothing listening, exiting non-zero and naming the address', async () => {
    const port = await freePort();
    const api = startRole('api', h, { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: databaseUrlAt(port), START_TIMEOUT_SECONDS: '3' });
    children.push(api.child);
    const code = await api.exited;
    expect(code, api.output()).not.toBe(0);
    expect(code).not.toBeNull();
    expect(api.output()).toContain(`waiting for PostgreSQL at 127.0.0.1:${port}`);
    expect(api.output()).toMatch(new RegExp(`PostgreSQL at 127\\.0\\.0\\.1:${port}/\\S+ did not answer within 3 s`));
    expect(api.output()).not.toContain(`:${new URL(h.databaseUrl).password}@`);
  }, 60_000);
});
