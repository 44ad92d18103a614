import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, asc, eq } from 'drizzle-orm';
import { parsePhoneNumberWithError } from 'libphonenumber-js';
import type { Db } from '../../db/client';
import { createConfigChangeRepository } from '../../db/repositories/config-changes';
import { managers, type Manager } from '../../db/schema';
import { BadRequestError, NotFoundError } from '../errors';
import { EmailSchema, errorResponses, IdSchema } from '../schemas';
import { actorOf } from './actor';

const ManagerSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
  telegramChatId: Type.Union([Type.String(), Type.Null()]),
});

const ManagerInputSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.Optional(Type.Union([EmailSchema, Type.Null()])),
    phone: Type.Optional(Type.Union([Type.String({ minLength: 4, maxLength: 32 }), Type.Null()])),
    telegramChatId: Type.Optional(Type.Union([Type.String({ pattern: '^-?\\d{1,20}$' }), Type.Null()])),
  },
  { additionalProperties: false },
);

/** Responsible managers of clients (R11), who get manager notifications and act on tracked events (R14). */
export const managersRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/managers',
    {
      config: { role: 'journal:read' },
      schema: { tags: ['configuration'], summary: 'Managers of the company', response: { 200: Type.Object({ items: Type.Array(ManagerSchema) }), ...errorResponses(401, 403) } },
    },
    async (request) => ({
      items: (await db.select().from(managers).where(eq(managers.companyId, request.auth.companyId)).orderBy(asc(managers.id))).map(toDto),
    }),
  );

  app.get(
    '/managers/:id',
    {
      config: { role: 'journal:read' },
      schema: { tags: ['configuration'], summary: 'A manager', params: Type.Object({ id: IdSchema }), response: { 200: ManagerSchema, ...errorResponses(401, 403, 404) } },
    },
    async (request) => {
      const row = await find(db, request.auth.companyId, request.params.id);
      if (!row) throw new NotFoundError(`manager ${request.params.id}`);
      return toDto(row);
    },
  );

  app.put(
    '/managers/:id',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['configuration'],
        summary: 'Create or replace a manager',
        params: Type.Object({ id: IdSchema }),
        body: ManagerInputSchema,
        response: { 200: ManagerSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const companyId = request.auth.companyId;
      const id = request.params.id;
      const { name, email = null, telegramChatId = null } = request.body;
      let phone = request.body.phone ?? null;
      if (phone) {
        try {
          const parsed = parsePhoneNumberWithError(phone);
          if (!phone.startsWith('+') || !parsed.isValid()) throw new Error('invalid');
          phone = parsed.number;
        } catch {
          throw new BadRequestError('invalid phone number', [{ path: '/body/phone', message: 'must be a valid phone number in E.164 form, e.g. +79161234567' }]);
        }
      }
      const before = await find(db, companyId, id);
      const values = { name, email, phone, telegramChatId };
      await db
        .insert(managers)
        .values({ companyId, id, ...values })
        .onConflictDoUpdate({ target: [managers.companyId, managers.id], set: values });
      const after = (await find(db, companyId, id))!;
      await createConfigChangeRepository(db).record({
        companyId,
        actor: actorOf(request),
        entity: 'manager',
        entityId: id,
        action: before ? 'update' : 'create',
        before: before ? toDto(before) : null,
        after: toDto(after),
      });
      return toDto(after);
    },
  );
};

async function find(db: Db, companyId: string, id: string): Promise<Manager | undefined> {
  const [row] = await db.select().from(managers).where(and(eq(managers.companyId, companyId), eq(managers.id, id)));
  return row;
}

function toDto(m: Manager) {
  return { id: m.id, name: m.name, email: m.email, phone: m.phone, telegramChatId: m.telegramChatId };
}
