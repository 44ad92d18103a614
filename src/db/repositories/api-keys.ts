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

    /** Makes sure a key with this exact value exists with these roles (for ADMIN_API_KEY). */
    async ensure(companyId: string, name: string, key: string, roles: readonly Role[]): Promise<void> {
      await db
        .insert(apiKeys)
        .values({ companyId, name, keyHash: hashApiKey(key), roles: [...roles] })
        .onConflictDoUpdate({
          target: apiKeys.keyHash,
          set: { companyId, roles: [...roles], revokedAt: null },
        });
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

    /** Returns false when no such key of this company exists. */
    async revoke(companyId: string, id: number): Promise<boolean> {
      const rows = await db
        .update(apiKeys)
        .set({ revokedAt: new Date() })
        .where(and(eq(apiKeys.companyId, companyId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
        .returning({ id: apiKeys.id });
      return rows.length > 0;
    },

    async authenticate(key: string): Promise<AuthenticatedKey | undefined> {
      const [row] = await db
        .select({ id: apiKeys.id, name: apiKeys.name, companyId: apiKeys.companyId, roles: apiKeys.roles })
        .from(apiKeys)
        .where(and(eq(apiKeys.keyHash, hashApiKey(key)), isNull(apiKeys.revokedAt)))
        .limit(1);
      if (!row) return undefined;
      return { keyId: row.id, keyName: row.name, companyId: row.companyId, roles: row.roles.filter(isRole) };
    },
  };
}
