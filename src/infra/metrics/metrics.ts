import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface PoolStats {
  size: number;
  available: number;
  using: number;
  waiting: number;
}

/**
 * The process-wide Prometheus registry and the series every component shares.
 * Components that own a queue (outbox, spool, scheduler) report their depth
 * through `trackDepth`, so the gauges read live values at scrape time.
 */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'action' | 'status'>;
  httpDuration: Histogram<'route' | 'action' | 'status'>;
  signatureFailures: Counter<'code'>;
  schemaFailures: Counter<'code'>;
  schedulerLag: Histogram;
  trackDepth(queue: 'inbox' | 'outbox' | 'spool' | 'scheduler', read: () => Promise<number> | number): void;
  trackPool(name: string, read: () => PoolStats): void;
  /** Beckn requests refused because the inbox was over a bound, by role and bound (`pending`, `wait`). */
  backpressureRefusals: Counter<'role' | 'reason'>;
  /** Handled inbox and delivered outbox entries the queue maintenance deleted past their retention, by table. */
  queueRowsDeleted: Counter<'table'>;
  /** VACUUMs the queue maintenance ran on a queue table past its dead-row bound, by table. */
  queueVacuums: Counter<'table'>;
  /** The inbox load the admission check last sampled for `role`; null before the first sample. */
  trackInboxLoad(role: string, read: () => InboxLoadReading | null): void;
  /** The text /metrics answers: this registry's, or the whole service's once `exposeThrough` names where it comes from. */
  exposition(): Promise<string>;
  /** A cluster worker answers /metrics with what `read` gives (the primary's sum over every worker). */
  exposeThrough(read: () => Promise<string>): void;
}

export interface InboxLoadReading {
  pending: number;
  oldestWaitSeconds: number;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const depthReaders = new Map<string, () => Promise<number> | number>();
  const poolReaders = new Map<string, () => PoolStats>();
  const loadReaders = new Map<string, () => InboxLoadReading | null>();
  let expose = () => registry.metrics();

  new Gauge({
    name: 'beckn_ride_queue_depth',
    help: 'Items waiting in an internal queue (inbox, outbox, spool, scheduler)',
    labelNames: ['queue'],
    registers: [registry],
    // Summed over cluster workers the shared queues (inbox, outbox, scheduler) would count N times: each worker reads the same store. The spool shows the fullest worker's.
    aggregator: 'max',
    async collect() {
      this.reset();
      for (const [queue, read] of depthReaders) this.set({ queue }, await read());
    },
  });

  new Gauge({
    name: 'beckn_ride_db_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['pool', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [pool, read] of poolReaders) {
        const stats = read();
        for (const state of ['size', 'available', 'using', 'waiting'] as const) this.set({ pool, state }, stats[state]);
      }
    },
  });

  // From the admission check's last sample, so a scrape never queries Postgres. Every process
  // samples the same shared inbox: summed over cluster workers it would count N times.
  const loadGauge = (name: string, help: string, value: (reading: InboxLoadReading) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['role'],
      registers: [registry],
      aggregator: 'max',
      collect() {
        this.reset();
        for (const [role, read] of loadReaders) {
          const reading = read();
          if (reading) this.set({ role }, value(reading));
        }
      },
    });
  loadGauge('beckn_ride_inbox_pending', 'Pending inbox entries of a role, as the admission check last sampled them', (r) => r.pending);
  loadGauge('beckn_ride_inbox_oldest_wait_seconds', 'How long the oldest inbox entry of a role that is due and not being handled has waited, as last sampled', (r) => r.oldestWaitSeconds);

  return {
    registry,
    httpRequests: new Counter({
      name: 'beckn_ride_http_requests_total',
      help: 'HTTP requests by route pattern, Beckn action and status',
      labelNames: ['route', 'action', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'beckn_ride_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern, Beckn action and status',
      labelNames: ['route', 'action', 'status'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    signatureFailures: new Counter({
      name: 'beckn_ride_signature_failures_total',
      help: 'Rejected Beckn signatures by error code',
      labelNames: ['code'],
      registers: [registry],
    }),
    schemaFailures: new Counter({
      name: 'beckn_ride_schema_failures_total',
      help: 'Beckn messages that failed schema validation, by error code',
      labelNames: ['code'],
      registers: [registry],
    }),
    queueRowsDeleted: new Counter({
      name: 'beckn_ride_queue_rows_deleted_total',
      help: 'Handled inbox and delivered outbox entries deleted past their retention, by table',
      labelNames: ['table'],
      registers: [registry],
    }),
    queueVacuums: new Counter({
      name: 'beckn_ride_queue_vacuums_total',
      help: 'VACUUMs the service ran on a queue table past its dead-row bound, by table',
      labelNames: ['table'],
      registers: [registry],
    }),
    schedulerLag: new Histogram({
      name: 'beckn_ride_scheduler_lag_seconds',
      help: 'Delay between a job being due and a worker claiming it',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    trackDepth(queue, read) {
      depthReaders.set(queue, read);
    },
    trackPool(name, read) {
      poolReaders.set(name, read);
    },
    backpressureRefusals: new Counter({
      name: 'beckn_ride_backpressure_refusals_total',
      help: 'Beckn requests refused (503) because the inbox was over its pending or wait bound, by role and bound',
      labelNames: ['role', 'reason'],
      registers: [registry],
    }),
    trackInboxLoad(role, read) {
      loadReaders.set(role, read);
    },
    exposition: () => expose(),
    exposeThrough(read) {
      expose = read;
    },
  };
}
