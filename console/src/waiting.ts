import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, ok } from './api/client';
import type { components, paths } from './api/schema';

type JournalEntry = paths['/v1/journal']['get']['responses'][200]['content']['application/json']['items'][number];
export type Message = paths['/v1/messages']['get']['responses'][200]['content']['application/json']['items'][number];
export type { JournalEntry };
// Keeps `components` referenced for editors that jump to the shared error schema.
export type ErrorBody = components['schemas'] extends Record<string, infer T> ? T : never;

/** How often the console looks again while work waits or events run. */
export const POLL_MS = 3000;
const QUEUE_PAGE = 50;

export type Confirmation = paths['/v1/queues/confirmations']['get']['responses'][200]['content']['application/json']['items'][number];
export type TrackedEntry = paths['/v1/queues/tracked']['get']['responses'][200]['content']['application/json']['items'][number];

/**
 * Events awaiting a person's decision and "not sent, tracked by manager" entries nobody acted on,
 * as the API computes them from the whole journal (`GET /v1/queues/*`), newest first, a page at a
 * time. `mine`: only the signed-in manager's clients.
 */
export function useConfirmations(mine: boolean, enabled = true) {
  return useInfiniteQuery({
    queryKey: ['queue', 'confirmations', { mine }],
    queryFn: ({ pageParam }) =>
      ok(api.GET('/v1/queues/confirmations', { params: { query: { limit: QUEUE_PAGE, ...(mine ? { mine } : {}), ...(pageParam ? { cursor: pageParam } : {}) } } })),
    initialPageParam: 0,
    getNextPageParam: (last) => last.next ?? undefined,
    refetchInterval: POLL_MS,
    enabled,
  });
}

export function useTracked(mine: boolean, enabled = true) {
  return useInfiniteQuery({
    queryKey: ['queue', 'tracked', { mine }],
    queryFn: ({ pageParam }) =>
      ok(api.GET('/v1/queues/tracked', { params: { query: { limit: QUEUE_PAGE, ...(mine ? { mine } : {}), ...(pageParam ? { cursor: pageParam } : {}) } } })),
    initialPageParam: 0,
    getNextPageParam: (last) => last.next ?? undefined,
    refetchInterval: POLL_MS,
    enabled,
  });
}

/** How many items wait in each queue (one cheap request), for the header's count. */
export function useQueueCounts(mine: boolean, enabled = true) {
  return useQuery({
    queryKey: ['queue', 'counts', { mine }],
    queryFn: () => ok(api.GET('/v1/queues/counts', { params: { query: mine ? { mine } : {} } })),
    refetchInterval: POLL_MS,
    enabled,
  });
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
