import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/client';
import { listMessages } from '../../services/messages';
import { errorResponses } from '../schemas/common';
import { MessagePageSchema, MessageQuerySchema, toMessageDto } from '../schemas/messages';

export interface MessagesRouteDeps {
  db: Db;
}

/** The journal people read (R15): one row per message, folded from the step log. */
export const messagesRoutes: FastifyPluginAsyncTypebox<MessagesRouteDeps> = async (app, { db }) => {
  app.get(
    '/messages',
    {
      config: { role: 'journal:read' },
      schema: {
        tags: ['journal'],
        summary: 'Messages, one per event and recipient, newest first',
        description:
          'Built from the journal: the final status with a Russian label, the channel that delivered or was last tried, ' +
          'attempts, provider, and the story of a fallback in one line ("Telegram: не подписан на бота → SMS: доставлено"). ' +
          '`channel` and `status` filter on the message as a whole; `from`/`to` on its first step.',
        querystring: MessageQuerySchema,
        response: { 200: MessagePageSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { from, to, cursor, limit = 50, ...fields } = request.query;
      const page = await listMessages(db, request.auth.companyId, {
        ...fields,
        limit,
        from: from ? new Date(from) : undefined,
        to: to ? new Date(to) : undefined,
        before: cursor,
      });
      return { items: page.items.map(toMessageDto), next: page.next };
    },
  );
};
