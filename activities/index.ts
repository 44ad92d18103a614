import { createMetrics } from '../src/metrics';
import type { ActivityDeps } from './deps';
import { createEmailOutboxActivities } from './email-outbox';
import { createJournalActivities } from './journal';
import { createJournalRetentionActivities } from './journal-retention';
import { createManualSendActivities } from './manual-send';
import { createPlanActivities } from './plan';
import { createRenderActivities } from './render';
import { createSendActivities } from './send';
import { createSmsBalanceActivities } from './sms-balance';
import { createTelegramActivities } from './telegram';

export type { ActivityDeps } from './deps';

/**
 * Every side effect the workflows ask for, one factory per concern. Workflows
 * import only the type of this factory's result, never its values.
 */
export function createActivities(given: ActivityDeps) {
  const deps = { ...given, metrics: given.metrics ?? createMetrics({ processMetrics: false }) };
  return {
    ...createJournalActivities(deps),
    ...createPlanActivities(deps),
    ...createRenderActivities(),
    ...createSendActivities(deps),
    ...createTelegramActivities(deps),
    ...createManualSendActivities(deps),
    ...createEmailOutboxActivities(deps),
    ...createSmsBalanceActivities(deps),
    ...createJournalRetentionActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
