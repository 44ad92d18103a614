/**
 * The choices `notifyEvent` makes for one recipient, as pure functions: which
 * routes can be tried, where a failed route falls back to (R6), what an
 * opted-out client means (R12, R14), when e-mail waits in the outbox (R16),
 * and what the event's outcome is. The workflow only sequences them with
 * activities, so these rules are unit-tested without Temporal.
 */
import type { PlannedDelivery, Route } from './plan';
import { CHANNEL_LABELS, reasonText } from './reasons';
import type { Channel, DeliveryStatus, EmailDelivery } from './vocabulary';

/** A route with an address and a template for its channel: it can be tried. */
export type UsableRoute = Route & { address: string };

export function isUsable(d: Pick<PlannedDelivery, 'templates'>, route: Route): route is UsableRoute {
  return route.address !== null && d.templates[route.channel] !== undefined;
}

export function usableRoutes(d: Pick<PlannedDelivery, 'routes' | 'templates'>): UsableRoute[] {
  return d.routes.filter((r): r is UsableRoute => isUsable(d, r));
}

/** Where the route at `index` falls back to: the next route that can be tried, if any. */
export function nextUsableRoute(d: Pick<PlannedDelivery, 'routes' | 'templates'>, index: number): UsableRoute | undefined {
  return d.routes.slice(index + 1).find((r): r is UsableRoute => isUsable(d, r));
}

/** Why a route cannot be tried (it has no address, or its channel no template). */
export function unusableRouteReason(route: Route): string {
  if (route.address !== null) return `${reasonText('no_template')} для ${CHANNEL_LABELS[route.channel]}`;
  return route.channel === 'telegram' ? reasonText('not_subscribed') : `${reasonText('no_address')} для ${CHANNEL_LABELS[route.channel]}`;
}

/** Why nothing can be tried for a recipient. */
export function noUsableRouteReason(d: Pick<PlannedDelivery, 'routes'>): string {
  return d.routes.every((r) => r.address === null) ? reasonText('no_address') : `${reasonText('no_template')} ни для одного канала, где есть адрес`;
}

export const OPTED_OUT_REASON = reasonText('opted_out');
export const TRACKED_REASON = reasonText('tracked_by_manager');

/**
 * A client who turned the notification off (R12) gets nothing. When the event
 * type is tracked by the manager (R14) the message is still rendered for the
 * first route that could have carried it and journaled as "not sent, tracked"
 * so the manager can act; without such a route it is simply skipped.
 */
export function optedOutDecision(
  d: Pick<PlannedDelivery, 'routes' | 'templates'>,
  trackedByManager: boolean,
): { action: 'skip'; reason: string } | { action: 'track'; route: UsableRoute } {
  const first = usableRoutes(d)[0];
  if (!trackedByManager || !first) return { action: 'skip', reason: OPTED_OUT_REASON };
  return { action: 'track', route: first };
}

/** R16: batched e-mail waits in the exchange journal for the scheduled dispatch. */
export function waitsForDispatch(channel: Channel, emailDelivery: EmailDelivery): boolean {
  return channel === 'email' && emailDelivery === 'batched';
}

/**
 * An e-mail server that stays down past the retries is an outage, not a
 * verdict: with no other channel left, the e-mail is queued for the scheduled
 * dispatch instead of failing.
 */
export function queuesAfterFailure(channel: Channel, permanent: boolean, next: UsableRoute | undefined): boolean {
  return channel === 'email' && !permanent && next === undefined;
}

export const NO_CHANNEL_REASON = reasonText('no_channel');

/**
 * The event's outcome from its recipients' outcomes: recipients skipped or
 * tracked by the manager do not count; sent, test and queued are successes.
 * `unknown` (the provider was called; whether it took the message is not
 * known) is neither: an event with one is `partial` at best, so people look at
 * it, and never `failed` either, since the message may well have gone.
 */
export function eventOutcome(deliveries: readonly { status: DeliveryStatus }[]): 'completed' | 'partial' | 'failed' {
  const attempted = deliveries.filter((d) => d.status !== 'skipped' && d.status !== 'not_sent_tracked');
  const ok = attempted.filter((d) => d.status === 'sent' || d.status === 'test' || d.status === 'queued').length;
  const unknown = attempted.filter((d) => d.status === 'unknown').length;
  if (ok === attempted.length) return 'completed';
  return ok === 0 && unknown === 0 ? 'failed' : 'partial';
}
