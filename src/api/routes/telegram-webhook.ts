import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Db } from '../../db/client';
import type { TelegramUpdateInput } from '../../../workflows/contract';
import { telegramUpdateWorkflowId } from '../../domain/keys';
import { createTelegramWebhookService } from '../../services/telegram-webhook';
import { startWorkflow } from '../../temporal/client';
import { withinDeadline } from '../../temporal/deadline';
import { ServiceUnavailableError } from '../../domain/errors';
import { errorResponses } from '../schemas/common';

/**
 * `POST /v1/telegram/webhook/:secret`: the Bot API's updates (R5). Not behind
 * API keys: Telegram authenticates with the secret in the path and the same
 * secret in `X-Telegram-Bot-Api-Secret-Token`. Each update becomes a workflow
 * whose id carries the update id, so a redelivered update is applied once.
 */
export const telegramWebhookRoutes: FastifyPluginAsyncTypebox<{ db: Db; temporal: Client; taskQueue: string }> = async (
  app,
  { db, temporal, taskQueue },
) => {
  const webhook = createTelegramWebhookService(db);

  app.post(
    '/telegram/webhook/:secret',
    {
      schema: {
        tags: ['telegram'],
        summary: "Telegram's updates for a company's bot",
        security: [],
        params: Type.Object({ secret: Type.String({ minLength: 16, maxLength: 256 }) }),
        body: Type.Object({ update_id: Type.Integer() }, { additionalProperties: true }),
        response: { 200: Type.Object({ ok: Type.Boolean() }), ...errorResponses(400, 401, 503) },
      },
    },
    async (request) => {
      const { companyId, update } = await webhook.accept(request.params.secret, request.headers['x-telegram-bot-api-secret-token'], request.body);
      const input: TelegramUpdateInput = { companyId, update };
      try {
        await withinDeadline(temporal, () =>
          startWorkflow(temporal, 'telegramUpdate', {
            workflowId: telegramUpdateWorkflowId(companyId, update.update_id),
            taskQueue,
            args: [input],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            workflowIdConflictPolicy: 'FAIL',
          }),
        );
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
          // Telegram redelivers on a non-2xx answer, so the update is not lost.
          throw new ServiceUnavailableError('the workflow engine is unavailable');
        }
      }
      return { ok: true };
    },
  );
};
