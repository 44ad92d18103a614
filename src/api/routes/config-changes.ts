import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client';
import { createConfigChangeRepository } from '../../db/repositories/config-changes';
import { errorResponses } from '../schemas/common';
import { ChangePageSchema, ChangeQuerySchema } from '../schemas/config-changes';

/** The history of configuration: who changed what and when, newest first. */
export const configChangesRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const changes = createConfigChangeRepository(db);

  app.get(
    '/config-changes',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['settings'],
        summary: 'Who changed which configuration, when',
        querystring: ChangeQuerySchema,
        response: { 200: ChangePageSchema, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const rows = await changes.list(request.auth.companyId, { ...request.query, limit });
      const page = rows.slice(0, limit);
      return {
        items: page.map((c) => ({ ...c, at: c.at.toISOString() })),
        next: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null,
      };
    },
  );
};
