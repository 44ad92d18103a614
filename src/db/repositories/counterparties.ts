import { randomBytes } from 'node:crypto';
import { and, asc, eq, isNotNull, isNull, notInArray, sql } from 'drizzle-orm';
import type { AttachmentTemplate, TemplateOverrides } from '../../domain/vocabulary';
import type { Db } from '../client';
import {
  companies,
  contacts,
  counterparties,
  counterpartyOverrides,
  eventTypes,
  type Contact,
  type Counterparty,
  type CounterpartyOverride,
} from '../schema';

/** A contact as the caller lists it; with an id, the contact of that id is kept and updated. */
export interface ContactValues {
  id?: number | undefined;
  name: string;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  /** Left out: an existing contact keeps its subscription. */
  telegramChatId?: string | null | undefined;
}

/** The parts of a client's override of one event type a caller sets; those left out keep their value. */
export interface OverrideValues {
  send?: boolean | undefined;
  templates?: TemplateOverrides | undefined;
  attachments?: AttachmentTemplate[] | null | undefined;
}

/** A client with everything shown about it. */
export interface CounterpartyDetails {
  counterparty: Counterparty;
  /** In the order the caller listed them. */
  contacts: Contact[];
  overrides: CounterpartyOverride[];
  /** The company's Telegram bot, for the contacts' subscription links (R5). */
  botUsername: string | undefined;
}

