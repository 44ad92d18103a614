import type { Db } from '../db/client';
import { createConfigChangeRepository } from '../db/repositories/config-changes';
import {
  createCounterpartyRepository,
  type ContactValues,
  type CounterpartyDetails,
  type OverrideValues,
} from '../db/repositories/counterparties';
import { createEventTypeRepository } from '../db/repositories/event-types';
import { createManagerRepository } from '../db/repositories/managers';
import { BadRequestError, NotFoundError, UnprocessableError, type ErrorDetail } from '../domain/errors';
import { sampleFor } from '../domain/template-checks';
import type { AttachmentTemplate, Channel, TemplateOverride, TemplateOverrides } from '../domain/vocabulary';
import { runTemplateTask } from './template-pool';
import { PHONE_PROBLEM, toE164 } from './phones';

/**
 * A change of a client: fields left out keep their value; `contacts`
 * replaces the list; `overrides` sets the given event types' overrides.
 */
export interface CounterpartyChange {
  name?: string | undefined;
  managerId?: string | null | undefined;
  contacts?: ContactValues[] | undefined;
  overrides?: Record<string, OverrideValues> | undefined;
  /** Event types whose override is removed (the client follows the type's defaults again). */
  removeOverrides?: string[] | undefined;
}

/** PATCH of one event type's override: fields left out keep their value; a channel's template merges field by field (null removes it). */
export interface OverridePatch {
  send?: boolean | undefined;
  templates?: Partial<Record<Channel, Partial<Record<keyof TemplateOverride, string>> | null>> | undefined;
  attachments?: AttachmentTemplate[] | null | undefined;
}

export interface CounterpartyPatch extends Omit<CounterpartyChange, 'overrides' | 'removeOverrides'> {
  /** By event type: an object changes the fields it names, null removes the override. */
  overrides?: Record<string, OverridePatch | null> | undefined;
}

/** A client as the API shows it and the configuration history records it. */
export function counterpartyView({ counterparty, contacts, overrides, botUsername }: CounterpartyDetails) {
  return {
    id: counterparty.id,
    name: counterparty.name,
    managerId: counterparty.managerId,
    contacts: contacts.map((c) => ({
      id: c.id,
      name: c.name,
      email: c.email,
      phone: c.phone,
      telegram: {
        subscribed: c.telegramChatId !== null,
        chatId: c.telegramChatId,
        link: botUsername && c.telegramLinkToken ? `https://t.me/${botUsername}?start=${c.telegramLinkToken}` : null,
      },
    })),
    overrides: Object.fromEntries(overrides.map((o) => [o.eventType, { send: o.send, templates: o.templates, attachments: o.attachments }])),
    createdAt: counterparty.createdAt.toISOString(),
  };
}
export type CounterpartyView = ReturnType<typeof counterpartyView>;

/** Phones are stored in E.164 so every channel and provider sees the same number. */
function normalizeContacts(input: ContactValues[] | undefined): ContactValues[] | undefined {
  if (!input) return undefined;
  const problems: ErrorDetail[] = [];
  const result = input.map((contact, i) => {
    if (!contact.phone) return contact;
    const e164 = contact.phone.trim().startsWith('+') ? toE164(contact.phone) : undefined;
    if (e164) return { ...contact, phone: e164 };
    problems.push({ path: `/body/contacts/${i}/phone`, message: PHONE_PROBLEM });
    return contact;
  });
  if (problems.length > 0) throw new BadRequestError('invalid phone number', problems);
  return result;
}

