import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { companies, type Company } from '../../db/schema';
import { NotFoundError } from '../errors';
import { errorResponses, StringEnum } from '../schemas';

const ModeSchema = StringEnum(['off', 'test', 'live'], {
  description: 'off: nothing is sent or queued; test: messages are rendered into the journal only; live: real sending.',
});

const SettingsSchema = Type.Object({
  companyId: Type.String(),
  name: Type.String(),
  mode: ModeSchema,
  email: Type.Object({ from: Type.String(), fromName: Type.String() }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const SettingsUpdateSchema = Type.Object(
  {
    mode: Type.Optional(ModeSchema),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    email: Type.Optional(
      Type.Object(
        {
          from: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
          fromName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** Company settings (R1 and the sender identity); the rest of settings comes with the providers. */
export const settingsRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const load = async (companyId: string): Promise<Company> => {
    const [company] = await db.select().from(companies).where(eq(companies.id, companyId));
    if (!company) throw new NotFoundError(`company ${companyId}`);
    return company;
  };

  app.get(
    '/settings',
    {
      config: { role: 'settings:admin' },
      schema: { tags: ['settings'], summary: "The company's settings", response: { 200: SettingsSchema, ...errorResponses(401, 403) } },
    },
    async (request) => toDto(await load(request.auth.companyId)),
  );

  app.put(
    '/settings',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['settings'],
        summary: "Change the company's settings",
        body: SettingsUpdateSchema,
        response: { 200: SettingsSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { mode, name, email } = request.body;
      await db
        .update(companies)
        .set({
          ...(mode ? { mode } : {}),
          ...(name ? { name } : {}),
          ...(email?.from ? { emailFrom: email.from } : {}),
          ...(email?.fromName ? { emailFromName: email.fromName } : {}),
          updatedAt: sql`now()`,
        })
        .where(eq(companies.id, request.auth.companyId));
      return toDto(await load(request.auth.companyId));
    },
  );
};

function toDto(company: Company) {
  return {
    companyId: company.id,
    name: company.name,
    mode: company.mode,
    email: { from: company.emailFrom, fromName: company.emailFromName },
    updatedAt: company.updatedAt.toISOString(),
  };
}
