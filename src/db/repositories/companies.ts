import { eq, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { companies, type Company } from '../schema';

/** The columns a settings change may write; `updatedAt` is always set by the repository. */
export type CompanySettingsChange = Partial<Omit<typeof companies.$inferInsert, 'id' | 'createdAt' | 'updatedAt'>>;

/** What the provider registry needs to tell whether a company's adapters are still current. */
export interface CompanyProviderState {
  updatedAt: Date;
  primarySmsProviderId: string | null;
  /** Sealed; the registry opens it. */
  secrets: string | null;
}

/** Companies: the tenants everything else belongs to. */
export function createCompanyRepository(db: Db) {
  return {
    async find(companyId: string): Promise<Company | undefined> {
      const [row] = await db.select().from(companies).where(eq(companies.id, companyId));
      return row;
    },

    async listIds(): Promise<string[]> {
      return (await db.select({ id: companies.id }).from(companies)).map((c) => c.id);
    },

    async setMode(companyId: string, mode: Company['mode']): Promise<void> {
      await db.update(companies).set({ mode }).where(eq(companies.id, companyId));
    },

    /**
     * Reads the company and locks its row until the transaction `db` is part
     * of ends, so two settings changes at once cannot drop each other's secrets.
     */
    async findForUpdate(companyId: string): Promise<Company | undefined> {
      const [row] = await db.select().from(companies).where(eq(companies.id, companyId)).for('update');
      return row;
    },

    /** Writes a settings change and moves `updatedAt`, which versions the company's adapters. */
    async updateSettings(companyId: string, change: CompanySettingsChange): Promise<void> {
      await db
        .update(companies)
        .set({ ...change, updatedAt: sql`now()` })
        .where(eq(companies.id, companyId));
    },

    /** The company whose Telegram webhook path carries the secret with this hash. */
    async findIdByWebhookSecretHash(hash: string): Promise<string | undefined> {
      const [row] = await db
        .select({ id: companies.id })
        .from(companies)
        .where(sql`${companies.telegram}->>'webhookSecretHash' = ${hash}`)
        .limit(1);
      return row?.id;
    },
  };
}

export type CompanyRepository = ReturnType<typeof createCompanyRepository>;
