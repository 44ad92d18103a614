import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ChangeFeed } from '../../db/change-feed';
import { createApiKeyRepository, hashApiKey, type AuthenticatedKey } from '../../db/repositories/api-keys';
import { createSessionRepository, type AuthenticatedUser } from '../../db/repositories/sessions';
import type { Db } from '../../db/client';
import type { Role } from '../../domain/roles';
import { CsrfRejectedError, ForbiddenError, UnauthorizedError } from '../../domain/errors';
import { CSRF_HEADER, isLocalHost, personLabel, SAFE_METHODS, SESSION_COOKIE, type SessionPolicy } from '../../domain/sessions';
import type { ChangeActor } from '../../services/users';

/** Who made a request: a machine's API key or a signed-in person (R18, R20); roles are checked alike. */
export type Authenticated = ({ kind: 'key' } & AuthenticatedKey) | ({ kind: 'user' } & AuthenticatedUser);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The role a caller's key or user must carry; every authenticated /v1 route names one. */
    role?: Role;
  }
  interface FastifyRequest {
    auth: Authenticated;
  }
}

/**
 * Reads the session cookie: the signed-in user, or undefined when there is no
 * cookie or its session has ended.
 */
export function createSessionAuth(db: Db, policy: Pick<SessionPolicy, 'idleSeconds'>) {
  const sessions = createSessionRepository(db);
  return async (request: FastifyRequest): Promise<AuthenticatedUser | undefined> => {
    const token = request.cookies[SESSION_COOKIE];
    return token ? sessions.authenticate(token, policy.idleSeconds) : undefined;
  };
}

/** A change made with the cookie must repeat the session's CSRF token in `x-csrf-token`. */
export function checkCsrf(request: FastifyRequest, user: AuthenticatedUser): void {
  if (SAFE_METHODS.includes(request.method)) return;
  const sent = request.headers[CSRF_HEADER];
  const given = Buffer.from(typeof sent === 'string' ? sent : '');
  const expected = Buffer.from(user.csrfToken);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new CsrfRejectedError();
}

/** How many keys' answers one API process keeps; past it the cache starts over (a flood of made-up keys costs reads, not memory). */
const KEY_CACHE_ENTRIES = 10_000;

/**
 * Looks an API key up by its hash. With a change feed the answer (also "no
 * such active key") is kept in memory until any process changes `api_keys`
 * (migration `api_keys_change_notify`), and read from the database while the
 * feed is not listening. Only the hash is kept, never the key.
 */
export function createKeyAuth(db: Db, changes?: ChangeFeed): (key: string) => Promise<AuthenticatedKey | undefined> {
  const keys = createApiKeyRepository(db);
  const cache = changes?.cache<AuthenticatedKey | undefined>({ maxEntries: KEY_CACHE_ENTRIES });
  return (key) => {
    const keyHash = hashApiKey(key);
    return cache ? cache.get(keyHash, () => keys.authenticateHash(keyHash)) : keys.authenticateHash(keyHash);
  };
}

/**
 * Authenticates every route of the scope it is registered in, by
 * `Authorization: Bearer <key>` or, without that header, by the session
 * cookie (with CSRF protection on changes), and checks the role the route's
 * config names.
 */
export function registerAuth(app: FastifyInstance, db: Db, policy: Pick<SessionPolicy, 'idleSeconds'>, changes?: ChangeFeed): void {
  const keyOf = createKeyAuth(db, changes);
  const sessionOf = createSessionAuth(db, policy);
  app.decorateRequest<Authenticated | null>('auth', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const role = request.routeOptions.config.role;
    if (!role) throw new Error(`route ${request.routeOptions.url ?? request.url} declares no role`);
    const header = request.headers.authorization;
    if (header !== undefined) {
      // A machine's header wins over any cookie, and a bad one is refused rather than passed over.
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match?.[1]) throw new UnauthorizedError();
      const key = await keyOf(match[1]);
      if (!key) throw new UnauthorizedError('unknown or revoked API key');
      if (!key.roles.includes(role)) throw new ForbiddenError(role);
      request.auth = { kind: 'key', ...key };
      return;
    }
    if (request.cookies[SESSION_COOKIE] === undefined) throw new UnauthorizedError();
    const user = await sessionOf(request);
    if (!user) throw new UnauthorizedError('the session has ended: sign in again');
    checkCsrf(request, user);
    if (!user.roles.includes(role)) throw new ForbiddenError(role, 'user');
    request.auth = { kind: 'user', ...user };
  });
}

/**
 * Who is acting, for the configuration history and the journal: an API key
 * by id and name (`key:3 ERP`), a person by name and login (`Иванова Анна (ivanova)`).
 */
export function actorOf(request: FastifyRequest): string {
  const auth = request.auth;
  return auth.kind === 'key' ? `key:${auth.keyId} ${auth.keyName}` : personLabel(auth);
}

/** The signed-in person's id, where the history keeps ids beside the label; undefined for a key. */
export function actorUserIdOf(request: FastifyRequest): number | undefined {
  return request.auth.kind === 'user' ? request.auth.userId : undefined;
}

/** The actor of a change to users: the label, and the person and session when it is one. */
export function changeActorOf(request: FastifyRequest): ChangeActor {
  const auth = request.auth;
  return auth.kind === 'key' ? { label: actorOf(request) } : { label: actorOf(request), userId: auth.userId, sessionId: auth.sessionId };
}

const COOKIE_OPTIONS = { httpOnly: true, path: '/', sameSite: 'strict' } as const;

/** `notify_session=<token>; HttpOnly; Path=/; SameSite=Strict`, and `Secure` unless the request came to localhost. */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  void reply.setCookie(SESSION_COOKIE, token, { ...COOKIE_OPTIONS, secure: !isLocalHost(request.hostname) });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, { ...COOKIE_OPTIONS, secure: !isLocalHost(request.hostname) });
}
