import type { Client } from '@temporalio/client';
import { telegramPollWorkflowId } from '../domain/keys';
import { startWorkflow } from './client';

/**
 * Makes sure the company's bot is being long-polled when it should be. The
 * workflow ends by itself when the company has no token or uses a webhook,
 * so calling this too often costs one quick run.
 */
export async function ensureTelegramPolling(client: Client, taskQueue: string, companyId: string): Promise<void> {
  await startWorkflow(client, 'pollTelegram', {
    workflowId: telegramPollWorkflowId(companyId),
    taskQueue,
    args: [{ companyId }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}
