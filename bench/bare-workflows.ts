/**
 * The bare baseline the benchmark measures the service against: the least a
 * Temporal application can do for the same result on the same server.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { BareActivities } from './bare-activities';

const { sendBareEmails, sendBareSms } = proxyActivities<BareActivities>({ startToCloseTimeout: '30 seconds' });

/** Ingest baseline: a workflow that does nothing. */
export async function bareNoop(): Promise<void> {}

/** Delivery baseline: one workflow, one activity sending the event's e-mails over a pooled transport. */
export async function bareDeliver(input: { messageIds: string[] }): Promise<void> {
  await sendBareEmails(input);
}

/** SMS delivery baseline: one workflow, one activity submitting the event's SMS over a bound SMPP session. */
export async function bareDeliverSms(input: { phones: string[]; text: string }): Promise<void> {
  await sendBareSms(input);
}
