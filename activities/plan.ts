import { createPlanInputRepository } from '../src/db/repositories/plan-inputs';
import { buildPlan, type Plan } from '../src/domain/plan';
import type { ActivityDeps } from './deps';
import { notFound } from './failures';
import type { LoadPlanInput } from './types';

/** Reads what an event's plan needs and applies the domain's rules to it. */
export function createPlanActivities({ db }: Pick<ActivityDeps, 'db'>) {
  const inputs = createPlanInputRepository(db);
  return {
    async loadPlan(input: LoadPlanInput): Promise<Plan> {
      const rows = await inputs.load(input.companyId, input.eventType, input.counterpartyId);
      if (!rows) throw notFound(`company ${input.companyId}`);
      return buildPlan(input, rows);
    },
  };
}
