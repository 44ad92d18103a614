import type { FastifyPluginAsync } from 'fastify';
import type { Counter, Histogram, Registry } from 'prom-client';

/** What the route counts into; the process composition owns the registry (see `src/metrics.ts`). */
export interface MetricsRouteDeps {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  latency: Histogram<'method' | 'route'>;
  eventsAccepted: Counter<'event_type'>;
}

/** The route that accepts events: a 202 from it is one accepted event. */
const EVENTS_ROUTE = '/v1/events';

/**
 * `GET /metrics` in the Prometheus text format: whatever the process registered
 * (process metrics, the worker's deliveries in the all-in-one process, the
 * journal gauges) plus the API's request counts and latencies by route
 * pattern (never by raw URL, which can carry a secret or unbounded ids) and
 * the events accepted by type.
 */
export const metricsRoutes: FastifyPluginAsync<MetricsRouteDeps> = async (app, { registry, requests, latency, eventsAccepted }) => {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    if (request.method === 'POST' && route === EVENTS_ROUTE && reply.statusCode === 202) {
      // Only a configured type gets a 202, so the label set is the companies' event types.
      const eventType = (request.body as { type?: unknown } | undefined)?.type;
      if (typeof eventType === 'string') eventsAccepted.inc({ event_type: eventType });
    }
  });

  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics', security: [], hide: false } }, async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
};
