import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Audience, Channel } from '../../domain/vocabulary';
import type { Db } from '../client';
import { contacts, counterparties, counterpartyOverrides, eventTypes, templates, type CounterpartyOverride, type EventType, type Template } from '../schema';

/** The settings of an event type a caller may change; identity, origin and timestamps are not among them. */
export type EventTypeFields = Partial<Omit<typeof eventTypes.$inferInsert, 'companyId' | 'type' | 'source' | 'createdAt' | 'updatedAt'>>;

/** One channel's template as stored, without its key. */
export type TemplateValues = Pick<Template, 'subject' | 'html' | 'text' | 'fromName' | 'attachments' | 'extraRecipients' | 'extraContactIds' | 'legalEntityId'>;

export interface EventTypeWithTemplates {
  eventType: EventType;
  templates: Template[];
}

/** Event types (R7, R8) and their templates per audience and channel (R9). */
export function createEventTypeRepository(db: Db) {
  return {
    /** Every event type of the company in name order, each with its templates. */
    async listWithTemplates(companyId: string): Promise<EventTypeWithTemplates[]> {
      const [types, all] = await Promise.all([
        db.select().from(eventTypes).where(eq(eventTypes.companyId, companyId)).orderBy(asc(eventTypes.type)),
        db.select().from(templates).where(eq(templates.companyId, companyId)),
      ]);
      return types.map((eventType) => ({ eventType, templates: all.filter((t) => t.eventType === eventType.type) }));
    },

    async findWithTemplates(companyId: string, type: string): Promise<EventTypeWithTemplates | undefined> {
      const [eventType] = await db
        .select()
        .from(eventTypes)
        .where(and(eq(eventTypes.companyId, companyId), eq(eventTypes.type, type)));
      if (!eventType) return undefined;
      const rows = await db
        .select()
        .from(templates)
        .where(and(eq(templates.companyId, companyId), eq(templates.eventType, type)));
      return { eventType, templates: rows };
    },

    async find(companyId: string, type: string): Promise<EventType | undefined> {
      const [row] = await db
        .select()
        .from(eventTypes)
        .where(and(eq(eventTypes.companyId, companyId), eq(eventTypes.type, type)));
      return row;
    },

    async exists(companyId: string, type: string): Promise<boolean> {
      const [row] = await db
        .select({ type: eventTypes.type })
        .from(eventTypes)
        .where(and(eq(eventTypes.companyId, companyId), eq(eventTypes.type, type)));
      return row !== undefined;
    },

    /** The event types of these names that exist; unknown names are left out. */
    async findMany(companyId: string, types: readonly string[]): Promise<EventType[]> {
      if (types.length === 0) return [];
      return db
        .select()
        .from(eventTypes)
        .where(and(eq(eventTypes.companyId, companyId), inArray(eventTypes.type, [...types])));
    },

    /**
     * Creates a custom event type. Existing clients get its "send for new
     * clients" default, as new clients do (R12).
     */
    async create(companyId: string, type: string, fields: EventTypeFields & { name: string }): Promise<void> {
      await db.insert(eventTypes).values({ ...fields, companyId, type, source: 'custom' });
      await db.execute(sql`
        insert into ${counterpartyOverrides} (company_id, counterparty_id, event_type, send)
        select ${counterparties.companyId}, ${counterparties.id}, ${type}, ${fields.defaultSendForNewClients ?? true}
        from ${counterparties} where ${counterparties.companyId} = ${companyId}
        on conflict do nothing`);
    },

    async update(companyId: string, type: string, fields: EventTypeFields): Promise<void> {
      await db
        .update(eventTypes)
        .set({ ...fields, updatedAt: sql`now()` })
        .where(and(eq(eventTypes.companyId, companyId), eq(eventTypes.type, type)));
    },

    /** Writes one audience's template of one channel; null removes it. */
    async saveTemplate(companyId: string, type: string, audience: Audience, channel: Channel, values: TemplateValues | null): Promise<void> {
      if (values === null) {
        await db
          .delete(templates)
          .where(
            and(
              eq(templates.companyId, companyId),
              eq(templates.eventType, type),
              eq(templates.audience, audience),
              eq(templates.channel, channel),
            ),
          );
        return;
      }
      await db
        .insert(templates)
        .values({ companyId, eventType: type, audience, channel, ...values })
        .onConflictDoUpdate({
          target: [templates.companyId, templates.eventType, templates.audience, templates.channel],
          set: { ...values, updatedAt: sql`now()` },
        });
    },

    /** Those of `ids` that are contacts (clients' employees) of the company. */
    async existingContactIds(companyId: string, ids: readonly number[]): Promise<number[]> {
      if (ids.length === 0) return [];
      const rows = await db
        .select({ id: contacts.id })
        .from(contacts)
        .where(and(eq(contacts.companyId, companyId), inArray(contacts.id, [...ids])));
      return rows.map((r) => r.id);
    },

    /** Templates (any event type) that send as this legal entity. */
    async templatesOfLegalEntity(companyId: string, legalEntityId: string): Promise<{ eventType: string; audience: Audience; channel: Channel }[]> {
      return db
        .select({ eventType: templates.eventType, audience: templates.audience, channel: templates.channel })
        .from(templates)
        .where(and(eq(templates.companyId, companyId), eq(templates.legalEntityId, legalEntityId)));
    },

    /** Every client's override of this event type, with the client's own templates. */
    async overridesOf(companyId: string, type: string): Promise<CounterpartyOverride[]> {
      return db
        .select()
        .from(counterpartyOverrides)
        .where(and(eq(counterpartyOverrides.companyId, companyId), eq(counterpartyOverrides.eventType, type)));
    },
  };
}

export type EventTypeRepository = ReturnType<typeof createEventTypeRepository>;
