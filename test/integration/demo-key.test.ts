import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { buildApp } from '../../src/app';
import { createDatabase } from '../../src/db/client';
import { repoRoot } from '../../src/paths';
import { createSecretBox } from '../../src/secrets';
import { createHarness, createTestDatabase, TEST_SECRETS_KEY, type Harness } from '../helpers/harness';

/**
 * Issue 13, finding 4: the demo company's key is made by whichever role seeds
 * first. When a worker did, the key was never printed and `npm run seed` could
 * not show it again. Now the worker prints it, and `npm run seed -- --new-key`
 * makes a new key with every role for the existing demo company.
 */

interface Run {
  code: number | null;
  out: string;
}

/** `npm run seed` as the shell runs it, against `databaseUrl`. */
function seed(databaseUrl: string, ...args: string[]): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/seed.ts', ...args], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, SECRETS_KEY: TEST_SECRETS_KEY, ADMIN_API_KEY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

const KEY = /\b(nk_[A-Za-z0-9_-]+)/;

describe('the demo key', () => {
  let h: Harness;

  beforeAll(async () => {
    // The harness's app answers for any company in its database: the demo company's keys included.
    h = await createHarness({ worker: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** The company a key belongs to, as the API sees it (401 when it does not authenticate). */
  const whoIs = async (key: string) => {
    const res = await h.request({ method: 'GET', url: '/v1/api-keys', key });
    return { status: res.statusCode, names: res.statusCode === 200 ? (res.json().items as { name: string }[]).map((k) => k.name) : [] };
  };

  it('`npm run seed -- --new-key` prints a new key with every role for the existing demo company, which the API accepts', async () => {
    const first = await seed(h.databaseUrl);
    expect(first.code, first.out).toBe(0);
    const firstKey = KEY.exec(first.out)?.[1];
    expect(firstKey, first.out).toBeDefined();

    // Run again without the flag: the company exists, and the way to a new key is named.
    const again = await seed(h.databaseUrl);
    expect(again.code, again.out).toBe(0);
    expect(again.out).not.toMatch(KEY);
    expect(again.out).toContain('npm run seed -- --new-key');

    const minted = await seed(h.databaseUrl, '--new-key');
    expect(minted.code, minted.out).toBe(0);
    const newKey = KEY.exec(minted.out)?.[1];
    expect(newKey, minted.out).toBeDefined();
    expect(newKey).not.toBe(firstKey);

    const seen = await whoIs(newKey!);
    expect(seen.status).toBe(200);
    // The demo company's keys: the first one and the new one, not the harness company's.
    expect(seen.names).toEqual(['demo admin', expect.stringMatching(/^demo admin \(seed --new-key, /)]);
    expect((await whoIs(firstKey!)).status).toBe(200);
    // The key has every role: a settings change goes through.
    const settings = await h.request({ method: 'PUT', url: '/v1/settings', payload: { mode: 'live' }, key: newKey! });
    expect(settings.statusCode, settings.body).toBe(200);
    expect((await whoIs('nk_not-a-key')).status).toBe(401);

    const bad = await seed(h.databaseUrl, '--new-keys');
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('usage: npm run seed [-- --new-key]');
  }, 90_000);

  it('a worker that seeds an empty database prints the demo key', async () => {
    const databaseUrl = await createTestDatabase();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'worker'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        SECRETS_KEY: TEST_SECRETS_KEY,
        ADMIN_API_KEY: '',
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: h.taskQueue,
        TEMPORAL_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
        SMTP_URL: h.smtp.url,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    try {
      const deadline = Date.now() + 60_000;
      while (!out.includes('worker running')) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the worker did not start:\n${out}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const key = /Demo API key\s+(nk_\S+)/.exec(out)?.[1];
      expect(key, out).toBeDefined();

      // The printed key authenticates against an API on that database.
      const database = createDatabase(databaseUrl, { max: 2 });
      const app = await buildApp({
        db: database.db,
        temporal: h.temporal,
        taskQueue: h.taskQueue,
        namespace: 'default',
        temporalUiUrl: undefined,
        secrets: createSecretBox(TEST_SECRETS_KEY),
        telegramApiRoot: undefined,
        logger: false,
      });
      try {
        const res = await app.inject({ method: 'GET', url: '/v1/api-keys', headers: { authorization: `Bearer ${key}` } });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json().items.map((k: { name: string }) => k.name)).toEqual(['demo admin']);
      } finally {
        await app.close();
        await database.close();
      }
    } finally {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    }
  }, 90_000);
});
