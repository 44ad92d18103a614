import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { configChanges } from '../../db/schema';
import { errorResponses, StringEnum } from '../schemas';

const ChangeSchema = Type.Object({
  id: Type.Integer(),
  actor: Type.String(),
  entity: Type.String(),
  entityId: Type.String(),
  action: Type.String(),
  before: Type.Unknown(),
  after: Type.Unknown(),
  at: Type.String({ format: 'date-time' }),
});

/** The history of configuration: who changed what and when, newest first. */
export const configChangesRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get(
    '/config-changes',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['settings'],
        summary: 'Who changed which configuration, when',
        querystring: Type.Object({
          entity: Type.Optional(StringEnum(['settings', 'event_type', 'template', 'counterparty', 'manager', 'api_key', 'provider', 'schedule'])),
          entityId: Type.Optional(Type.String({ maxLength: 200 })),
          before: Type.Optional(Type.Integer({ minimum: 1, description: 'Cursor: the id of the last change of the previous page.' })),
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
        }),
        response: { 200: Type.Object({ items: Type.Array(ChangeSchema), next: Type.Union([Type.Integer(), Type.Null()]) }), ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const { entity, entityId, before, limit } = request.query;
      const rows = await db
        .select()
        .from(configChanges)
        .where(
          and(
            eq(configChanges.companyId, request.auth.companyId),
            entity ? eq(configChanges.entity, entity) : undefined,
            entityId ? eq(configChanges.entityId, entityId) : undefined,
            before ? lt(configChanges.id, before) : undefined,
          ),
        )
        .orderBy(desc(configChanges.id))
        .limit(limit + 1);
      const page = rows.slice(0, limit);
      return {
        items: page.map((c) => ({ ...c, at: c.at.toISOString() })),
        next: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null,
      };
    },
  );
};
