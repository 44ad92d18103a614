import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, lt, ne, or, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { sessions, users } from '../schema';
import { isRole, type Role } from '../../domain/roles';

/** Tokens are 32 random bytes, so a plain SHA-256 makes a stolen table useless. */
export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A signed-in person as every request sees them. */
export interface AuthenticatedUser {
  userId: number;
  login: string;
  name: string;
  companyId: string;
  roles: Role[];
  managerId: string | null;
  /** The SHA-256 of the session's token: the session's id. */
  sessionId: string;
  csrfToken: string;
}

/** `lastSeenAt` is written at most this often, not on every request. */
const TOUCH_EVERY_SECONDS = 60;

/** Console sessions (R20). */
export function createSessionRepository(db: Db) {
  return {
    /** Opens a session for `userId`; returns the token for the cookie (never stored) and the CSRF token. */
    async create(userId: number, absoluteSeconds: number): Promise<{ token: string; csrfToken: string }> {
      const token = generateSessionToken();
      const csrfToken = randomBytes(32).toString('base64url');
      await db.insert(sessions).values({
        id: hashSessionToken(token),
        userId,
        csrfToken,
        expiresAt: sql`now() + make_interval(secs => ${absoluteSeconds})`,
      });
      return { token, csrfToken };
    },

    /**
     * The session of `token` with its user, when the session has been used
     * within `idleSeconds`, has not reached its absolute end and the user is
     * active. Marks it used.
     */
    async authenticate(token: string, idleSeconds: number): Promise<AuthenticatedUser | undefined> {
      const id = hashSessionToken(token);
      const [row] = await db
        .select({
          userId: users.id,
          login: users.login,
          name: users.name,
          companyId: users.companyId,
          roles: users.roles,
          managerId: users.managerId,
          csrfToken: sessions.csrfToken,
        })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(
          and(
            eq(sessions.id, id),
            eq(users.active, true),
            gt(sessions.expiresAt, sql`now()`),
            gt(sessions.lastSeenAt, sql`now() - make_interval(secs => ${idleSeconds})`),
          ),
        );
      if (!row) return undefined;
      await db
        .update(sessions)
        .set({ lastSeenAt: sql`now()` })
        .where(and(eq(sessions.id, id), lt(sessions.lastSeenAt, sql`now() - make_interval(secs => ${TOUCH_EVERY_SECONDS})`)));
      return { ...row, roles: row.roles.filter(isRole), sessionId: id };
    },

    async delete(sessionId: string): Promise<void> {
      await db.delete(sessions).where(eq(sessions.id, sessionId));
    },

    /** Ends every session of a user except `keepSessionId` (the one making the change, when it is theirs). */
    async deleteForUser(userId: number, keepSessionId?: string): Promise<number> {
      const deleted = await db
        .delete(sessions)
        .where(and(eq(sessions.userId, userId), keepSessionId === undefined ? undefined : ne(sessions.id, keepSessionId)))
        .returning({ id: sessions.id });
      return deleted.length;
    },

    /** Removes sessions that can no longer be used, so the table does not grow forever. */
    async purgeEnded(idleSeconds: number): Promise<void> {
      await db
        .delete(sessions)
        .where(or(lt(sessions.expiresAt, sql`now()`), lt(sessions.lastSeenAt, sql`now() - make_interval(secs => ${idleSeconds})`)));
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;