/** Clients (counterparties), their contacts (R11) and their per-event-type overrides (R12). */
export function createCounterpartyRepository(db: Db) {
  return {
    async find(companyId: string, id: string): Promise<Counterparty | undefined> {
      const [row] = await db
        .select()
        .from(counterparties)
        .where(and(eq(counterparties.companyId, companyId), eq(counterparties.id, id)));
      return row;
    },

    async exists(companyId: string, id: string): Promise<boolean> {
      const [row] = await db
        .select({ id: counterparties.id })
        .from(counterparties)
        .where(and(eq(counterparties.companyId, companyId), eq(counterparties.id, id)));
      return row !== undefined;
    },

    /** In id order after `after`; one more row than `limit` tells the caller a next page exists. */
    async list(companyId: string, page: { limit: number; after?: string | undefined }): Promise<Counterparty[]> {
      return db
        .select()
        .from(counterparties)
        .where(and(eq(counterparties.companyId, companyId), page.after ? sql`${counterparties.id} > ${page.after}` : undefined))
        .orderBy(asc(counterparties.id))
        .limit(page.limit + 1);
    },

    /** How many of a client's contacts have a phone: who an SMS to the client reaches. */
    async contactsWithPhone(companyId: string, counterpartyId: string): Promise<number> {
      const [row] = await db
        .select({ count: sql<number>`count(*)::int` })
        .from(contacts)
        .where(and(eq(contacts.companyId, companyId), eq(contacts.counterpartyId, counterpartyId), isNotNull(contacts.phone)));
      return row?.count ?? 0;
    },

    /** One after another: on a transaction the queries share one connection, which takes one query at a time. */
    async details(companyId: string, counterparty: Counterparty): Promise<CounterpartyDetails> {
      const people = await db
        .select()
        .from(contacts)
        .where(and(eq(contacts.companyId, companyId), eq(contacts.counterpartyId, counterparty.id)))
        .orderBy(asc(contacts.position), asc(contacts.id));
      // Every contact has a Telegram deep link: contacts written without a token (seeded, older rows) get one now, once.
      for (const person of people) {
        if (person.telegramChatId !== null || person.telegramLinkToken !== null) continue;
        const [row] = await db
          .update(contacts)
          .set({ telegramLinkToken: randomBytes(12).toString('base64url') })
          .where(and(eq(contacts.id, person.id), isNull(contacts.telegramLinkToken)))
          .returning({ token: contacts.telegramLinkToken });
        person.telegramLinkToken = row?.token ?? (await db.select({ token: contacts.telegramLinkToken }).from(contacts).where(eq(contacts.id, person.id)))[0]?.token ?? null;
      }
      const overrides = await db
        .select()
        .from(counterpartyOverrides)
        .where(and(eq(counterpartyOverrides.companyId, companyId), eq(counterpartyOverrides.counterpartyId, counterparty.id)));
      const [company] = await db.select({ telegram: companies.telegram }).from(companies).where(eq(companies.id, companyId));
      return { counterparty, contacts: people, overrides, botUsername: company?.telegram.botUsername };
    },

    /** Creates a client with each event type's "send for new clients" default (R12). */
    async create(companyId: string, id: string, values: { name: string; managerId: string | null }): Promise<void> {
      await db.insert(counterparties).values({ companyId, id, ...values });
      await db.execute(sql`
        insert into ${counterpartyOverrides} (company_id, counterparty_id, event_type, send)
        select ${eventTypes.companyId}, ${id}, ${eventTypes.type}, ${eventTypes.defaultSendForNewClients}
        from ${eventTypes} where ${eventTypes.companyId} = ${companyId}
        on conflict do nothing`);
    },

    async update(companyId: string, id: string, changes: { name?: string; managerId?: string | null }): Promise<void> {
      if (Object.keys(changes).length === 0) return;
      await db
        .update(counterparties)
        .set(changes)
        .where(and(eq(counterparties.companyId, companyId), eq(counterparties.id, id)));
    },

    /**
     * Makes `list` the client's contacts: listed ids are updated, contacts
     * without an id (or with an unknown one) created with a fresh Telegram
     * link token, and contacts not listed removed.
     */
    async replaceContacts(companyId: string, counterpartyId: string, list: readonly ContactValues[]): Promise<void> {
      const scope = and(eq(contacts.companyId, companyId), eq(contacts.counterpartyId, counterpartyId));
      const keepIds = list.flatMap((c) => (c.id !== undefined ? [c.id] : []));
      await db.delete(contacts).where(keepIds.length > 0 ? and(scope, notInArray(contacts.id, keepIds)) : scope);
      for (const [position, contact] of list.entries()) {
        const values = {
          name: contact.name,
          email: contact.email ?? null,
          phone: contact.phone ?? null,
          ...(contact.telegramChatId !== undefined ? { telegramChatId: contact.telegramChatId } : {}),
          position,
        };
        if (contact.id !== undefined) {
          const updated = await db
            .update(contacts)
            .set(values)
            .where(and(scope, eq(contacts.id, contact.id)))
            .returning({ id: contacts.id });
          if (updated.length > 0) continue;
        }
        await db.insert(contacts).values({
          companyId,
          counterpartyId,
          ...values,
          telegramLinkToken: randomBytes(12).toString('base64url'),
        });
      }
    },

    /** Sets the given parts of the client's override of one event type; a new override sends unless told otherwise. */
    /** Removes a client's override of one event type: the type's defaults apply again. */
    async deleteOverride(companyId: string, counterpartyId: string, eventType: string): Promise<void> {
      await db
        .delete(counterpartyOverrides)
        .where(
          and(
            eq(counterpartyOverrides.companyId, companyId),
            eq(counterpartyOverrides.counterpartyId, counterpartyId),
            eq(counterpartyOverrides.eventType, eventType),
          ),
        );
    },

    async saveOverride(companyId: string, counterpartyId: string, eventType: string, override: OverrideValues): Promise<void> {
      const set = {
        ...(override.send !== undefined ? { send: override.send } : {}),
        ...(override.templates !== undefined ? { templates: override.templates } : {}),
        ...(override.attachments !== undefined ? { attachments: override.attachments } : {}),
      };
      await db
        .insert(counterpartyOverrides)
        .values({ companyId, counterpartyId, eventType, send: override.send ?? true, ...set })
        .onConflictDoUpdate({
          target: [counterpartyOverrides.companyId, counterpartyOverrides.counterpartyId, counterpartyOverrides.eventType],
          set: { ...set, updatedAt: sql`now()` },
        });
    },
  };
}

export type CounterpartyRepository = ReturnType<typeof createCounterpartyRepository>;
