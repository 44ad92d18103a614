/**
 * The journal steps that open an event's run (R15), as one list: the event
 * received, and then either why nothing is sent or whom it goes to. Written
 * in one statement by the activity that loads the plan; the same rows the
 * workflow wrote one activity at a time before.
 */
import { EVENT_STEPS } from './keys';
import type { Plan } from './plan';
import { reasonText } from './reasons';
import type { JournalStatus } from './vocabulary';

export const MODE_OFF_REASON = reasonText('sending_off');

export interface EventStep {
  step: string;
  status: JournalStatus;
  reason?: string;
  details?: Record<string, unknown>;
}

/** Whom the plan tells, as the `recipients_resolved` entry shows it. */
export function recipientsDetails(plan: Plan): Record<string, unknown> {
  return {
    mode: plan.mode,
    recipients: plan.deliveries.map((d) => ({
      key: d.key,
      audience: d.audience,
      name: d.recipientName,
      routes: d.routes,
      ...(d.optedOut ? { optedOut: true } : {}),
    })),
  };
}

/** `received`, then `skipped` (mode off, or the plan's reason) or `recipients_resolved`. */
export function startSteps(data: Record<string, unknown>, plan: Plan): EventStep[] {
  const received: EventStep = { step: EVENT_STEPS.received, status: 'received', details: { data } };
  if (plan.mode === 'off') return [received, { step: EVENT_STEPS.skipped, status: 'skipped', reason: MODE_OFF_REASON }];
  if (plan.skipReason !== undefined) return [received, { step: EVENT_STEPS.skipped, status: 'skipped', reason: plan.skipReason }];
  return [received, { step: EVENT_STEPS.recipients, status: 'recipients_resolved', details: recipientsDetails(plan) }];
}