/** Clients, their contacts (R11) and their per-event-type overrides (R12). */
export function createCounterpartyService(db: Db) {
  const counterparties = createCounterpartyRepository(db);

  /** The manager and the event types a change names must exist, and a client's own templates must parse. */
  const validateReferences = async (companyId: string, change: CounterpartyChange): Promise<void> => {
    const problems: ErrorDetail[] = [];
    if (change.managerId && !(await createManagerRepository(db).exists(companyId, change.managerId))) {
      problems.push({ path: '/body/managerId', message: `no manager "${change.managerId}" exists` });
    }
    const overrides = change.overrides ?? {};
    const known = await createEventTypeRepository(db).findMany(companyId, Object.keys(overrides));
    for (const [type, override] of Object.entries(overrides)) {
      const eventType = known.find((k) => k.type === type);
      if (!eventType) {
        problems.push({ path: `/body/overrides/${type}`, message: `no event type "${type}" is configured` });
        continue;
      }
      problems.push(...(await runTemplateTask('checkOverrideTemplates', [override, sampleFor(eventType.variables), `/body/overrides/${type}`])));
    }
    if (problems.length > 0) {
      // A template problem is a TEMPLATE_ERROR wherever the template sits; other problems are bad references.
      const code = problems.some((p) => p.path.includes('/templates/') || p.path.includes('/attachments/')) ? 'TEMPLATE_ERROR' : 'INVALID_REFERENCE';
      throw new UnprocessableError(code, problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
    }
  };

  return {
    /** A page in id order after `after`, and the id to continue after when there is more. */
    async list(companyId: string, page: { limit: number; after?: string | undefined }): Promise<{ items: CounterpartyView[]; next: string | null }> {
      const rows = await counterparties.list(companyId, page);
      const shown = rows.slice(0, page.limit);
      const items = await Promise.all(shown.map(async (row) => counterpartyView(await counterparties.details(companyId, row))));
      return { items, next: rows.length > page.limit ? (shown[shown.length - 1]?.id ?? null) : null };
    },

    /** @throws NotFoundError */
    async get(companyId: string, id: string): Promise<CounterpartyView> {
      const row = await counterparties.find(companyId, id);
      if (!row) throw new NotFoundError(`counterparty ${id}`);
      return counterpartyView(await counterparties.details(companyId, row));
    },

    /**
     * Creates or changes a client with its contacts and overrides, in one
     * transaction with the record of the change. A new client gets each
     * event type's "send for new clients" default unless `overrides` says otherwise.
     * @throws BadRequestError for a new client without a name or a bad phone number.
     * @throws UnprocessableError `INVALID_REFERENCE` or `TEMPLATE_ERROR` naming every refused field.
     */
    /**
     * PATCH (JSON merge semantics): changes only what it names; one override
     * (or one channel's template of it) without resending the others.
     * @throws NotFoundError for an unknown client.
     */
    async patch(companyId: string, id: string, change: CounterpartyPatch, actor: string): Promise<CounterpartyView> {
      const existing = await counterparties.find(companyId, id);
      if (!existing) throw new NotFoundError(`counterparty ${id}`);
      const stored = (await counterparties.details(companyId, existing)).overrides;
      const overrides: Record<string, OverrideValues> = {};
      const removeOverrides: string[] = [];
      for (const [type, patch] of Object.entries(change.overrides ?? {})) {
        if (patch === null) {
          removeOverrides.push(type);
          continue;
        }
        const old = stored.find((o) => o.eventType === type);
        let templates: TemplateOverrides | undefined;
        if (patch.templates !== undefined) {
          templates = { ...(old?.templates ?? {}) };
          for (const [channel, fields] of Object.entries(patch.templates) as [Channel, Partial<TemplateOverride> | null][]) {
            if (fields === null) delete templates[channel];
            else templates[channel] = { ...templates[channel], ...fields };
          }
        }
        overrides[type] = {
          ...(patch.send !== undefined ? { send: patch.send } : {}),
          ...(templates ? { templates } : {}),
          ...(patch.attachments !== undefined ? { attachments: patch.attachments } : {}),
        };
      }
      const { overrides: _overrides, ...rest } = change;
      return this.save(companyId, id, { ...rest, overrides, removeOverrides }, actor, 'patch');
    },

    async save(companyId: string, id: string, change: CounterpartyChange, actor: string, action: 'update' | 'patch' = 'update'): Promise<CounterpartyView> {
      const existing = await counterparties.find(companyId, id);
      if (!existing && change.name === undefined) {
        throw new BadRequestError('a new counterparty needs a name', [{ path: '/body/name', message: 'is required to create a counterparty' }]);
      }
      const before = existing ? counterpartyView(await counterparties.details(companyId, existing)) : null;
      const contacts = normalizeContacts(change.contacts);
      await validateReferences(companyId, change);

      return db.transaction(async (tx) => {
        const repository = createCounterpartyRepository(tx);
        if (existing) {
          await repository.update(companyId, id, {
            ...(change.name !== undefined ? { name: change.name } : {}),
            ...(change.managerId !== undefined ? { managerId: change.managerId } : {}),
          });
        } else {
          await repository.create(companyId, id, { name: change.name!, managerId: change.managerId ?? null });
        }
        if (contacts) await repository.replaceContacts(companyId, id, contacts);
        for (const [eventType, override] of Object.entries(change.overrides ?? {})) {
          await repository.saveOverride(companyId, id, eventType, override);
        }
        for (const eventType of change.removeOverrides ?? []) await repository.deleteOverride(companyId, id, eventType);
        const after = counterpartyView(await repository.details(companyId, (await repository.find(companyId, id))!));
        await createConfigChangeRepository(tx).record({
          companyId,
          actor,
          entity: 'counterparty',
          entityId: id,
          action: existing ? action : 'create',
          before,
          after,
        });
        return after;
      });
    },
  };
}

export type CounterpartyService = ReturnType<typeof createCounterpartyService>;
