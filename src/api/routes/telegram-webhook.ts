import { createHash, timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { companies } from '../../db/schema';
import { pickTelegramUpdate } from '../../channels/telegram';
import type { TelegramUpdateInput } from '../../../workflows/contract';
import { telegramUpdateWorkflowId } from '../../domain/keys';
import { startWorkflow } from '../../temporal/client';
import { BadRequestError, ServiceUnavailableError, UnauthorizedError } from '../../domain/errors';
import { errorResponses } from '../schemas/common';

/** The secret in the webhook path is stored only as this hash. */
export function hashWebhookSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

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
      const { secret } = request.params;
      const header = request.headers['x-telegram-bot-api-secret-token'];
      const [company] = await db
        .select({ id: companies.id })
        .from(companies)
        .where(sql`${companies.telegram}->>'webhookSecretHash' = ${hashWebhookSecret(secret)}`)
        .limit(1);
      if (!company || typeof header !== 'string' || !sameSecret(header, secret)) {
        throw new UnauthorizedError('unknown webhook secret');
      }
      const update = pickTelegramUpdate(request.body);
      if (!update) throw new BadRequestError('not a Telegram update', [{ path: '/body', message: 'must be a Telegram Update' }]);
      const input: TelegramUpdateInput = { companyId: company.id, update };
      try {
        await startWorkflow(temporal, 'telegramUpdate', {
          workflowId: telegramUpdateWorkflowId(company.id, update.update_id),
          taskQueue,
          args: [input],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          workflowIdConflictPolicy: 'FAIL',
        });
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

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
