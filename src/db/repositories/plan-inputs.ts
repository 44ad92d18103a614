import { and, eq, getTableColumns, sql, type Table } from 'drizzle-orm';
import type { PlanInputs } from '../../domain/plan';
import type { Db } from '../client';
import { companies, contacts, counterparties, counterpartyOverrides, eventTypes, managers, templates } from '../schema';

/** What `buildPlan` needs about one event, read in one go. */
export function createPlanInputRepository(db: Db) {
  // Built once: the statement is the same for every event, only its three values change (a named prepared statement).
  const statement = planStatement(db);
  return {
    /**
     * The rows of the company, event type, client, its manager, templates, override and contacts; undefined without the company.
     * One statement: the one-to-one rows joined on the company, the templates and the contacts aggregated beside them.
     */
    async load(companyId: string, eventType: string, counterpartyId: string): Promise<PlanInputs | undefined> {
      const [row] = await statement.execute({ companyId, eventType, counterpartyId });
      if (!row) return undefined;
      return {
        company: row.company,
        eventType: row.type ?? undefined,
        counterparty: row.counterparty ?? undefined,
        manager: row.manager ?? undefined,
        templates: row.templates.map((t) => fromJson(templates, t)),
        override: row.override ?? undefined,
        contacts: row.contacts.map((c) => fromJson(contacts, c)),
      };
    },
  };
}

function planStatement(db: Db) {
  const companyId = sql.placeholder('companyId');
  const eventType = sql.placeholder('eventType');
  const counterpartyId = sql.placeholder('counterpartyId');
  return db
    .select({
      company: companies,
      type: eventTypes,
      counterparty: counterparties,
      manager: managers,
      override: counterpartyOverrides,
      templates: sql<Record<string, unknown>[]>`coalesce((select jsonb_agg(to_jsonb(t)) from ${templates} t
        where t.company_id = ${companyId} and t.event_type = ${eventType}), '[]'::jsonb)`,
      contacts: sql<Record<string, unknown>[]>`coalesce((select jsonb_agg(to_jsonb(c) order by c.position, c.id) from ${contacts} c
        where c.company_id = ${companyId} and c.counterparty_id = ${counterpartyId}), '[]'::jsonb)`,
    })
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
    .where(eq(companies.id, companyId))
    .prepare('plan_inputs');
}

/** A row that PostgreSQL gave as JSON (`to_jsonb`), mapped as drizzle maps a selected row. */
function fromJson<T extends Table>(table: T, json: Record<string, unknown>): T['$inferSelect'] {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = json[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as T['$inferSelect'];
}
