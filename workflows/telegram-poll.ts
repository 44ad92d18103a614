import { ParentClosePolicy, continueAsNew, proxyActivities, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { telegramUpdateWorkflowId } from '../src/domain/keys';
import type { PollTelegramInput, TelegramUpdateInput } from './contract';
import { telegramUpdate } from './telegram-update';

const { pollTelegramUpdates } = proxyActivities<Activities>({
  // A long poll holds the call open for up to 25 s by design.
  startToCloseTimeout: '60 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Polls per run before continuing as new, to keep the history short. */
const POLLS_PER_RUN = 200;

/**
 * Long polling of a company's bot where no public webhook URL exists (R5).
 * One per company (the workflow id says so), wherever the workers run. Each
 * update is handled by the same `telegramUpdate` workflow the webhook starts,
 * under the same id, so an update is applied once either way. Ends when the
 * company has no bot token any more or switches to a webhook.
 */
export async function pollTelegram(input: PollTelegramInput): Promise<void> {
  let offset = input.offset ?? 0;
  for (let i = 0; i < POLLS_PER_RUN; i++) {
    const polled = await pollTelegramUpdates({ companyId: input.companyId, offset });
    if (polled.stop) return;
    for (const update of polled.updates) {
      const child: TelegramUpdateInput = { companyId: input.companyId, update };
      try {
        await startChild(telegramUpdate, {
          workflowId: telegramUpdateWorkflowId(input.companyId, update.update_id),
          args: [child],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        });
      } catch {
        // Already handled (e.g. it came by webhook before): nothing to do.
      }
      offset = Math.max(offset, update.update_id + 1);
    }
  }
  await continueAsNew<typeof pollTelegram>({ companyId: input.companyId, offset });
}
