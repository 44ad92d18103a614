import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Client } from '@temporalio/client';
import type { TestMessageInput } from '../../../workflows/contract';
import { smsBalanceQueryWorkflowId, testMessageWorkflowId } from '../../domain/keys';
import { executeWorkflow } from '../../temporal/client';
import { ServiceUnavailableError } from '../../domain/errors';
import { errorResponses } from '../schemas/common';
import { SmsBalanceSchema, TestMessageInputSchema, TestMessageResultSchema } from '../schemas/provider-checks';

const TEST_TEXT = 'Тестовое сообщение сервиса уведомлений';

/**
 * The test message (R3) and the SMS balance (R4). Both run as short
 * workflows, so only workers hold provider connections and the API stays stateless.
 */
export const providerChecksRoutes: FastifyPluginAsyncTypebox<{ temporal: Client; taskQueue: string }> = async (app, { temporal, taskQueue }) => {
  app.post(
    '/messaging/test',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['settings'],
        summary: 'Send one test message now and return the provider answer',
        body: TestMessageInputSchema,
        response: {
          200: TestMessageResultSchema,
          ...errorResponses(400, 401, 403, 503),
        },
      },
    },
    async (request) => {
      const { channel, to } = request.body;
      const input: TestMessageInput = { companyId: request.auth.companyId, channel, to, text: request.body.text ?? TEST_TEXT };
      const result = await run(() =>
        executeWorkflow(temporal, 'testMessage', { workflowId: testMessageWorkflowId(input.companyId, randomUUID()), taskQueue, args: [input], workflowExecutionTimeout: '60 seconds' }),
      );
      return {
        ...result,
        channel,
        ...(channel === 'sms' && result.ok ? { note: 'A test SMS uses one message of the balance.' } : {}),
      };
    },
  );

  app.get(
    '/messaging/sms/balance',
    {
      config: { role: 'settings:admin' },
      schema: {
        tags: ['settings'],
        summary: 'The SMS balance, asked from the provider now',
        response: {
          200: SmsBalanceSchema,
          ...errorResponses(401, 403, 503),
        },
      },
    },
    async (request) =>
      run(() =>
        executeWorkflow(temporal, 'smsBalance', {
          workflowId: smsBalanceQueryWorkflowId(request.auth.companyId, randomUUID()),
          taskQueue,
          args: [{ companyId: request.auth.companyId }],
          workflowExecutionTimeout: '60 seconds',
        }),
      ),
  );
};

async function run<T>(execute: () => Promise<T>): Promise<T> {
  try {
    return await execute();
  } catch {
    throw new ServiceUnavailableError('no worker answered; is the worker running?');
  }
}
