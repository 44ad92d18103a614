import { randomBytes } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, asc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import { parsePhoneNumberWithError } from 'libphonenumber-js';
import type { Db } from '../../db/client';
import { createConfigChangeRepository } from '../../db/repositories/config-changes';
import { companies, contacts, counterparties, counterpartyOverrides, eventTypes, managers, type Contact, type Counterparty, type CounterpartyOverride } from '../../db/schema';
import type { TemplateKind } from '../../domain/templates';
import { templateProblem } from '../template-problems';
import { NotFoundError, UnprocessableError, BadRequestError, type ErrorDetail } from '../errors';
import { EmailSchema, errorResponses, IdSchema } from '../schemas';
import { actorOf } from './actor';
import { sampleFor } from './event-types';

const PhoneSchema = Type.String({ minLength: 4, maxLength: 32, description: 'E.164, e.g. +79161234567' });

const ContactInputSchema = Type.Object(
  {
    id: Type.Optional(Type.Integer({ minimum: 1, description: 'Keep this to update an existing contact.' })),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.Optional(Type.Union([EmailSchema, Type.Null()])),
    phone: Type.Optional(Type.Union([PhoneSchema, Type.Null()])),
    telegramChatId: Type.Optional(Type.Union([Type.String({ pattern: '^-?\\d{1,20}$' }), Type.Null()])),
  },
  { additionalProperties: false },
);

const OverrideTemplateSchema = Type.Object(
  {
    subject: Type.Optional(Type.String({ maxLength: 1000 })),
    html: Type.Optional(Type.String({ maxLength: 500_000 })),
    text: Type.Optional(Type.String({ maxLength: 100_000 })),
  },
  { additionalProperties: false },
);

const AttachmentSchema = Type.Object(
  {
    filename: Type.String({ minLength: 1, maxLength: 300 }),
    content: Type.String({ maxLength: 200_000 }),
    contentType: Type.String({ minLength: 1, maxLength: 100 }),
  },
  { additionalProperties: false },
);

const OverrideInputSchema = Type.Object(
  {
    send: Type.Optional(Type.Boolean({ description: 'Does this client get this notification (R12).' })),
    templates: Type.Optional(
      Type.Object(
        { email: Type.Optional(OverrideTemplateSchema), sms: Type.Optional(OverrideTemplateSchema), telegram: Type.Optional(OverrideTemplateSchema) },
        { additionalProperties: false, description: "This client's own body templates; channels left out use the event type's." },
      ),
    ),
    attachments: Type.Optional(Type.Union([Type.Array(AttachmentSchema, { maxItems: 10 }), Type.Null()])),
  },
  { additionalProperties: false },
);

const CounterpartyInputSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    managerId: Type.Optional(Type.Union([IdSchema, Type.Null()])),
    contacts: Type.Optional(Type.Array(ContactInputSchema, { maxItems: 200 })),
    overrides: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), OverrideInputSchema)),
  },
  { additionalProperties: false },
);
type CounterpartyInput = Static<typeof CounterpartyInputSchema>;

const ContactSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
  telegram: Type.Object({
    subscribed: Type.Boolean(),
    chatId: Type.Union([Type.String(), Type.Null()]),
    /** The deep link that subscribes this contact to the company's bot (R5). */
    link: Type.Union([Type.String(), Type.Null()]),
  }),
});

const OverrideSchema = Type.Object({
  send: Type.Boolean(),
  templates: Type.Record(Type.String(), OverrideTemplateSchema),
  attachments: Type.Union([Type.Array(AttachmentSchema), Type.Null()]),
});

const CounterpartySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  managerId: Type.Union([Type.String(), Type.Null()]),
  contacts: Type.Array(ContactSchema),
  overrides: Type.Record(Type.String(), OverrideSchema),
  createdAt: Type.String({ format: 'date-time' }),
});

