import { and, asc, eq } from 'drizzle-orm';
import type { PlanInputs } from '../../domain/plan';
import type { Db } from '../client';
import { companies, contacts, counterparties, counterpartyOverrides, eventTypes, managers, templates } from '../schema';

/** What `buildPlan` needs about one event, read in one go. */
export function createPlanInputRepository(db: Db) {
  return {
    /** The rows of the company, event type, client, its manager, templates, override and contacts; undefined without the company. */
    async load(companyId: string, eventType: string, counterpartyId: string): Promise<PlanInputs | undefined> {
      const [[company], [type], [counterparty], rows, [override], people] = await Promise.all([
        db.select().from(companies).where(eq(companies.id, companyId)),
        db
          .select()
          .from(eventTypes)
          .where(and(eq(eventTypes.companyId, companyId), eq(eventTypes.type, eventType))),
        db
          .select()
          .from(counterparties)
          .where(and(eq(counterparties.companyId, companyId), eq(counterparties.id, counterpartyId))),
        db
          .select()
          .from(templates)
          .where(and(eq(templates.companyId, companyId), eq(templates.eventType, eventType))),
        db
          .select()
          .from(counterpartyOverrides)
          .where(
            and(
              eq(counterpartyOverrides.companyId, companyId),
              eq(counterpartyOverrides.counterpartyId, counterpartyId),
              eq(counterpartyOverrides.eventType, eventType),
            ),
          ),
        db
          .select()
          .from(contacts)
          .where(and(eq(contacts.companyId, companyId), eq(contacts.counterpartyId, counterpartyId)))
          .orderBy(asc(contacts.position), asc(contacts.id)),
      ]);
      if (!company) return undefined;
      const [manager] = counterparty?.managerId
        ? await db
            .select()
            .from(managers)
            .where(and(eq(managers.companyId, companyId), eq(managers.id, counterparty.managerId)))
        : [];
      return { company, eventType: type, counterparty, manager, templates: rows, override, contacts: people };
    },
  };
}
