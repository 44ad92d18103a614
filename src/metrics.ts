/**
 * Every metric of the service, defined once per process composition on a
 * registry of its own (never prom-client's global one, so several harnesses
 * in one test process do not share counters). `main.ts` creates one and
 * passes it to the API and the worker: the all-in-one process shows both on
 * `GET /metrics`; a separate worker serves it on `METRICS_PORT`.
 *
 * Labels are bounded and never carry secrets or personal data: no addresses,
 * phone numbers, company-chosen free text or raw URLs.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from './db/client';
import { outboxDepth } from './db/repositories/email-outbox';
import { countAwaitingConfirmation } from './db/repositories/journal';

/** The statuses that end a delivery (one per recipient and route) in the journal. */
export const FINAL_DELIVERY_STATUSES = ['sent', 'failed', 'skipped', 'not_sent_tracked', 'test'] as const;

export interface MetricsOptions {
  /** Adds the gauges read from the journal at scrape time (waiting confirmations, outbox). */
  db?: Db | undefined;
  /** Node process metrics (CPU, memory, event loop); default true. */
  processMetrics?: boolean;
}

export type Metrics = ReturnType<typeof createMetrics>;

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(opts: MetricsOptions = {}) {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const metrics = {
    registry,
    http: {
      requests: new Counter({
        name: 'http_requests_total',
        help: 'HTTP requests answered, by method, route and status code.',
        labelNames: ['method', 'route', 'status'] as const,
        registers,
      }),
      latency: new Histogram({
        name: 'http_request_duration_seconds',
        help: 'Time to answer an HTTP request, by method and route.',
        labelNames: ['method', 'route'] as const,
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers,
      }),
    },
    eventsAccepted: new Counter({
      name: 'notify_events_accepted_total',
      help: 'Events accepted by the API (202; a repeated event id is not counted), by event type.',
      labelNames: ['event_type'] as const,
      registers,
    }),
    deliveries: new Counter({
      name: 'notify_deliveries_total',
      help: 'Deliveries that reached a final journal status (sent, failed, skipped, not_sent_tracked, test), by channel, provider and status. Counted once per journal row.',
      labelNames: ['channel', 'provider', 'status'] as const,
      registers,
    }),
    fallbacks: new Counter({
      name: 'notify_fallbacks_total',
      help: 'Switches from one channel to the next after a failure, by channels and failure type.',
      labelNames: ['from', 'to', 'reason'] as const,
      registers,
    }),
    sendLatency: new Histogram({
      name: 'notify_send_duration_seconds',
      help: 'Time of one provider call (successful or not), by channel.',
      labelNames: ['channel', 'outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    journalWriteLatency: new Histogram({
      name: 'notify_journal_write_duration_seconds',
      help: 'Time of one journal write by an activity.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    smsSegments: new Counter({
      name: 'notify_sms_segments_sent_total',
      help: 'SMS segments (parts a provider bills) of the messages sent, by provider.',
      labelNames: ['provider'] as const,
      registers,
    }),
  };

  const db = opts.db;
  if (db) {
    new Gauge({
      name: 'notify_confirmations_waiting',
      help: 'Events whose last journal step is awaiting_confirmation (read from the journal at scrape time).',
      registers,
      async collect() {
        this.set(await countAwaitingConfirmation(db));
      },
    });
    // One query feeds both outbox gauges: the first collect of a scrape runs it, the second reuses it.
    let pending: Promise<{ queued: number; oldestQueuedAt: Date | null }> | undefined;
    const depth = () => {
      pending ??= outboxDepth(db).finally(() => setImmediate(() => (pending = undefined)));
      return pending;
    };
    new Gauge({
      name: 'notify_email_outbox_depth',
      help: 'Queued e-mails waiting in the outbox for the dispatch job (read at scrape time).',
      registers,
      async collect() {
        this.set((await depth()).queued);
      },
    });
    new Gauge({
      name: 'notify_email_outbox_oldest_age_seconds',
      help: 'Age of the oldest queued e-mail in the outbox; 0 when it is empty (read at scrape time).',
      registers,
      async collect() {
        const { oldestQueuedAt } = await depth();
        this.set(oldestQueuedAt ? Math.max(0, (Date.now() - oldestQueuedAt.getTime()) / 1000) : 0);
      },
    });
  }
  return metrics;
}

/** Times `work` into `histogram` (seconds). */
export async function timed<T>(observe: (seconds: number) => void, work: () => Promise<T>): Promise<T> {
  const start = process.hrtime.bigint();
  try {
    return await work();
  } finally {
    observe(Number(process.hrtime.bigint() - start) / 1e9);
  }
}

/**
 * A bounded label from a failure type (`RejectedError`, `NotConfigured`, …):
 * the name as it is when it looks like one, `other` for anything else.
 */
export function reasonLabel(type: unknown): string {
  return typeof type === 'string' && /^[A-Za-z][A-Za-z0-9_]{0,47}$/.test(type) ? type : 'other';
}

/**
 * Serves the registry at `GET /metrics` on its own port, for a worker process
 * that runs without the API.
 */
export async function serveMetrics(registry: Registry, port: number, host = '0.0.0.0'): Promise<{ server: Server; stop(): Promise<void> }> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    server,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
