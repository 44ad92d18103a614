/**
 * Starting workflows by name, type-checked: the name picks the signature out
 * of `WorkflowContract`, so the compiler checks every start's arguments and
 * result against the workflow it names, without importing workflow code.
 */
import type { Client, WorkflowHandleWithFirstExecutionRunId, WorkflowStartOptions } from '@temporalio/client';
import type { WorkflowContract, WorkflowName } from '../../workflows/contract';

export type { WorkflowName };

export function startWorkflow<K extends WorkflowName>(
  client: Client,
  name: K,
  options: WorkflowStartOptions<WorkflowContract[K]>,
): Promise<WorkflowHandleWithFirstExecutionRunId<WorkflowContract[K]>> {
  return client.workflow.start<WorkflowContract[K]>(name, options);
}

/** Starts a workflow and waits for its result. */
export function executeWorkflow<K extends WorkflowName>(
  client: Client,
  name: K,
  options: WorkflowStartOptions<WorkflowContract[K]>,
): Promise<Awaited<ReturnType<WorkflowContract[K]>>> {
  return client.workflow.execute<WorkflowContract[K]>(name, options) as Promise<Awaited<ReturnType<WorkflowContract[K]>>>;
}
