import { EVENT_STEPS } from '../src/domain/keys';
import type { Plan } from '../src/domain/plan';
import { startSteps } from '../src/domain/event-steps';
import type { ActivityDeps } from './deps';
import { createJournalActivities } from './journal';
import { createPlanActivities } from './plan';
import type { BeginEventInput } from './types';

/**
 * The opening of an event's run in one call, meant to run as a local
 * activity: the plan read, and `received` with `skipped` or
 * `recipients_resolved` journaled in one statement, which also records the
 * run as the event's.
 */
export function createEventStepActivities(deps: Pick<ActivityDeps, 'db' | 'limits' | 'metrics' | 'publicUrl'>) {
  const { loadPlan } = createPlanActivities(deps);
  const { recordSteps } = createJournalActivities(deps);
  return {
    async beginEvent(input: BeginEventInput): Promise<Plan> {
      // The first rows also record this run as the event's (`events.run_id`): the API answers with the run id it got
      // from the start and leaves the row to this statement, one statement less per event.
      const opens = { companyId: input.scope.companyId, eventId: input.scope.eventId };
      let plan: Plan;
      try {
        plan = await loadPlan({ companyId: input.scope.companyId, eventType: input.scope.eventType, counterpartyId: input.scope.counterpartyId, data: input.data });
      } catch (err) {
        // The event was received even when its plan cannot be read: the journal says so before the run fails.
        await recordSteps([{ scope: input.scope, step: EVENT_STEPS.received, status: 'received', details: { data: input.data } }], opens);
        throw err;
      }
      await recordSteps(
        startSteps(input.data, plan).map((step) => ({ scope: input.scope, ...step })),
        opens,
      );
      return plan;
    },
  };
}
