import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/paths';
import { buildEvent } from '../helpers/factories';

interface Started {
  child: ChildProcess;
  output: () => string;
  apiUrl: string;
  printedKey: string | undefined;
}

const ADMIN_API_KEY = 'admin-key-for-the-start-test-0123456789';

/** Runs `src/main.ts all` as `npm start` does, with only embedded dependencies, and waits for its banner. */
async function start(dataDir: string): Promise<Started> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0', ADMIN_API_KEY, LOG_LEVEL: 'warn' };
  for (const name of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'SMTP_URL', 'TEMPORAL_UI_URL']) delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const deadline = Date.now() + 150_000;
  while (!/OpenAPI UI/.test(out)) {
    if (child.exitCode !== null) throw new Error(`main exited with ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) throw new Error(`main did not start in time:\n${out}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const apiUrl = /API\s+(http:\/\/\S+)/.exec(out)?.[1];
  if (!apiUrl) throw new Error(`no API URL printed:\n${out}`);
  return { child, output: () => out, apiUrl, printedKey: /Demo API key\s+(\S+)/.exec(out)?.[1] };
}

async function stop(started: Started): Promise<number | null> {
  if (started.child.exitCode !== null) return started.child.exitCode;
  const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
  started.child.kill('SIGTERM');
  return exited;
}

describe('npm start with a bad configuration', () => {
  it('stops at once with a message naming every bad variable and what it expects', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: repoRoot,
      env: { ...process.env, PORT: 'abc', SMTP_URL: 'http://mail.example', DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/PORT must be a port number/);
    expect(stderr).toMatch(/SMTP_URL must use smtp: or smtps:/);
  });
});

describe('npm start with embedded defaults', () => {
  const running: Started[] = [];
  let dataDir = '';
  afterAll(async () => {
    for (const s of running) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('starts Temporal, PostgreSQL and an SMTP sink by itself, seeds a demo, and a live event lands as .eml files', async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'notify-start-'));
    const first = await start(dataDir);
    running.push(first);

    expect(first.output()).toMatch(/Temporal UI\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(first.printedKey).toMatch(/^nk_/);
    const call = (method: string, url: string, key: string, body?: unknown) =>
      fetch(`${first.apiUrl}${url}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });

    expect((await fetch(`${first.apiUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${first.apiUrl}/readyz`)).status).toBe(200);
    const metrics = await fetch(`${first.apiUrl}/metrics`);
    expect(metrics.status).toBe(200);
    const exposition = await metrics.text();
    expect(exposition).toMatch(/^http_requests_total\{method="GET",route="\/readyz",status="200"\} 1$/m);
    expect(exposition).toMatch(/^process_cpu_user_seconds_total /m);
    const docsPage = await fetch(`${first.apiUrl}/docs`);
    expect(docsPage.status).toBe(200);
    expect(await docsPage.text()).toMatch(/swagger/i);
    const openapi = (await (await fetch(`${first.apiUrl}/docs/json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/v1/events', '/v1/events/{id}', '/v1/settings', '/v1/session', '/v1/users']));

    // The demo users' passwords are printed beside the key; a person signs in over plain HTTP on loopback.
    const adminPassword = /Demo sign-in\s+admin \/ (\S+)/.exec(first.output())?.[1];
    expect(adminPassword, first.output()).toBeDefined();
    expect(first.output()).toMatch(/Demo sign-in\s+manager \/ \S+/);
    const signIn = await fetch(`${first.apiUrl}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'admin', password: adminPassword }),
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^notify_session=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Strict$/);
    const me = await fetch(`${first.apiUrl}/v1/session`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { name: string } }).user.name).toBe('Администратор');

    // The printed key and ADMIN_API_KEY both work; a new company starts in test mode.
    const settings = await call('GET', '/v1/settings', first.printedKey!);
    expect(settings.status).toBe(200);
    expect(((await settings.json()) as { mode: string }).mode).toBe('test');
    expect((await call('PUT', '/v1/settings', ADMIN_API_KEY, { mode: 'live' })).status).toBe(200);

    const event = buildEvent();
    const posted = await call('POST', '/v1/events', ADMIN_API_KEY, event);
    expect(posted.status).toBe(202);

    const mailDir = path.join(dataDir, 'mail');
    const deadline = Date.now() + 60_000;
    let files: string[] = [];
    while (files.length < 2 && Date.now() < deadline) {
      files = await fs.readdir(mailDir).catch(() => []);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(2);
    const raw = await fs.readFile(path.join(mailDir, files[0]!), 'utf8');
    expect(raw).toMatch(/^To: /m);
    expect(raw).toMatch(/<(ivan\.petrov|anna\.smirnova)@romashka\.example>/);

    // Embedded SMS and Telegram peers stand in for providers: test messages go through both.
    const devToken = /bot token for settings: (\S+)/.exec(first.output())?.[1];
    expect(devToken).toBeDefined();
    expect((await call('PUT', '/v1/settings', ADMIN_API_KEY, { telegram: { botToken: devToken } })).status).toBe(200);
    const sms = (await (await call('POST', '/v1/messaging/test', ADMIN_API_KEY, { channel: 'sms', to: '+79161234567' })).json()) as { ok: boolean };
    expect(sms.ok).toBe(true);
    const tg = (await (await call('POST', '/v1/messaging/test', ADMIN_API_KEY, { channel: 'telegram', to: '123456' })).json()) as { ok: boolean };
    expect(tg.ok).toBe(true);

    expect(await stop(first)).toBe(0);

    // A second start on the same data keeps the data and does not seed again.
    const second = await start(dataDir);
    running.push(second);
    expect(second.printedKey).toBeUndefined();
    expect(second.output()).not.toContain('Demo sign-in');
    const again = await fetch(`${second.apiUrl}/v1/events/${encodeURIComponent(event.id)}`, {
      headers: { authorization: `Bearer ${ADMIN_API_KEY}` },
    });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { state: string }).state).toBe('completed');
    expect(await stop(second)).toBe(0);
  }, 300_000);
});
