/**
 * People's sign-in (R20): checks a login and password, refuses guessing with
 * PostgreSQL-backed counters of failed attempts (per login and per IP
 * address, shared by every API process), and opens a session.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/client';
import { createLimitsRepository } from '../db/repositories/limits';
import { createSessionRepository } from '../db/repositories/sessions';
import { createUserRepository, hashPassword, verifyPassword, type UserRecord } from '../db/repositories/users';
import { BadRequestError, UnauthorizedError } from '../domain/errors';
import { TooManyRequestsError } from '../domain/limits';
import { normalizeLogin, type SessionPolicy } from '../domain/sessions';

/** One answer for every refused sign-in: it must not tell whether the login exists. */
export const SIGN_IN_REFUSED = 'wrong login or password';

export interface SignInInput {
  login: string;
  password: string;
  companyId?: string | undefined;
  /** The caller's address, for the per-IP counter. */
  ip: string;
}

export interface SignedIn {
  user: UserRecord;
  /** Goes into the cookie only; the database keeps its hash. */
  token: string;
  csrfToken: string;
}

export function createSignInService(db: Db, policy: SessionPolicy) {
  const users = createUserRepository(db);
  const sessions = createSessionRepository(db);
  const counters = createLimitsRepository(db);
  // Checked against when the login is unknown, so that answer takes as long as a wrong password.
  let decoy: Promise<string> | undefined;
  const decoyHash = () => (decoy ??= hashPassword(randomBytes(16).toString('hex')));

  return {
    /**
     * @throws TooManyRequestsError past the failed attempts allowed for the login or the address, whatever the password;
     * BadRequestError when several companies have the login and none is named; UnauthorizedError otherwise.
     */
    async signIn(input: SignInInput): Promise<SignedIn> {
      const login = normalizeLogin(input.login);
      const window = policy.attemptWindowSeconds;
      const loginKey = `sign-in:login:${login}`;
      const ipKey = `sign-in:ip:${input.ip}`;
      const [byLogin, byIp] = await Promise.all([counters.current(loginKey, window), counters.current(ipKey, window)]);
      const limited = [
        byLogin.count >= policy.failedPerLogin ? byLogin.retryAfterSeconds : 0,
        byIp.count >= policy.failedPerIp ? byIp.retryAfterSeconds : 0,
      ];
      const retryAfter = Math.max(...limited);
      if (retryAfter > 0) throw new TooManyRequestsError(`too many failed sign-ins; retry in ${retryAfter} s`, retryAfter);

      const candidates = await users.credentials(login, input.companyId);
      if (candidates.length > 1) {
        throw new BadRequestError('this login exists in several companies: name the company', [
          { path: '/body/companyId', message: 'is required: the login exists in several companies' },
        ]);
      }
      const user = candidates[0];
      const matches = await verifyPassword(user?.passwordHash ?? (await decoyHash()), input.password);
      if (!user || !matches || !user.active) {
        await Promise.all([counters.hit(loginKey, window), counters.hit(ipKey, window)]);
        throw new UnauthorizedError(SIGN_IN_REFUSED);
      }
      await counters.clear(loginKey);
      const { token, csrfToken } = await sessions.create(user.id, policy.absoluteSeconds);
      // Sessions that ended are swept now and then, by the sign-ins that make new ones.
      if (Math.random() < 0.05) await sessions.purgeEnded(policy.idleSeconds);
      const { passwordHash: _hash, ...record } = user;
      return { user: record, token, csrfToken };
    },
  };
}

export type SignInService = ReturnType<typeof createSignInService>;
