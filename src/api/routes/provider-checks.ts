import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Client } from '@temporalio/client';
import type { TestMessageInput, TestMessageResult, WorkflowContract } from '../../../workflows/contract';
import { smsBalanceQueryWorkflowId, testMessageWorkflowId } from '../../domain/keys';
import { startWorkflow } from '../../temporal/client';
import { withinDeadline } from '../../temporal/deadline';
import { BadRequestError, ServiceUnavailableError } from '../../domain/errors';
import { errorResponses } from '../schemas/common';
import { actorOf } from '../plugins/auth';
import { pluralRu, smsCount } from '../../domain/sms';
import { SmsBalanceSchema, TestMessageInputSchema, TestMessageResultSchema, testRecipientProblem } from '../schemas/provider-checks';

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
      const problem = testRecipientProblem(channel, to);
      if (problem) throw new BadRequestError(`invalid body: /body/to ${problem}`, [{ path: '/body/to', message: problem }]);
      const input: TestMessageInput = { companyId: request.auth.companyId, channel, to, text: request.body.text ?? TEST_TEXT, by: actorOf(request) };
      const result = await run(temporal, 'testMessage', {
        workflowId: testMessageWorkflowId(input.companyId, randomUUID()),
        taskQueue,
        args: [input],
        workflowExecutionTimeout: '60 seconds',
      });
      return { ...result, channel, note: testMessageNote(result) };
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
      run(temporal, 'smsBalance', {
        workflowId: smsBalanceQueryWorkflowId(request.auth.companyId, randomUUID()),
        taskQueue,
        args: [{ companyId: request.auth.companyId }],
        workflowExecutionTimeout: '60 seconds',
      }),
  );
};

/** What a person reads under the answer, in Russian: what it cost and where it is journaled. */
function testMessageNote(result: TestMessageResult): string {
  const journaled = 'Записано в журнал уведомлений (тип «test.message»).';
  if (!result.ok) return `Тестовое сообщение не отправлено. ${journaled}`;
  if (!result.sms) return `Тестовое сообщение отправлено. ${journaled}`;
  const { encoding, segments, length } = result.sms;
  const parts = `${segments} ${pluralRu(segments, 'сегмент', 'сегмента', 'сегментов')}`;
  return `Тестовое SMS отправлено: ${length} ${pluralRu(length, 'символ', 'символа', 'символов')}, кодировка ${encoding}, ${parts} — с баланса спишется ${smsCount(segments)}. ${journaled}`;
}

/** Starts a check's workflow (bounded: Temporal must answer at once) and waits for its result (up to its own timeout). */
async function run<K extends 'testMessage' | 'smsBalance'>(
  temporal: Client,
  name: K,
  options: Parameters<typeof startWorkflow<K>>[2],
): Promise<Awaited<ReturnType<WorkflowContract[K]>>> {
  let handle;
  try {
    handle = await withinDeadline(temporal, () => startWorkflow(temporal, name, options));
  } catch {
    throw new ServiceUnavailableError('the workflow engine is unavailable');
  }
  try {
    return (await handle.result()) as Awaited<ReturnType<WorkflowContract[K]>>;
  } catch {
    throw new ServiceUnavailableError('no worker answered; is the worker running?');
  }
}
