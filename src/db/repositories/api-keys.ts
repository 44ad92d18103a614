import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../client';
import { apiKeys } from '../schema';
import { isRole, type Role } from '../../domain/roles';

/** Keys are random, so a plain SHA-256 is enough to make a stolen table useless. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): string {
  return `nk_${randomBytes(24).toString('base64url')}`;
}

/** The role that manages keys: a company always keeps one active key with it. */
const ADMIN_ROLE: Role = 'settings:admin';

export interface AuthenticatedKey {
  keyId: number;
  keyName: string;
  companyId: string;
  roles: Role[];
}

export function createApiKeyRepository(db: Db) {
  return {
    /** Creates a key and returns its value: the only time it is ever visible. */
    async create(companyId: string, name: string, roles: readonly Role[]): Promise<{ id: number; key: string }> {
      const key = generateApiKey();
      const [row] = await db
        .insert(apiKeys)
        .values({ companyId, name, keyHash: hashApiKey(key), roles: [...roles] })
        .returning({ id: apiKeys.id });
      return { id: row!.id, key };
    },

    /**
     * Makes sure a key with this exact value exists with these roles (for
     * ADMIN_API_KEY). A value that was revoked stays revoked: a leaked key must
     * not come back at the next restart. Says which it is.
     */
    async ensure(companyId: string, name: string, key: string, roles: readonly Role[]): Promise<'active' | 'revoked'> {
      const [row] = await db
        .insert(apiKeys)
        .values({ companyId, name, keyHash: hashApiKey(key), roles: [...roles] })
        .onConflictDoUpdate({
          target: apiKeys.keyHash,
          set: { companyId, roles: [...roles] },
        })
        .returning({ revokedAt: apiKeys.revokedAt });
      return row?.revokedAt ? 'revoked' : 'active';
    },

    async list(companyId: string) {
      return db
        .select({
          id: apiKeys.id,
          name: apiKeys.name,
          roles: apiKeys.roles,
          createdAt: apiKeys.createdAt,
          revokedAt: apiKeys.revokedAt,
        })
        .from(apiKeys)
        .where(eq(apiKeys.companyId, companyId))
        .orderBy(apiKeys.id);
    },

    /**
     * Revokes an active key of the company, unless it is the last active key
     * with `settings:admin`: without one nobody could manage the company's keys.
     * The company's active keys are locked meanwhile, so two revocations at once
     * cannot remove the last two admin keys.
     */
    async revoke(companyId: string, id: number): Promise<'revoked' | 'not_found' | 'last_admin'> {
      return db.transaction(async (tx) => {
        const active = await tx
          .select({ id: apiKeys.id, roles: apiKeys.roles })
          .from(apiKeys)
          .where(and(eq(apiKeys.companyId, companyId), isNull(apiKeys.revokedAt)))
          .for('update');
        const target = active.find((k) => k.id === id);
        if (!target) return 'not_found';
        const isAdmin = (roles: string[]) => roles.includes(ADMIN_ROLE);
        if (isAdmin(target.roles) && !active.some((k) => k.id !== id && isAdmin(k.roles))) return 'last_admin';
        await tx.update(apiKeys).set({ revokedAt: new Date() }).where(and(eq(apiKeys.companyId, companyId), eq(apiKeys.id, id)));
        return 'revoked';
      });
    },

    async authenticate(key: string): Promise<AuthenticatedKey | undefined> {
      return this.authenticateHash(hashApiKey(key));
    },

    /** The active key whose value hashes to `keyHash` ({@link hashApiKey}); undefined when none is. */
    async authenticateHash(keyHash: string): Promise<AuthenticatedKey | undefined> {
      const [row] = await db
        .select({ id: apiKeys.id, name: apiKeys.name, companyId: apiKeys.companyId, roles: apiKeys.roles })
        .from(apiKeys)
        .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
        .limit(1);
      if (!row) return undefined;
      return { keyId: row.id, keyName: row.name, companyId: row.companyId, roles: row.roles.filter(isRole) };
    },
  };
}
