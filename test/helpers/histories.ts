import fs from 'node:fs/promises';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { repoRoot } from '../../src/paths';
import type { Harness } from './harness';

export const HISTORIES_DIR = path.join(repoRoot, 'test', 'replay-histories');

/**
 * With RECORD_HISTORIES=1, keeps the history of a finished run under
 * test/replay-histories/ (binary protobuf), where the replay test finds it. Recorded histories
 * are committed: they are what a change to the workflow must stay compatible with.
 */
export async function saveHistory(h: Harness, workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await h.temporal.workflow.getHandle(workflowId).fetchHistory();
  await fs.mkdir(HISTORIES_DIR, { recursive: true });
  // Binary protobuf: the exact bytes Temporal serves, read back with History.decode.
  await fs.writeFile(path.join(HISTORIES_DIR, `${name}.pb`), temporal.api.history.v1.History.encode(history).finish());
}

/** The local activities a run recorded, by type, in order: each leaves a marker whose data names it. */
export function localActivitiesOf(history: temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    const data = marker?.markerName === 'core_local_activity' ? marker.details?.['data']?.payloads?.[0]?.data : undefined;
    return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type: string }).activity_type] : [];
  });
}
