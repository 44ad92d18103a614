import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../../db/client';
import { createLimitsRepository, type WindowHit } from '../../db/repositories/limits';
import { DEFAULT_LIMITS, PayloadTooLargeError, TooManyRequestsError, type Limits } from '../../domain/limits';

/** The route the event limits guard, as Fastify names it inside the `/v1` scope. */
const EVENTS_ROUTE = { method: 'POST', url: '/v1/events' } as const;

const isEventPost = (request: FastifyRequest): boolean =>
  request.method === EVENTS_ROUTE.method && request.routeOptions.url === EVENTS_ROUTE.url;

const PREVIEW_ROUTE = { method: 'POST', url: '/v1/templates/preview' } as const;
const isPreview = (request: FastifyRequest): boolean =>
  request.method === PREVIEW_ROUTE.method && request.routeOptions.url === PREVIEW_ROUTE.url;

/** The unit of the events-per-minute limit a post is to count, and what to do with the count. */
export interface EventRateUnit {
  /** The counter's key: per API key or per signed-in person. */
  key: string;
  windowSeconds: number;
  /** Posts allowed per window. */
  limit: number;
  /**
   * Takes the count of the statement that counted this unit (`events.intake`)
   * and answers 429 with `Retry-After` when it is past the limit.
   */
  counted(hit: WindowHit & { windowStart: Date }): void;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on `POST /v1/events` when a limit applies: the route counts it in the statement that stores the event. */
    eventRate: EventRateUnit | null;
  }
}

/**
 * Abuse limits of `POST /v1/events` (and the per-key rate of template previews): events per API key per minute (429 with
 * `Retry-After`) and the size of the event's `data` (413 naming the field).
 * Register after the authentication hook of the same scope: the rate is
 * counted per authenticated key, so unauthenticated floods never reach the counter.
 *
 * The counter lives in PostgreSQL: API processes scale horizontally and must
 * share one count per key. An event post's unit is counted by the route in
 * the one statement that also stores the event (which it stores only within
 * the limit); a post refused before the route reads it (400, 413, 415) is
 * counted after its answer. A post answered 5xx (503: retry with the same id)
 * accepted nothing and gives its unit back.
 */
export function registerEventLimits(
  app: FastifyInstance,
  deps: { db: Db; limits: Pick<Limits, 'eventsPerMinute' | 'eventDataBytes' | 'previewsPerMinute'> & Partial<Pick<Limits, 'previewsPerMinutePerUser'>> },
): void {
  const counters = createLimitsRepository(deps.db);
  const { eventsPerMinute, eventDataBytes } = deps.limits;
  // Limits built before this one existed (tests' partial limits) get its default.
  const previewsPerMinute = deps.limits.previewsPerMinute ?? DEFAULT_LIMITS.previewsPerMinute;
  const previewsPerMinutePerUser = deps.limits.previewsPerMinutePerUser ?? DEFAULT_LIMITS.previewsPerMinutePerUser;

  // Template previews cost a render each (up to the 1 s limit, in the template pool): counted per key like events.
  app.addHook('onRequest', async (request) => {
    if (!isPreview(request)) return;
    const auth = request.auth;
    // A person typing in the console's editor previews as they type: counted per person, with a limit of its own.
    const allowed = auth.kind === 'key' ? previewsPerMinute : previewsPerMinutePerUser;
    if (allowed === 0) return;
    const hit = await counters.hit(auth.kind === 'key' ? `previews:key:${auth.keyId}` : `previews:user:${auth.userId}`, 60);
    if (hit.count > allowed) {
      throw new TooManyRequestsError(
        `this ${auth.kind === 'key' ? 'API key' : 'user'} may ask for at most ${allowed} template previews per minute; retry in ${hit.retryAfterSeconds} s`,
        hit.retryAfterSeconds,
      );
    }
  });

  /** The unit each event post took, given back when the event was not accepted. */
  const counted = new WeakMap<FastifyRequest, { key: string; windowStart: Date }>();
  app.decorateRequest<EventRateUnit | null>('eventRate', null);
  app.addHook('onRequest', async (request) => {
    if (eventsPerMinute === 0 || !isEventPost(request)) return;
    const auth = request.auth;
    const key = auth.kind === 'key' ? `events:key:${auth.keyId}` : `events:user:${auth.userId}`;
    request.eventRate = {
      key,
      windowSeconds: 60,
      limit: eventsPerMinute,
      counted(hit) {
        counted.set(request, { key, windowStart: hit.windowStart });
        if (hit.count > eventsPerMinute) {
          throw new TooManyRequestsError(
            `this ${auth.kind === 'key' ? 'API key' : 'user'} may post at most ${eventsPerMinute} events per minute; retry in ${hit.retryAfterSeconds} s`,
            hit.retryAfterSeconds,
          );
        }
      },
    };
  });

  // A post answered 503 (Temporal or PostgreSQL away) accepted nothing, and API.md asks the caller to retry
  // it with the same id: its unit is given back, so the retries of one event do not eat the key's minute.
  // A post refused before the route counted it (400, 413, 415) counts all the same, now.
  app.addHook('onResponse', async (request, reply) => {
    const unit = counted.get(request);
    if (!unit) {
      const rate = request.eventRate;
      if (!rate || reply.statusCode >= 500) return;
      await counters.hit(rate.key, rate.windowSeconds).catch((err: unknown) => request.log.warn({ err }, 'could not count an event rate unit'));
      return;
    }
    if (reply.statusCode < 500) return;
    await counters.refund(unit.key, unit.windowStart).catch((err: unknown) => request.log.warn({ err }, 'could not give back an event rate unit'));
  });

  app.addHook('preValidation', async (request) => {
    if (!isEventPost(request)) return;
    const data = (request.body as { data?: unknown } | null | undefined)?.data;
    if (data === undefined) return;
    const size = Buffer.byteLength(JSON.stringify(data));
    if (size > eventDataBytes) {
      throw new PayloadTooLargeError(`event data is ${size} bytes as JSON; at most ${eventDataBytes} are accepted`, [
        { path: '/body/data', message: `must be at most ${eventDataBytes} bytes as JSON, got ${size}` },
      ]);
    }
  });
}
