import { asc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { companies, providers, type Provider } from '../schema';
import type { CompanyProviderState } from './companies';

/** One entry of a company's provider directory as written; timestamps are the database's. */
export type NewProvider = Omit<typeof providers.$inferInsert, 'createdAt' | 'updatedAt'>;

/** The per-company provider directory (R2). `config` is plain; `secrets` is sealed. */
export function createProviderRepository(db: Db) {
  return {
    /** Ordered by id, so a version built from the list is stable. */
    async list(companyId: string): Promise<Provider[]> {
      return db.select().from(providers).where(eq(providers.companyId, companyId)).orderBy(asc(providers.id));
    },

    /** The company's provider state and its directory (ordered by id) in one statement; undefined without the company. */
    async withCompanyState(companyId: string): Promise<{ company: CompanyProviderState; directory: Provider[] } | undefined> {
      const rows = await db
        .select({
          company: { updatedAt: companies.updatedAt, primarySmsProviderId: companies.primarySmsProviderId, secrets: companies.secrets },
          provider: providers,
        })
        .from(companies)
        .leftJoin(providers, eq(providers.companyId, companies.id))
        .where(eq(companies.id, companyId))
        .orderBy(asc(providers.id));
      if (!rows[0]) return undefined;
      return { company: rows[0].company, directory: rows.flatMap((r) => (r.provider ? [r.provider] : [])) };
    },

    /** Replaces the whole directory; run it in the settings transaction. */
    async replaceAll(companyId: string, entries: readonly Omit<NewProvider, 'companyId'>[]): Promise<void> {
      await db.delete(providers).where(eq(providers.companyId, companyId));
      if (entries.length > 0) await db.insert(providers).values(entries.map((entry) => ({ ...entry, companyId })));
    },
  };
}

export type ProviderRepository = ReturnType<typeof createProviderRepository>;
