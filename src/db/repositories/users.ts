import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { users } from '../schema';
import { isRole, type Role } from '../../domain/roles';

/** argon2id with the library's defaults (19 MiB, 2 passes: OWASP's recommendation); the hash names them, so they may grow. */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** Whether `password` is the one `passwordHash` was made from; a malformed hash is a plain no. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A password for a demo user or a reset by the seed command: 16 characters of 96 random bits. */
export function generatePassword(): string {
  return randomBytes(12).toString('base64url');
}

/** A user as the rest of the service sees it: never the password hash. */
export interface UserRecord {
  id: number;
  companyId: string;
  login: string;
  name: string;
  roles: Role[];
  active: boolean;
  managerId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewUser {
  login: string;
  name: string;
  passwordHash: string;
  roles: readonly Role[];
  active: boolean;
  managerId: string | null;
}

export interface UserChanges {
  name?: string;
  roles?: readonly Role[];
  active?: boolean;
  managerId?: string | null;
  passwordHash?: string;
}

const PUBLIC_COLUMNS = {
  id: users.id,
  companyId: users.companyId,
  login: users.login,
  name: users.name,
  roles: users.roles,
  active: users.active,
  managerId: users.managerId,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
};

const toRecord = (row: Omit<UserRecord, 'roles'> & { roles: string[] }): UserRecord => ({ ...row, roles: row.roles.filter(isRole) });

/** The people of a company who sign in to the console. Logins arrive normalized (`normalizeLogin`). */
export function createUserRepository(db: Db) {
  return {
    /** Creates a user; `login_taken` when the company has that login already. */
    async create(companyId: string, user: NewUser): Promise<UserRecord | 'login_taken'> {
      const [row] = await db
        .insert(users)
        .values({ companyId, ...user, roles: [...user.roles] })
        .onConflictDoNothing({ target: [users.companyId, users.login] })
        .returning(PUBLIC_COLUMNS);
      return row ? toRecord(row) : 'login_taken';
    },

    async list(companyId: string): Promise<UserRecord[]> {
      const rows = await db.select(PUBLIC_COLUMNS).from(users).where(eq(users.companyId, companyId)).orderBy(asc(users.id));
      return rows.map(toRecord);
    },

    async find(companyId: string, id: number): Promise<UserRecord | undefined> {
      const [row] = await db.select(PUBLIC_COLUMNS).from(users).where(and(eq(users.companyId, companyId), eq(users.id, id)));
      return row ? toRecord(row) : undefined;
    },

    async findByLogin(companyId: string, login: string): Promise<UserRecord | undefined> {
      const [row] = await db.select(PUBLIC_COLUMNS).from(users).where(and(eq(users.companyId, companyId), eq(users.login, login)));
      return row ? toRecord(row) : undefined;
    },

    /** Every user with this login, of any company (or of one), with the hash: for sign-in only. */
    async credentials(login: string, companyId?: string): Promise<(UserRecord & { passwordHash: string })[]> {
      const rows = await db
        .select({ ...PUBLIC_COLUMNS, passwordHash: users.passwordHash })
        .from(users)
        .where(and(eq(users.login, login), companyId === undefined ? undefined : eq(users.companyId, companyId)))
        .limit(10);
      return rows.map((row) => ({ ...toRecord(row), passwordHash: row.passwordHash }));
    },

    /** Applies `changes`; the row locked by `lockCompany` when called inside its transaction. */
    async update(companyId: string, id: number, changes: UserChanges): Promise<UserRecord | undefined> {
      const [row] = await db
        .update(users)
        .set({ ...changes, roles: changes.roles ? [...changes.roles] : undefined, updatedAt: new Date() })
        .where(and(eq(users.companyId, companyId), eq(users.id, id)))
        .returning(PUBLIC_COLUMNS);
      return row ? toRecord(row) : undefined;
    },

    /**
     * Locks the company's users until the transaction ends and returns them:
     * two administrators changing each other at once cannot both remove the
     * last active `settings:admin`.
     */
    async lockCompany(companyId: string): Promise<UserRecord[]> {
      const rows = await db.select(PUBLIC_COLUMNS).from(users).where(eq(users.companyId, companyId)).orderBy(asc(users.id)).for('update');
      return rows.map(toRecord);
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
