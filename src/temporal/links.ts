/**
 * Links into the Temporal UI (R19), for operators following an event or a
 * schedule from the API's answers. Null when no UI address is configured.
 */

export interface TemporalUi {
  /** The UI's base address, e.g. `http://localhost:8233`; undefined: no links. */
  temporalUiUrl: string | undefined;
  namespace: string;
}

function base(ui: TemporalUi): string | null {
  if (!ui.temporalUiUrl) return null;
  return `${ui.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(ui.namespace)}`;
}

/** The history page of one workflow run. */
export function runLink(ui: TemporalUi, workflowId: string, runId: string): string | null {
  const at = base(ui);
  return at && `${at}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
}

/** The page of one schedule. */
export function scheduleLink(ui: TemporalUi, scheduleId: string): string | null {
  const at = base(ui);
  return at && `${at}/schedules/${encodeURIComponent(scheduleId)}`;
}
