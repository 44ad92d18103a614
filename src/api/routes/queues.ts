import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Db } from '../../db/client';
import { createQueueService, type QueueCaller } from '../../services/queues';
import { errorResponses } from '../schemas/common';
import {
  ConfirmationPageSchema,
  QueueCountsQuerySchema,
  QueueCountsSchema,
  QueueQuerySchema,
  TrackedPageSchema,
  toConfirmationDto,
  toTrackedDto,
} from '../schemas/queues';

/** A signed-in person's manager id gives "my clients"; an API key has none. */
const callerOf = (request: FastifyRequest): QueueCaller => ({
  companyId: request.auth.companyId,
  managerId: request.auth.kind === 'user' ? request.auth.managerId : null,
});

/** What waits for a person (R13, R14): the console's work queues and their counts. */
export const queuesRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const queues = createQueueService(db);

  app.get(
    '/queues/confirmations',
    {
      config: { role: 'journal:read' },
      schema: {
        tags: ['journal'],
        summary: 'Events awaiting confirmation, newest first',
        description:
          'Events whose `awaiting_confirmation` step has no later step yet (no decision, no expiry), with the texts ' +
          'that would go out on approval. `mine=true`: only the signed-in manager\'s clients.',
        querystring: QueueQuerySchema,
        response: { 200: ConfirmationPageSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit = 50, ...query } = request.query;
      const page = await queues.confirmations(callerOf(request), { ...query, limit });
      return { items: page.items.map(toConfirmationDto), next: page.next };
    },
  );

  app.get(
    '/queues/tracked',
    {
      config: { role: 'journal:read' },
      schema: {
        tags: ['journal'],
        summary: '"Not sent, tracked by manager" entries nobody has acted on, newest first',
        description:
          'Journal entries `not_sent_tracked` with no status change and no manual send that went out (a failed one leaves ' +
          'the entry waiting). `mine=true`: only the signed-in manager\'s clients.',
        querystring: QueueQuerySchema,
        response: { 200: TrackedPageSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit = 50, ...query } = request.query;
      const page = await queues.tracked(callerOf(request), { ...query, limit });
      return { items: page.items.map(toTrackedDto), next: page.next };
    },
  );

  app.get(
    '/queues/counts',
    {
      config: { role: 'journal:read' },
      schema: {
        tags: ['journal'],
        summary: 'How many items wait in each queue',
        description: 'The lengths of `GET /v1/queues/confirmations` and `GET /v1/queues/tracked`, in one cheap query.',
        querystring: QueueCountsQuerySchema,
        response: { 200: QueueCountsSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => queues.counts(callerOf(request), request.query),
  );
};
