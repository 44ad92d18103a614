import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/paths';
import { createHarness, TEST_SECRETS_KEY, type Harness } from '../helpers/harness';

/** `npm run seed` as the shell runs it, against `databaseUrl`. */
function seed(databaseUrl: string, ...args: string[]): Promise<{ code: number | null; out: string }> {
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

describe('the users of a company (R20)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness({ worker: false });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  const signInStatus = async (login: string, password: string, companyId = h.companyId) =>
    (await h.app.inject({ method: 'POST', url: '/v1/session', payload: { login, password, companyId } })).statusCode;

  it('lists the demo users with their roles and manager, never a password or its hash', async () => {
    const res = await h.request({ method: 'GET', url: '/v1/users' });
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as Record<string, unknown>[];
    expect(items).toEqual([
      {
        id: expect.any(Number),
        login: 'admin',
        name: 'Администратор',
        roles: ['events:write', 'journal:read', 'journal:write', 'templates:read', 'templates:write', 'settings:admin'],
        active: true,
        managerId: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
      {
        id: expect.any(Number),
        login: 'manager',
        name: 'Ольга Соколова',
        roles: ['journal:read', 'journal:write', 'templates:read', 'events:write'],
        active: true,
        managerId: 'manager-1',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    ]);
    expect(res.body).not.toMatch(/argon2|password/i);
  });

  it('creates a user who signs in at once; the login is kept in lower case and unique; the history has no password', async () => {
    const password = 'Секретный-пароль-1';
    const created = await h.request({
      method: 'POST',
      url: '/v1/users',
      payload: { login: 'Ivanova', name: 'Иванова Анна', password, roles: ['journal:read', 'journal:write'], managerId: 'manager-1' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toEqual({
      id: expect.any(Number),
      login: 'ivanova',
      name: 'Иванова Анна',
      roles: ['journal:read', 'journal:write'],
      active: true,
      managerId: 'manager-1',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(created.body).not.toMatch(/argon2|password/i);
    expect(await signInStatus('IVANOVA', password)).toBe(200);

    const again = await h.request({ method: 'POST', url: '/v1/users', payload: { login: 'ivanova', name: 'Другая', password, roles: [] } });
    expect(again.statusCode, again.body).toBe(409);
    expect(again.json().error.code).toBe('CONFLICT');

    const history = await h.request({ method: 'GET', url: `/v1/config-changes?entity=user&entityId=${created.json().id}` });
    expect(history.statusCode, history.body).toBe(200);
    expect(history.json().items).toEqual([
      expect.objectContaining({
        entity: 'user',
        action: 'create',
        actor: expect.stringMatching(/^key:\d+ demo admin$/),
        after: { login: 'ivanova', name: 'Иванова Анна', roles: ['journal:read', 'journal:write'], active: true, managerId: 'manager-1' },
      }),
    ]);
    expect(history.body).not.toContain(password);
    expect(history.body).not.toContain('argon2');
  });

  it('refuses a short password, an unknown role, a bad login and an unknown manager, naming the field', async () => {
    const base = { login: 'petrov', name: 'Петров Пётр', password: 'long-enough-1', roles: ['journal:read'] };
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...base, password: 'short' }, 400, '/body/password'],
      [{ ...base, roles: ['journal:admin'] }, 400, '/body/roles/0'],
      [{ ...base, login: 'петров пётр' }, 400, '/body/login'],
      [{ ...base, passwordHash: 'x' }, 400, '/body/passwordHash'],
      [{ ...base, managerId: 'manager-404' }, 422, '/body/managerId'],
    ];
    for (const [payload, status, path] of cases) {
      const res = await h.request({ method: 'POST', url: '/v1/users', payload });
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    const patch = await h.request({ method: 'PATCH', url: '/v1/users/1', payload: {} });
    expect(patch.statusCode).toBe(400);
    expect((await h.request({ method: 'PATCH', url: '/v1/users/999999', payload: { name: 'Никто' } })).statusCode).toBe(404);
  });

  it('a new password ends the user’s sessions but the one that changed it; the old password stops working', async () => {
    const user = await h.userWithRoles(['journal:read', 'settings:admin']);
    const otherSession = await h.signIn(user.login, user.password);

    const changed = await h.request({ method: 'PATCH', url: `/v1/users/${user.userId}`, session: user, payload: { password: 'новый-пароль-2026' } });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.body).not.toMatch(/argon2|password/i);

    expect((await h.request({ method: 'GET', url: '/v1/journal', session: user })).statusCode).toBe(200);
    expect((await h.request({ method: 'GET', url: '/v1/journal', session: otherSession })).statusCode).toBe(401);
    expect(await signInStatus(user.login, user.password)).toBe(401);
    expect(await signInStatus(user.login, 'новый-пароль-2026')).toBe(200);

    const history = await h.request({ method: 'GET', url: `/v1/config-changes?entity=user&entityId=${user.userId}` });
    const [change] = history.json().items;
    expect(change).toMatchObject({ action: 'update', actor: `Тестовый Пользователь ${user.login} (${user.login})`, after: { passwordChanged: true } });
    expect(history.body).not.toContain('новый-пароль-2026');
  });

  it('deactivating a user ends their sessions at once; role changes apply to a session already open', async () => {
    const user = await h.userWithRoles(['journal:read']);
    expect((await h.request({ method: 'GET', url: '/v1/event-types', session: user })).statusCode).toBe(403);

    const granted = await h.request({ method: 'PATCH', url: `/v1/users/${user.userId}`, payload: { roles: ['journal:read', 'templates:read'], name: 'Сидорова Мария' } });
    expect(granted.statusCode, granted.body).toBe(200);
    expect(granted.json()).toMatchObject({ name: 'Сидорова Мария', roles: ['journal:read', 'templates:read'] });
    expect((await h.request({ method: 'GET', url: '/v1/event-types', session: user })).statusCode).toBe(200);

    const off = await h.request({ method: 'PATCH', url: `/v1/users/${user.userId}`, payload: { active: false } });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json().active).toBe(false);
    expect((await h.request({ method: 'GET', url: '/v1/event-types', session: user })).statusCode).toBe(401);
    expect(await signInStatus(user.login, user.password)).toBe(401);

    expect((await h.request({ method: 'PATCH', url: `/v1/users/${user.userId}`, payload: { active: true } })).statusCode).toBe(200);
    expect(await signInStatus(user.login, user.password)).toBe(200);
  });

  it('nobody deactivates themselves or takes settings:admin from themselves', async () => {
    const admin = await h.userWithRoles(['settings:admin']);
    for (const payload of [{ active: false }, { roles: ['journal:read'] }]) {
      const res = await h.request({ method: 'PATCH', url: `/v1/users/${admin.userId}`, session: admin, payload });
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json().error.code).toBe('CONFLICT');
    }
    expect((await h.request({ method: 'GET', url: '/v1/users', session: admin })).statusCode).toBe(200);
    // Another administrator may.
    expect((await h.request({ method: 'PATCH', url: `/v1/users/${admin.userId}`, payload: { active: false } })).statusCode).toBe(200);
  });

  it('`npm run seed` prints the demo users’ passwords once, and `--new-password <login>` sets a new one that signs in', async () => {
    const first = await seed(h.databaseUrl);
    expect(first.code, first.out).toBe(0);
    const admin = /admin \/ (\S+)/.exec(first.out)?.[1];
    const manager = /manager \/ (\S+)/.exec(first.out)?.[1];
    expect(admin, first.out).toBeDefined();
    expect(manager, first.out).toBeDefined();
    expect(await signInStatus('admin', admin!, 'demo')).toBe(200);
    expect(await signInStatus('manager', manager!, 'demo')).toBe(200);

    const again = await seed(h.databaseUrl);
    expect(again.code, again.out).toBe(0);
    expect(again.out).not.toContain(admin!);
    expect(again.out).toContain('npm run seed -- --new-password <login>');

    const reset = await seed(h.databaseUrl, '--new-password', 'manager');
    expect(reset.code, reset.out).toBe(0);
    const newPassword = /\(shown once; their sessions ended\): (\S+)/.exec(reset.out)?.[1];
    expect(newPassword, reset.out).toBeDefined();
    expect(await signInStatus('manager', manager!, 'demo')).toBe(401);
    expect(await signInStatus('manager', newPassword!, 'demo')).toBe(200);

    const unknown = await seed(h.databaseUrl, '--new-password', 'nobody');
    expect(unknown.code).toBe(1);
    expect(unknown.out).toContain('no user "nobody"');
    const missing = await seed(h.databaseUrl, '--new-password');
    expect(missing.code).toBe(2);
  }, 90_000);
});