/** Clients, their contacts (R11) and their per-event-type overrides (R12). */
export const counterpartiesRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/counterparties',
    {
      config: { role: 'journal:read' },
      schema: {
        tags: ['configuration'],
        summary: 'Clients of the company',
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          after: Type.Optional(IdSchema),
        }),
        response: { 200: Type.Object({ items: Type.Array(CounterpartySchema), next: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const companyId = request.auth.companyId;
      const { limit, after } = request.query;
      const rows = await db
        .select()
        .from(counterparties)
        .where(and(eq(counterparties.companyId, companyId), after ? sql`${counterparties.id} > ${after}` : undefined))
        .orderBy(asc(counterparties.id))
        .limit(limit + 1);
      const page = rows.slice(0, limit);
      const items = await Promise.all(page.map((row) => loadDto(db, companyId, row)));
      return { items, next: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null };
    },
  );

  app.get(
    '/counterparties/:id',
    {
      config: { role: 'journal:read' },
      schema: {
        tags: ['configuration'],
        summary: 'A client with contacts and overrides',
        params: Type.Object({ id: IdSchema }),
        response: { 200: CounterpartySchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const row = await findCounterparty(db, request.auth.companyId, request.params.id);
      if (!row) throw new NotFoundError(`counterparty ${request.params.id}`);
      return loadDto(db, request.auth.companyId, row);
    },
  );

  app.put(
    '/counterparties/:id',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['configuration'],
        summary: 'Create or change a client',
        description:
          'Fields left out keep their value. `contacts` replaces the list: contacts with an id are updated, ' +
          'without one created, and those not listed removed. A new client gets each event type\'s ' +
          '"send for new clients" default, unless `overrides` says otherwise.',
        params: Type.Object({ id: IdSchema }),
        body: CounterpartyInputSchema,
        response: { 200: CounterpartySchema, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request) => {
      const companyId = request.auth.companyId;
      const id = request.params.id;
      const body = request.body;
      const existing = await findCounterparty(db, companyId, id);
      if (!existing && body.name === undefined) {
        throw new BadRequestError('a new counterparty needs a name', [{ path: '/body/name', message: 'is required to create a counterparty' }]);
      }
      const before = existing ? await loadDto(db, companyId, existing) : null;
      const normalizedContacts = normalizeContacts(body.contacts);
      await validateReferences(db, companyId, body);

      await db.transaction(async (tx) => {
        const t = tx;
        if (existing) {
          const changes = {
            ...(body.name !== undefined ? { name: body.name } : {}),
            ...(body.managerId !== undefined ? { managerId: body.managerId } : {}),
          };
          if (Object.keys(changes).length > 0) {
            await t
              .update(counterparties)
              .set(changes)
              .where(and(eq(counterparties.companyId, companyId), eq(counterparties.id, id)));
          }
        } else {
          await t.insert(counterparties).values({ companyId, id, name: body.name!, managerId: body.managerId ?? null });
          await t.execute(sql`
            insert into ${counterpartyOverrides} (company_id, counterparty_id, event_type, send)
            select ${eventTypes.companyId}, ${id}, ${eventTypes.type}, ${eventTypes.defaultSendForNewClients}
            from ${eventTypes} where ${eventTypes.companyId} = ${companyId}
            on conflict do nothing`);
        }
        if (normalizedContacts) await replaceContacts(t, companyId, id, normalizedContacts);
        for (const [eventType, override] of Object.entries(body.overrides ?? {})) {
          const set = {
            ...(override.send !== undefined ? { send: override.send } : {}),
            ...(override.templates !== undefined ? { templates: override.templates } : {}),
            ...(override.attachments !== undefined ? { attachments: override.attachments } : {}),
          };
          await t
            .insert(counterpartyOverrides)
            .values({ companyId, counterpartyId: id, eventType, send: override.send ?? true, ...set })
            .onConflictDoUpdate({
              target: [counterpartyOverrides.companyId, counterpartyOverrides.counterpartyId, counterpartyOverrides.eventType],
              set: { ...set, updatedAt: sql`now()` },
            });
        }
      });

      const dto = await loadDto(db, companyId, (await findCounterparty(db, companyId, id))!);
      await createConfigChangeRepository(db).record({
        companyId,
        actor: actorOf(request),
        entity: 'counterparty',
        entityId: id,
        action: existing ? 'update' : 'create',
        before,
        after: dto,
      });
      return dto;
    },
  );
};

async function findCounterparty(db: Db, companyId: string, id: string): Promise<Counterparty | undefined> {
  const [row] = await db
    .select()
    .from(counterparties)
    .where(and(eq(counterparties.companyId, companyId), eq(counterparties.id, id)));
  return row;
}

type ContactInput = NonNullable<CounterpartyInput['contacts']>[number];

/** Phones are stored in E.164 so every channel and provider sees the same number. */
function normalizeContacts(input: CounterpartyInput['contacts']): ContactInput[] | undefined {
  if (!input) return undefined;
  const problems: ErrorDetail[] = [];
  const result = input.map((contact, i) => {
    if (!contact.phone) return contact;
    try {
      const parsed = parsePhoneNumberWithError(contact.phone);
      if (!contact.phone.trim().startsWith('+') || !parsed.isValid()) throw new Error('not a valid number');
      return { ...contact, phone: parsed.number };
    } catch {
      problems.push({ path: `/body/contacts/${i}/phone`, message: 'must be a valid phone number in E.164 form, e.g. +79161234567' });
      return contact;
    }
  });
  if (problems.length > 0) throw new BadRequestError('invalid phone number', problems);
  return result;
}

async function validateReferences(db: Db, companyId: string, body: CounterpartyInput): Promise<void> {
  const problems: ErrorDetail[] = [];
  if (body.managerId) {
    const [manager] = await db
      .select({ id: managers.id })
      .from(managers)
      .where(and(eq(managers.companyId, companyId), eq(managers.id, body.managerId)));
    if (!manager) problems.push({ path: '/body/managerId', message: `no manager "${body.managerId}" exists` });
  }
  const overrideTypes = Object.keys(body.overrides ?? {});
  if (overrideTypes.length > 0) {
    const known = await db
      .select()
      .from(eventTypes)
      .where(and(eq(eventTypes.companyId, companyId), inArray(eventTypes.type, overrideTypes)));
    for (const type of overrideTypes) {
      const eventType = known.find((k) => k.type === type);
      if (!eventType) {
        problems.push({ path: `/body/overrides/${type}`, message: `no event type "${type}" is configured` });
        continue;
      }
      const override = body.overrides![type]!;
      const sample = sampleFor(eventType.variables);
      const check = async (path: string, source: string | undefined, kind: TemplateKind) => {
        const problem = await templateProblem(path, source, kind, sample);
        if (problem) problems.push(problem);
      };
      for (const [channel, t] of Object.entries(override.templates ?? {})) {
        const base = `/body/overrides/${type}/templates/${channel}`;
        await check(`${base}/subject`, t.subject, 'text');
        await check(`${base}/html`, t.html, 'html');
        await check(`${base}/text`, t.text, 'text');
      }
      for (const [i, a] of (override.attachments ?? []).entries()) {
        await check(`/body/overrides/${type}/attachments/${i}/filename`, a.filename, 'text');
        await check(`/body/overrides/${type}/attachments/${i}/content`, a.content, 'text');
      }
    }
  }
  if (problems.length > 0) {
    // A template problem is a TEMPLATE_ERROR wherever the template sits; other problems are bad references.
    const code = problems.some((p) => p.path.includes('/templates/') || p.path.includes('/attachments/')) ? 'TEMPLATE_ERROR' : 'INVALID_REFERENCE';
    throw new UnprocessableError(code, problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
  }
}

async function replaceContacts(db: Db, companyId: string, counterpartyId: string, list: ContactInput[]): Promise<void> {
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
}

async function loadDto(db: Db, companyId: string, row: Counterparty) {
  const [people, overrides, [company]] = await Promise.all([
    db
      .select()
      .from(contacts)
      .where(and(eq(contacts.companyId, companyId), eq(contacts.counterpartyId, row.id)))
      .orderBy(asc(contacts.position), asc(contacts.id)),
    db
      .select()
      .from(counterpartyOverrides)
      .where(and(eq(counterpartyOverrides.companyId, companyId), eq(counterpartyOverrides.counterpartyId, row.id))),
    db.select({ telegram: companies.telegram }).from(companies).where(eq(companies.id, companyId)),
  ]);
  const bot = company?.telegram.botUsername;
  return {
    id: row.id,
    name: row.name,
    managerId: row.managerId,
    contacts: people.map((c: Contact) => ({
      id: c.id,
      name: c.name,
      email: c.email,
      phone: c.phone,
      telegram: {
        subscribed: c.telegramChatId !== null,
        chatId: c.telegramChatId,
        link: bot && c.telegramLinkToken ? `https://t.me/${bot}?start=${c.telegramLinkToken}` : null,
      },
    })),
    overrides: Object.fromEntries(
      overrides.map((o: CounterpartyOverride) => [o.eventType, { send: o.send, templates: o.templates, attachments: o.attachments }]),
    ),
    createdAt: row.createdAt.toISOString(),
  };
}
