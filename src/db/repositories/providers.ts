import { asc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { providers, type Provider } from '../schema';

/** One entry of a company's provider directory as written; timestamps are the database's. */
export type NewProvider = Omit<typeof providers.$inferInsert, 'createdAt' | 'updatedAt'>;

/** The per-company provider directory (R2). `config` is plain; `secrets` is sealed. */
export function createProviderRepository(db: Db) {
  return {
    /** Ordered by id, so a version built from the list is stable. */
    async list(companyId: string): Promise<Provider[]> {
      return db.select().from(providers).where(eq(providers.companyId, companyId)).orderBy(asc(providers.id));
    },

    /** Replaces the whole directory; run it in the settings transaction. */
    async replaceAll(companyId: string, entries: readonly Omit<NewProvider, 'companyId'>[]): Promise<void> {
      await db.delete(providers).where(eq(providers.companyId, companyId));
      if (entries.length > 0) await db.insert(providers).values(entries.map((entry) => ({ ...entry, companyId })));
    },
  };
}

export type ProviderRepository = ReturnType<typeof createProviderRepository>;
