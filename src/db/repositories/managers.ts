import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { managers, type Manager } from '../schema';

export type ManagerValues = Pick<Manager, 'name' | 'email' | 'phone' | 'telegramChatId'>;

/** Responsible managers of clients. */
export function createManagerRepository(db: Db) {
  return {
    async list(companyId: string): Promise<Manager[]> {
      return db.select().from(managers).where(eq(managers.companyId, companyId)).orderBy(asc(managers.id));
    },

    async find(companyId: string, id: string): Promise<Manager | undefined> {
      const [row] = await db.select().from(managers).where(and(eq(managers.companyId, companyId), eq(managers.id, id)));
      return row;
    },

    async exists(companyId: string, id: string): Promise<boolean> {
      const [row] = await db
        .select({ id: managers.id })
        .from(managers)
        .where(and(eq(managers.companyId, companyId), eq(managers.id, id)));
      return row !== undefined;
    },

    /** Creates the manager or replaces every field of it. */
    async upsert(companyId: string, id: string, values: ManagerValues): Promise<void> {
      await db
        .insert(managers)
        .values({ companyId, id, ...values })
        .onConflictDoUpdate({ target: [managers.companyId, managers.id], set: values });
    },
  };
}

export type ManagerRepository = ReturnType<typeof createManagerRepository>;
