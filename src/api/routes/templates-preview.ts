import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client';
import { createEventTypeService } from '../../services/event-types';
import { errorResponses } from '../schemas/common';
import { PreviewInputSchema, PreviewSchema } from '../schemas/templates';

/** `POST /v1/templates/preview`: renders a template with sample data; for SMS also the segment counter (R9, R10). */
export const templatePreviewRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const eventTypes = createEventTypeService(db);

  app.post(
    '/templates/preview',
    {
      config: { role: 'templates:read' },
      schema: {
        tags: ['configuration'],
        summary: 'Render a template with sample data',
        body: PreviewInputSchema,
        response: { 200: PreviewSchema, ...errorResponses(400, 401, 403, 404, 422, 429, 503) },
      },
    },
    async (request) => eventTypes.preview(request.auth.companyId, request.body),
  );
};
