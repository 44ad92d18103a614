import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

/** The workflow run an activity works for; these activities only run inside workflows. */
export function currentExecution(): { workflowId: string; runId: string } {
  const execution = Context.current().info.workflowExecution;
  if (!execution) throw ApplicationFailure.nonRetryable('activity must run inside a workflow', 'NoWorkflow');
  return execution;
}

/**
 * The activity's logger (its meta carries the namespace, task queue, workflow
 * id, run id and activity) with the event's company and id added. Never log
 * addresses, phone numbers or message texts through it.
 */
export function eventLog(scope: { companyId: string; eventId: string; eventType?: string }, extra: Record<string, unknown> = {}) {
  const log = Context.current().log;
  const fields = { companyId: scope.companyId, eventId: scope.eventId, ...(scope.eventType ? { eventType: scope.eventType } : {}), ...extra };
  return {
    info: (message: string, meta: Record<string, unknown> = {}) => log.info(message, { ...fields, ...meta }),
    warn: (message: string, meta: Record<string, unknown> = {}) => log.warn(message, { ...fields, ...meta }),
  };
}

/**
 * Runs `work` while heartbeating every 2 s, so a dead worker is noticed by its
 * heartbeat timeout instead of at the end of the activity's whole budget. A
 * local activity has no heartbeat (the SDK's core warns of each one as an
 * unknown activity): the workflow task's timeout watches it instead.
 */
export async function withHeartbeat<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  if (context.info.isLocal) return work();
  const timer = setInterval(() => context.heartbeat(), 2_000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
