import type { Db } from '../db/client';
import { createConfigChangeRepository } from '../db/repositories/config-changes';
import { createManagerRepository } from '../db/repositories/managers';
import type { Manager } from '../db/schema';
import { BadRequestError, NotFoundError } from '../domain/errors';
import { PHONE_PROBLEM, toE164 } from './phones';

export interface ManagerChange {
  name: string;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  telegramChatId?: string | null | undefined;
}

/** A manager as the API shows it and the configuration history records it. */
export function managerView(m: Manager) {
  return { id: m.id, name: m.name, email: m.email, phone: m.phone, telegramChatId: m.telegramChatId };
}
export type ManagerView = ReturnType<typeof managerView>;

/** Responsible managers of clients (R11), who get manager notifications and act on tracked events (R14). */
export function createManagerService(db: Db) {
  const managers = createManagerRepository(db);
  return {
    async list(companyId: string): Promise<ManagerView[]> {
      return (await managers.list(companyId)).map(managerView);
    },

    /** @throws NotFoundError */
    async get(companyId: string, id: string): Promise<ManagerView> {
      const row = await managers.find(companyId, id);
      if (!row) throw new NotFoundError(`manager ${id}`);
      return managerView(row);
    },

    /**
     * Creates or replaces a manager, with the phone in E.164, and records the change.
     * @throws BadRequestError for a phone that is not a valid international number.
     */
    async save(companyId: string, id: string, change: ManagerChange, actor: string): Promise<ManagerView> {
      const { name, email = null, telegramChatId = null } = change;
      let phone = change.phone ?? null;
      if (phone) {
        const e164 = phone.startsWith('+') ? toE164(phone) : undefined;
        if (!e164) throw new BadRequestError('invalid phone number', [{ path: '/body/phone', message: PHONE_PROBLEM }]);
        phone = e164;
      }
      const values = { name, email, phone, telegramChatId };
      return db.transaction(async (tx) => {
        const repository = createManagerRepository(tx);
        const before = await repository.find(companyId, id);
        await repository.upsert(companyId, id, values);
        const after = managerView((await repository.find(companyId, id))!);
        await createConfigChangeRepository(tx).record({
          companyId,
          actor,
          entity: 'manager',
          entityId: id,
          action: before ? 'update' : 'create',
          before: before ? managerView(before) : null,
          after,
        });
        return after;
      });
    },
  };
}

export type ManagerService = ReturnType<typeof createManagerService>;
