import { useQuery } from '@tanstack/react-query';
import { api, ok } from './api/client';
import type { components, paths } from './api/schema';

type JournalEntry = paths['/v1/journal']['get']['responses'][200]['content']['application/json']['items'][number];
export type Message = paths['/v1/messages']['get']['responses'][200]['content']['application/json']['items'][number];
export type { JournalEntry };
// Keeps `components` referenced for editors that jump to the shared error schema.
export type ErrorBody = components['schemas'] extends Record<string, infer T> ? T : never;

/** How often the console looks again while work waits or events run. */
export const POLL_MS = 3000;
const QUEUE_LIMIT = 500;

const journal = (status: NonNullable<paths['/v1/journal']['get']['parameters']['query']>['status']) =>
  ok(api.GET('/v1/journal', { params: { query: { status, limit: QUEUE_LIMIT } } })).then((page) => page.items);

/** Events awaiting a person's decision: an `awaiting_confirmation` step and no decision or expiry after it. */
async function awaitingConfirmation(): Promise<JournalEntry[]> {
  const [awaiting, approved, rejected, expired] = await Promise.all([
    journal('awaiting_confirmation'),
    journal('approved'),
    journal('rejected'),
    journal('expired'),
  ]);
  const decided = new Set([...approved, ...rejected, ...expired].map((e) => e.eventId));
  const seen = new Set<string>();
  return awaiting.filter((e) => !decided.has(e.eventId) && !seen.has(e.eventId) && seen.add(e.eventId));
}

/**
 * "Not sent, tracked by manager" entries nobody has acted on yet. A status change moves the
 * entry itself off `not_sent_tracked`; a manual send journals new steps (`details.manualOf`)
 * in the event's journal and leaves the entry as it was.
 */
async function trackedOpen(): Promise<JournalEntry[]> {
  const entries = await journal('not_sent_tracked');
  const eventIds = [...new Set(entries.map((e) => e.eventId))];
  const handled = new Set<number>();
  await Promise.all(
    eventIds.map(async (eventId) => {
      const page = await ok(api.GET('/v1/journal', { params: { query: { eventId, limit: QUEUE_LIMIT } } }));
      for (const e of page.items) {
        // A manual send that went out (or was recorded in test mode) settles the entry; a failed one leaves it waiting.
        const of = e.details?.manualOf;
        if (typeof of === 'number' && ['sent', 'test', 'delivered', 'undelivered'].includes(e.status)) handled.add(of);
      }
    }),
  );
  return entries.filter((e) => !handled.has(e.id));
}

export function useConfirmations(enabled = true) {
  return useQuery({ queryKey: ['queue', 'confirmations'], queryFn: awaitingConfirmation, refetchInterval: POLL_MS, enabled });
}

export function useTracked(enabled = true) {
  return useQuery({ queryKey: ['queue', 'tracked'], queryFn: trackedOpen, refetchInterval: POLL_MS, enabled });
}

/** Every client with its responsible manager, for names and the "my clients" filter. */
export function useCounterparties() {
  return useQuery({
    queryKey: ['counterparties'],
    queryFn: () => ok(api.GET('/v1/counterparties', { params: { query: { limit: 500 } } })).then((p) => p.items),
    staleTime: 30_000,
  });
}

export function useEventTypes() {
  return useQuery({ queryKey: ['event-types'], queryFn: () => ok(api.GET('/v1/event-types')).then((p) => p.items), staleTime: 30_000 });
}

export function useManagers() {
  return useQuery({ queryKey: ['managers'], queryFn: () => ok(api.GET('/v1/managers')).then((p) => p.items), staleTime: 30_000 });
}
