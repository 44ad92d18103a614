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

/** "Not sent, tracked by manager" entries nobody has acted on yet: their message still has that status. */
async function trackedOpen(): Promise<JournalEntry[]> {
  const [entries, open] = await Promise.all([
    journal('not_sent_tracked'),
    ok(api.GET('/v1/messages', { params: { query: { status: 'not_sent_tracked', limit: QUEUE_LIMIT } } })).then((p) => p.items),
  ]);
  const key = (eventId: string, recipient: string | null, audience: string | null) => `${eventId}\u0000${recipient ?? ''}\u0000${audience ?? ''}`;
  const openKeys = new Set(open.map((m) => key(m.eventId, m.recipient, m.audience)));
  return entries.filter((e) => openKeys.has(key(e.eventId, e.recipient, e.audience)));
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
