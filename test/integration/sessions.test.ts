import { eq, sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserRepository, hashPassword } from '../../src/db/repositories/users';
import { companies, sessions } from '../../src/db/schema';
import { buildEvent } from '../helpers/factories';
import { createHarness, sessionTokenOf, type Harness, type TestSession } from '../helpers/harness';
import { journalOf, until } from '../helpers/scenario';

/** The cookie a sign-in answer sets, as one `Set-Cookie` line. */
const setCookieOf = (res: LightMyRequestResponse): string => {
  const line = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('notify_session='));
  if (!line) throw new Error(`no session cookie in ${JSON.stringify(res.headers)}`);
  return line;
};

/** The attributes of a `Set-Cookie` line, lower-cased names, e.g. `{ httponly: true, samesite: 'Strict' }`. */
const attributesOf = (line: string): Record<string, string | true> =>
  Object.fromEntries(
    line
      .split(';')
      .slice(1)
      .map((part) => part.trim().split('='))
      .map(([name, value]) => [name!.toLowerCase(), value ?? true]),
  );

describe('people sign in with a session cookie (R20)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  const signIn = (payload: Record<string, unknown>, headers: Record<string, string> = {}, remoteAddress?: string) =>
    h.app.inject({ method: 'POST', url: '/v1/session', payload, headers, ...(remoteAddress ? { remoteAddress } : {}) });

  it('answers the person and a CSRF token, and sets an HttpOnly, SameSite=Strict cookie for the whole site, Secure except on localhost', async () => {
    const res = await signIn({ login: 'admin', password: h.demoPasswords.admin });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toEqual({
      user: {
        id: expect.any(Number),
        login: 'admin',
        name: 'Администратор',
        roles: ['events:write', 'journal:read', 'journal:write', 'templates:read', 'templates:write', 'settings:admin'],
        managerId: null,
        companyId: h.companyId,
      },
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/),
    });
    const cookie = setCookieOf(res);
    expect(cookie).toMatch(/^notify_session=[A-Za-z0-9_-]{40,};/);
    expect(attributesOf(cookie)).toEqual({ path: '/', httponly: true, samesite: 'Strict' });
    // Nothing secret in the body: no hash, no session token.
    expect(res.body).not.toContain('$argon2');
    expect(res.body).not.toContain(sessionTokenOf(res));

    // Loopback in any spelling is a secure context without TLS; any other host gets `Secure`.
    for (const host of ['localhost:3000', '127.0.0.1:3000', '[::1]:3000']) {
      const local = await signIn({ login: 'admin', password: h.demoPasswords.admin }, { host });
      expect(attributesOf(setCookieOf(local)).secure, host).toBeUndefined();
    }
    const remote = await signIn({ login: 'admin', password: h.demoPasswords.admin }, { host: 'notify.avtodetali.example' });
    expect(attributesOf(setCookieOf(remote))).toEqual({ path: '/', httponly: true, samesite: 'Strict', secure: true });

    // The cookie is the session: GET /v1/session tells who it is, with the same CSRF token.
    const me = await h.app.inject({ method: 'GET', url: '/v1/session', headers: { cookie: `notify_session=${sessionTokenOf(res)}` } });
    expect(me.statusCode, me.body).toBe(200);
    expect(me.json()).toEqual(body);
    // Only a hash of the token is stored.
    const stored = await h.db.select({ id: sessions.id }).from(sessions);
    expect(stored.map((s) => s.id)).not.toContain(sessionTokenOf(res));
  });

  it('takes the login in any case, and answers a wrong password and an unknown login alike', async () => {
    const upper = await signIn({ login: '  Manager ', password: h.demoPasswords.manager });
    expect(upper.statusCode, upper.body).toBe(200);
    expect(upper.json().user).toMatchObject({ login: 'manager', name: 'Ольга Соколова', managerId: 'manager-1' });
    expect(upper.json().user.roles.sort()).toEqual(['events:write', 'journal:read', 'journal:write', 'templates:read']);

    const wrong = await signIn({ login: 'manager', password: 'не тот пароль' });
    const unknown = await signIn({ login: 'nobody-here', password: 'не тот пароль' });
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: 'wrong login or password', details: [] } });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect((await h.app.inject({ method: 'GET', url: '/v1/session' })).statusCode).toBe(401);
  });

  it('refuses a login with 429 and Retry-After after 5 wrong passwords, even with the right one, while other logins still sign in', async () => {
    const victim = await h.userWithRoles(['journal:read']);
    for (let i = 0; i < 5; i++) {
      const res = await signIn({ login: victim.login, password: `guess-${i}-${'x'.repeat(10)}` });
      expect(res.statusCode, `attempt ${i + 1}: ${res.body}`).toBe(401);
    }
    for (const password of [victim.password, 'another-guess-1234']) {
      const refused = await signIn({ login: victim.login, password });
      expect(refused.statusCode, refused.body).toBe(429);
      expect(refused.json().error.code).toBe('RATE_LIMITED');
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
      expect(refused.headers['set-cookie']).toBeUndefined();
    }
    // The session the user already had goes on; another login signs in.
    expect((await h.request({ method: 'GET', url: '/v1/journal', session: victim })).statusCode).toBe(200);
    expect((await signIn({ login: 'manager', password: h.demoPasswords.manager })).statusCode).toBe(200);
  });

  it('refuses every sign-in from an address after 20 failures from it', async () => {
    const address = '203.0.113.77';
    for (let i = 0; i < 20; i++) {
      const res = await signIn({ login: `unknown-${i}`, password: 'whatever-it-is' }, {}, address);
      expect(res.statusCode, `attempt ${i + 1}: ${res.body}`).toBe(401);
    }
    const refused = await signIn({ login: 'admin', password: h.demoPasswords.admin }, {}, address);
    expect(refused.statusCode, refused.body).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await signIn({ login: 'admin', password: h.demoPasswords.admin }, {}, '203.0.113.78')).statusCode).toBe(200);
  });

  it('needs the session’s CSRF token on every change made with the cookie, and not for reading', async () => {
    const admin = await h.signIn('admin', h.demoPasswords.admin);
    const change = { method: 'PUT' as const, url: '/v1/settings', payload: { reserveChannel: 'sms' } };

    const without = await h.request({ ...change, session: admin, csrf: false });
    expect(without.statusCode, without.body).toBe(403);
    expect(without.json()).toEqual({ error: { code: 'CSRF_REJECTED', message: expect.stringContaining('x-csrf-token'), details: [] } });
    const forged = await h.request({ ...change, session: admin, csrf: false, headers: { 'x-csrf-token': 'forged' } });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().error.code).toBe('CSRF_REJECTED');
    // Another session's token is no good either.
    const other = await h.signIn('admin', h.demoPasswords.admin);
    const crossed = await h.request({ ...change, session: admin, csrf: false, headers: { 'x-csrf-token': other.csrfToken } });
    expect(crossed.statusCode).toBe(403);

    const ok = await h.request({ ...change, session: admin });
    expect(ok.statusCode, ok.body).toBe(200);
    const read = await h.request({ method: 'GET', url: '/v1/settings', session: admin, csrf: false });
    expect(read.statusCode, read.body).toBe(200);
    // A machine's key needs no CSRF token.
    expect((await h.request(change)).statusCode).toBe(200);
  });

  it('ends a session unused for longer than the idle timeout, and one past its absolute end', async () => {
    const idle = await h.signIn('admin', h.demoPasswords.admin);
    const expired = await h.signIn('admin', h.demoPasswords.admin);
    const alive = await h.signIn('admin', h.demoPasswords.admin);
    const byToken = async (session: TestSession) => {
      const res = await h.request({ method: 'GET', url: '/v1/event-types', session });
      return res.statusCode;
    };
    expect(await byToken(idle)).toBe(200);

    const { hashSessionToken } = await import('../../src/db/repositories/sessions');
    await h.db
      .update(sessions)
      .set({ lastSeenAt: sql`now() - interval '12 hours 1 minute'` })
      .where(eq(sessions.id, hashSessionToken(idle.token)));
    await h.db
      .update(sessions)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(sessions.id, hashSessionToken(expired.token)));

    for (const session of [idle, expired]) {
      const res = await h.request({ method: 'GET', url: '/v1/event-types', session });
      expect(res.statusCode, res.body).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHORIZED');
      expect((await h.request({ method: 'GET', url: '/v1/session', session })).statusCode).toBe(401);
    }
    expect(await byToken(alive)).toBe(200);
    // An unknown cookie is no session either.
    expect(await byToken({ userId: 0, token: 'not-a-session', csrfToken: 'x' })).toBe(401);
  });

  it('checks roles for a person as for a key: templates:read reads templates and gets 403 on the settings', async () => {
    const reader = await h.userWithRoles(['templates:read']);
    expect((await h.request({ method: 'GET', url: '/v1/event-types/order.ready_for_pickup', session: reader })).statusCode).toBe(200);
    for (const [method, url, payload] of [
      ['PUT', '/v1/settings', { reserveChannel: 'sms' }],
      ['GET', '/v1/settings', undefined],
      ['PUT', '/v1/event-types/order.ready_for_pickup', { confirmBeforeSend: true }],
    ] as const) {
      const res = await h.request({ method, url, session: reader, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(403);
      expect(res.json()).toEqual({ error: { code: 'FORBIDDEN', message: expect.stringMatching(/^this user lacks the role /), details: [] } });
    }
  });

  it('signs out with the CSRF token: the session ends and the cookie is cleared', async () => {
    const session = await h.signIn('admin', h.demoPasswords.admin);
    const cookie = { cookie: `notify_session=${session.token}` };
    const refused = await h.app.inject({ method: 'DELETE', url: '/v1/session', headers: cookie });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('CSRF_REJECTED');

    const out = await h.app.inject({ method: 'DELETE', url: '/v1/session', headers: { ...cookie, 'x-csrf-token': session.csrfToken } });
    expect(out.statusCode, out.body).toBe(204);
    const cleared = setCookieOf(out);
    expect(cleared).toMatch(/^notify_session=;/);
    expect(attributesOf(cleared)).toMatchObject({ path: '/', httponly: true, samesite: 'Strict' });
    expect(new Date(String(attributesOf(cleared).expires)).getTime()).toBeLessThan(Date.now());

    expect((await h.app.inject({ method: 'GET', url: '/v1/session', headers: cookie })).statusCode).toBe(401);
    expect((await h.request({ method: 'GET', url: '/v1/journal', session })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'DELETE', url: '/v1/session', headers: { ...cookie, 'x-csrf-token': session.csrfToken } })).statusCode).toBe(401);
  });

  it('refuses an inactive user with the same 401', async () => {
    const user = await h.userWithRoles(['journal:read']);
    const deactivated = await h.request({ method: 'PATCH', url: `/v1/users/${user.userId}`, payload: { active: false } });
    expect(deactivated.statusCode, deactivated.body).toBe(200);
    const res = await signIn({ login: user.login, password: user.password });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.message).toBe('wrong login or password');
  });

  it('asks which company when the login exists in several, and signs in to the one named', async () => {
    await h.db.insert(companies).values({ id: `${h.companyId}-b`, name: 'ООО «Вторая»', emailFrom: 'b@second.example', emailFromName: 'Вторая' });
    const password = 'second-company-pass';
    await createUserRepository(h.db).create(`${h.companyId}-b`, {
      login: 'admin',
      name: 'Администратор второй',
      passwordHash: await hashPassword(password),
      roles: ['journal:read'],
      active: true,
      managerId: null,
    });
    const ambiguous = await signIn({ login: 'admin', password });
    expect(ambiguous.statusCode, ambiguous.body).toBe(400);
    expect(ambiguous.json().error.details).toEqual([{ path: '/body/companyId', message: expect.stringContaining('is required') }]);

    const second = await signIn({ login: 'admin', password, companyId: `${h.companyId}-b` });
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json().user).toMatchObject({ companyId: `${h.companyId}-b`, name: 'Администратор второй' });
    const first = await signIn({ login: 'admin', password: h.demoPasswords.admin, companyId: h.companyId });
    expect(first.statusCode).toBe(200);
    // A password of one company does not open the other.
    expect((await signIn({ login: 'admin', password, companyId: h.companyId })).statusCode).toBe(401);
  });

  it('documents the session routes, the users routes and the cookie scheme in the OpenAPI document', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as {
      security: unknown[];
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown>; requestBody?: unknown }>>;
    };
    expect(doc.components.securitySchemes.session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'notify_session' });
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ apiKey: [] }, { session: [] }]);
    const session = doc.paths['/v1/session']!;
    expect(session.post!.security).toEqual([]);
    expect(Object.keys(session.post!.responses).sort()).toEqual(['200', '400', '401', '413', '415', '429', '503']);
    expect(session.get!.security).toEqual([{ session: [] }]);
    expect(Object.keys(session.delete!.responses)).toEqual(expect.arrayContaining(['204', '401', '403']));
    expect(Object.keys(doc.paths['/v1/users']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/v1/users/{id}']!)).toEqual(['patch']);
    expect(JSON.stringify(doc.paths['/v1/users']!.get!.responses['200'])).not.toContain('passwordHash');
  });

  describe('every action a person takes names them (name and login)', () => {
    const waitForStatus = (eventId: string, status: string, count = 1) =>
      until(async () => {
        const rows = (await journalOf(h, eventId)).filter((e) => e.status === status);
        return rows.length >= count ? rows : undefined;
      }, `${count} "${status}" entries of ${eventId}`);

    it('a decision by the signed-in manager shows «Ольга Соколова (manager)» in the event’s journal', async () => {
      const admin = await h.signIn('admin', h.demoPasswords.admin);
      const type = await h.request({
        method: 'PUT',
        url: '/v1/event-types/people.confirm',
        session: admin,
        payload: {
          name: 'Подтверждение менеджером',
          confirmBeforeSend: true,
          channels: ['email'],
          templates: { client: { email: { subject: 'Проверка', text: 'Здравствуйте, {{ recipient.name }}!' } } },
        },
      });
      expect(type.statusCode, type.body).toBe(200);
      const event = buildEvent({ type: 'people.confirm', data: {} });
      expect((await h.request({ method: 'POST', url: '/v1/events', payload: event })).statusCode).toBe(202);
      await waitForStatus(event.id, 'awaiting_confirmation');

      const manager = await h.signIn('manager', h.demoPasswords.manager);
      const decided = await h.request({
        method: 'POST',
        url: `/v1/events/${event.id}/decision`,
        session: manager,
        // What the body claims is ignored: the decider is who signed in.
        payload: { approve: true, by: 'Кто-то другой', comment: 'Проверила' },
      });
      expect(decided.statusCode, decided.body).toBe(200);
      expect(decided.json().by).toBe('Ольга Соколова (manager)');

      await waitForStatus(event.id, 'approved');
      const details = await h.request({ method: 'GET', url: `/v1/events/${event.id}`, session: manager });
      expect(details.statusCode, details.body).toBe(200);
      const approved = (details.json().journal as { status: string; details: Record<string, unknown> }[]).find((e) => e.status === 'approved');
      expect(approved?.details).toEqual({ by: 'Ольга Соколова (manager)', byUserId: manager.userId, comment: 'Проверила' });
    });

    it('a manual send and a status change name the person in the journal, and a settings change in the history', async () => {
      const admin = await h.signIn('admin', h.demoPasswords.admin);
      const ok = (res: LightMyRequestResponse) => {
        expect(res.statusCode, res.body).toBe(200);
        return res;
      };
      ok(await h.request({ method: 'PUT', url: '/v1/event-types/order.ready_for_pickup', session: admin, payload: { trackedByManager: true } }));
      ok(
        await h.request({
          method: 'PUT',
          url: '/v1/counterparties/people-tracked',
          session: admin,
          payload: {
            name: 'ООО «Отслеживаемый»',
            managerId: 'manager-1',
            contacts: [
              { name: 'Первый Контакт', email: 'first@tracked.example' },
              { name: 'Второй Контакт', email: 'second@tracked.example' },
            ],
            overrides: { 'order.ready_for_pickup': { send: false } },
          },
        }),
      );
      const event = buildEvent({ counterpartyId: 'people-tracked' });
      expect((await h.request({ method: 'POST', url: '/v1/events', payload: event })).statusCode).toBe(202);
      const [toSend, toChange] = await waitForStatus(event.id, 'not_sent_tracked', 2);

      const manager = await h.signIn('manager', h.demoPasswords.manager);
      ok(await h.request({ method: 'POST', url: `/v1/journal/${toSend!.id}/send`, session: manager, payload: { comment: 'Клиент попросил' } }));
      const changed = ok(
        await h.request({ method: 'PATCH', url: `/v1/journal/${toChange!.id}`, session: manager, payload: { status: 'resolved', comment: 'Позвонила' } }),
      );
      expect(changed.json().details.statusHistory).toEqual([
        expect.objectContaining({ to: 'resolved', by: 'Ольга Соколова (manager)', byUserId: manager.userId, comment: 'Позвонила' }),
      ]);

      const entries = await journalOf(h, event.id);
      const requested = entries.find((e) => (e.details as { manualOf?: number } | null)?.manualOf === toSend!.id && e.status === 'queued');
      // The reason a person reads names who sent it, whatever its wording.
      expect(requested?.reason).toContain('Ольга Соколова (manager)');
      expect(requested?.details).toMatchObject({ by: 'Ольга Соколова (manager)', byUserId: manager.userId, comment: 'Клиент попросил' });
      const statusChanged = entries.find((e) => e.status === 'status_changed');
      expect(statusChanged?.details).toMatchObject({ by: 'Ольга Соколова (manager)', byUserId: manager.userId });

      ok(await h.request({ method: 'PUT', url: '/v1/settings', session: admin, payload: { reserveChannel: 'sms' } }));
      const history = ok(await h.request({ method: 'GET', url: '/v1/config-changes?entity=settings', session: admin }));
      expect(history.json().items[0].actor).toBe('Администратор (admin)');
      const typeHistory = ok(await h.request({ method: 'GET', url: '/v1/config-changes?entity=event_type', session: admin }));
      expect(typeHistory.json().items[0].actor).toBe('Администратор (admin)');
    });
  });
});
