import { createPlanInputRepository } from '../src/db/repositories/plan-inputs';
import { DEFAULT_LIMITS, tooManyRecipientsReason } from '../src/domain/limits';
import { buildPlan, type Plan } from '../src/domain/plan';
import type { ActivityDeps } from './deps';
import { notFound } from './failures';
import type { LoadPlanInput } from './types';

/** Reads what an event's plan needs and applies the domain's rules to it. */
export function createPlanActivities({ db, limits = DEFAULT_LIMITS, publicUrl }: Pick<ActivityDeps, 'db' | 'limits' | 'publicUrl'>) {
  const inputs = createPlanInputRepository(db);
  return {
    async loadPlan(input: LoadPlanInput): Promise<Plan> {
      const rows = await inputs.load(input.companyId, input.eventType, input.counterpartyId);
      if (!rows) throw notFound(`company ${input.companyId}`);
      const plan: Plan = { ...buildPlan(input, rows), ...(publicUrl ? { consoleUrl: publicUrl } : {}) };
      // Past the limit nobody is told: sending to the first N would be an arbitrary cut, and the journal says why.
      const tooMany = tooManyRecipientsReason(plan.deliveries.length, limits.recipientsPerEvent);
      return tooMany ? { ...plan, skipReason: tooMany, deliveries: [] } : plan;
    },
  };
}
