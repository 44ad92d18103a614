import { and, asc, eq } from 'drizzle-orm';
import type { PlanInputs } from '../../domain/plan';
import type { Db } from '../client';
import { companies, contacts, counterparties, counterpartyOverrides, eventTypes, managers, templates } from '../schema';

/** What `buildPlan` needs about one event, read in one go. */
export function createPlanInputRepository(db: Db) {
  return {
    /**
     * The rows of the company, event type, client, its manager, templates, override and contacts; undefined without the company.
     * Three statements at once: the one-to-one rows joined on the company, the templates, the contacts.
     */
    async load(companyId: string, eventType: string, counterpartyId: string): Promise<PlanInputs | undefined> {
      const [[row], rows, people] = await Promise.all([
        db
          .select({ company: companies, type: eventTypes, counterparty: counterparties, manager: managers, override: counterpartyOverrides })
          .from(companies)
          .leftJoin(eventTypes, and(eq(eventTypes.companyId, companies.id), eq(eventTypes.type, eventType)))
          .leftJoin(counterparties, and(eq(counterparties.companyId, companies.id), eq(counterparties.id, counterpartyId)))
          .leftJoin(managers, and(eq(managers.companyId, companies.id), eq(managers.id, counterparties.managerId)))
          .leftJoin(
            counterpartyOverrides,
            and(
              eq(counterpartyOverrides.companyId, companies.id),
              eq(counterpartyOverrides.counterpartyId, counterpartyId),
              eq(counterpartyOverrides.eventType, eventType),
            ),
          )
          .where(eq(companies.id, companyId)),
        db
          .select()
          .from(templates)
          .where(and(eq(templates.companyId, companyId), eq(templates.eventType, eventType))),
        db
          .select()
          .from(contacts)
          .where(and(eq(contacts.companyId, companyId), eq(contacts.counterpartyId, counterpartyId)))
          .orderBy(asc(contacts.position), asc(contacts.id)),
      ]);
      if (!row) return undefined;
      return {
        company: row.company,
        eventType: row.type ?? undefined,
        counterparty: row.counterparty ?? undefined,
        manager: row.manager ?? undefined,
        templates: rows,
        override: row.override ?? undefined,
        contacts: people,
      };
    },
  };
}
