import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client';
import { createManagerService } from '../../services/managers';
import { actorOf } from '../plugins/auth';
import { errorResponses } from '../schemas/common';
import { ManagerInputSchema, ManagerListSchema, ManagerParamsSchema, ManagerSchema } from '../schemas/managers';

/** Responsible managers of clients (R11), who get manager notifications and act on tracked events (R14). */
export const managersRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const managers = createManagerService(db);

  app.get(
    '/managers',
    {
      config: { role: 'journal:read' },
      schema: { tags: ['configuration'], summary: 'Managers of the company', response: { 200: ManagerListSchema, ...errorResponses(401, 403) } },
    },
    async (request) => ({ items: await managers.list(request.auth.companyId) }),
  );

  app.get(
    '/managers/:id',
    {
      config: { role: 'journal:read' },
      schema: { tags: ['configuration'], summary: 'A manager', params: ManagerParamsSchema, response: { 200: ManagerSchema, ...errorResponses(401, 403, 404) } },
    },
    async (request) => managers.get(request.auth.companyId, request.params.id),
  );

  app.put(
    '/managers/:id',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['configuration'],
        summary: 'Create or replace a manager',
        params: ManagerParamsSchema,
        body: ManagerInputSchema,
        response: { 200: ManagerSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => managers.save(request.auth.companyId, request.params.id, request.body, actorOf(request)),
  );
};
