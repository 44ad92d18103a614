import { eq } from 'drizzle-orm';
import type { Db } from '../client';
import { companies, type Company } from '../schema';

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
  };
}

export type CompanyRepository = ReturnType<typeof createCompanyRepository>;
