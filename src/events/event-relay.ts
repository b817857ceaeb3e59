import { Counter, Gauge, type Registry } from 'prom-client';
import { QueryTypes, type Sequelize } from 'sequelize';
import { fullJitterDelayMs, type BackoffOptions } from '../infra/backoff/index.js';
import type { Logger } from '../infra/logging/logger.js';
import type { Metrics } from '../infra/metrics/index.js';
import type { BusinessEvent, EventSide, EventType } from './event-catalog.js';
import type { EventPublisher } from './event-publisher.js';
import type { EventSchema } from './record-event.js';

export interface EventRelayOptions {
  sequelize: Sequelize;
  publisher: EventPublisher;
  /** The outboxes to relay, each `<schema>.business_event_outbox`. */
  schemas: readonly EventSchema[];
  /** Most events per publish (and per outbox transaction). */
  batchSize?: number;
  /** Wait after a batch that was not full (or found nothing) before looking again. */
  pollIntervalMs: number;
  /** Relayed rows older than this are deleted. */
  retentionMs?: number;
  logger: Logger;
  metrics?: Metrics;
  /** Once pending events have waited this long for a publish that succeeds, the readiness check fails. */
  stalledAfterMs?: number;
  /** Bound on `stop` waiting for the batch in flight. */
  stopTimeoutMs?: number;
  /** How often relayed rows past the retention are deleted. */
  cleanupIntervalMs?: number;
  /** Pacing of retries after a failed batch (full jitter). */
  backoff?: BackoffOptions;
}

export interface SchemaRelayState {
  /** Events this relay published from the schema's outbox since it started. */
  relayed: number;
  lastRelayedAt: Date | null;
  /** The last failure since the last success; null while healthy. */
  lastError: string | null;
  /** When the relay saw pending events it has not yet published since; null while idle or once published. */
  stalledSince: Date | null;
  /** Failed attempts since the relay started. */
  failures: number;
}

export interface EventRelayStats {
  running: boolean;
  relayed: number;
  schemas: Record<string, SchemaRelayState>;
}

export interface EventRelay {
  start(): void;
  /** Finishes the batch in flight (within stopTimeoutMs) and stops; idempotent. */
  stop(): Promise<void>;
  stats(): EventRelayStats;
  /** Readiness: rejects once pending events of a schema have waited longer than stalledAfterMs. */
  check(): Promise<void>;
  /** Unrelayed events per schema. */
  pending(): Promise<Record<string, number>>;
  /** Deletes relayed rows older than the retention now; returns how many. */
  cleanup(): Promise<number>;
}

export const EVENT_RELAY_DEFAULTS = {
  batchSize: 500,
  retentionMs: 24 * 60 * 60 * 1000,
  stalledAfterMs: 60_000,
  stopTimeoutMs: 10_000,
  cleanupIntervalMs: 5 * 60_000,
  backoff: { baseBackoffMs: 200, maxBackoffMs: 30_000 },
} as const;

/** Rows deleted per statement by the cleanup, so no statement holds the database long. */
const CLEANUP_BATCH = 5_000;
/** Shortest pause after a failure (full jitter may draw zero). */
const MIN_RETRY_DELAY_MS = 25;

interface OutboxRow {
  seq: string;
  event_id: string;
  event_type: string;
  event_version: number;
  occurred_at: Date | string;
  side: string;
  merchant_id: string | null;
  city: string;
  cell: string | null;
  variant: string | null;
  subject_id: string;
  payload: Record<string, unknown> | string;
}

/** An outbox row as the event it holds: occurred_at in ISO-8601 with milliseconds, UTC; the payload as stored. */
export function toBusinessEvent(row: OutboxRow): BusinessEvent {
  return {
    event_id: row.event_id,
    event_type: row.event_type as EventType,
    event_version: Number(row.event_version),
    occurred_at: new Date(row.occurred_at).toISOString(),
    side: row.side as EventSide,
    merchant_id: row.merchant_id,
    city: row.city,
    cell: row.cell,
    variant: row.variant,
    subject_id: row.subject_id,
    payload: typeof row.payload === 'string' ? (JSON.parse(row.payload) as Record<string, unknown>) : row.payload,
  };
}

type Outcome = 'full' | 'partial' | 'idle' | 'busy';

interface Worker {
  schema: EventSchema;
  table: string;
  state: SchemaRelayState;
  /** After a failure, the next claim takes at most the failed batch's size, so it retries the same events. */
  retryLimit: number | null;
  attempt: number;
}

/**
 * Publishes the business event outboxes of `schemas`, each in `seq` order,
 * at least once. Per schema, one batch at a time: in one transaction it
 * claims the oldest unrelayed rows, publishes them, stamps `relayed_at` and
 * commits. A failed publish rolls back (the rows stay pending) and is
 * retried with backoff; a full batch is followed at once, otherwise the
 * relay looks again after `pollIntervalMs`.
 *
 * Several replicas may run a relay: a transaction-scoped advisory lock per
 * schema lets one publish at a time, so events leave in seq order, and the
 * claim skips rows another transaction has locked. An event is published
 * twice only when its batch was published and the commit then failed (or
 * the process died in between); consumers dedupe on event_id.
 *
 * Apart from the publish itself, nothing outside the transaction is awaited
 * while it is open: the embedded profile's database serves one transaction
 * at a time.
 */
export function createEventRelay(options: EventRelayOptions): EventRelay {
  const { sequelize, publisher } = options;
  const logger = options.logger.child({ component: 'event-relay' });
  const batchSize = options.batchSize ?? EVENT_RELAY_DEFAULTS.batchSize;
  const retentionMs = options.retentionMs ?? EVENT_RELAY_DEFAULTS.retentionMs;
  const stalledAfterMs = options.stalledAfterMs ?? EVENT_RELAY_DEFAULTS.stalledAfterMs;
  const stopTimeoutMs = options.stopTimeoutMs ?? EVENT_RELAY_DEFAULTS.stopTimeoutMs;
  const cleanupIntervalMs = options.cleanupIntervalMs ?? EVENT_RELAY_DEFAULTS.cleanupIntervalMs;
  const backoff = options.backoff ?? EVENT_RELAY_DEFAULTS.backoff;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`event relay batchSize must be a positive integer, got ${batchSize}`);

  const workers: Worker[] = options.schemas.map((schema) => ({
    schema,
    table: `${schema}.business_event_outbox`,
    state: { relayed: 0, lastRelayedAt: null, lastError: null, stalledSince: null, failures: 0 },
    retryLimit: null,
    attempt: 0,
  }));
  const relayedCounter = options.metrics ? relayMetrics(options.metrics, () => pending()) : null;

  let loops: Promise<void>[] | null = null;
  let stopping = false;
  let stopped: Promise<void> | null = null;
  const wakers = new Set<() => void>();

  /** Sleeps `ms`; `stop` cuts it short. */
  function sleep(ms: number): Promise<void> {
    if (stopping) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakers.add(done);
    });
  }

  async function relayOnce(worker: Worker): Promise<Outcome> {
    // Outside any transaction: an idle relay costs one cheap query per poll.
    const probe = await sequelize.query(`SELECT 1 AS pending FROM ${worker.table} WHERE relayed_at IS NULL LIMIT 1`, { type: QueryTypes.SELECT });
    if (probe.length === 0) return 'idle';
    worker.state.stalledSince ??= new Date();
    await publisher.connect();

    const limit = worker.retryLimit ?? batchSize;
    let claimed = 0;
    try {
      const { outcome, count } = await sequelize.transaction(async (transaction) => {
        const [lock] = await sequelize.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext(:key)) AS locked', {
          type: QueryTypes.SELECT,
          transaction,
          replacements: { key: `beckn-ride:business-event-relay:${worker.schema}` },
        });
        if (lock?.locked !== true) return { outcome: 'busy' as const, count: 0 };
        const rows = await sequelize.query<OutboxRow>(
          `SELECT seq, event_id, event_type, event_version, occurred_at, side, merchant_id, city, cell, variant, subject_id, payload
             FROM ${worker.table}
            WHERE relayed_at IS NULL
            ORDER BY seq
            LIMIT :limit
              FOR UPDATE SKIP LOCKED`,
          { type: QueryTypes.SELECT, transaction, replacements: { limit } },
        );
        if (rows.length === 0) return { outcome: 'idle' as const, count: 0 };
        claimed = rows.length;
        await publisher.publish(rows.map(toBusinessEvent));
        await sequelize.query(`UPDATE ${worker.table} SET relayed_at = now() WHERE seq IN (:seqs)`, {
          transaction,
          replacements: { seqs: rows.map((row) => row.seq) },
        });
        return { outcome: rows.length >= limit ? ('full' as const) : ('partial' as const), count: rows.length };
      });
      if (count > 0) succeeded(worker, count);
      return outcome;
    } catch (error) {
      if (claimed > 0) worker.retryLimit = claimed;
      throw error;
    }
  }

  function succeeded(worker: Worker, count: number): void {
    const { state } = worker;
    if (state.lastError !== null && state.stalledSince) {
      logger.info({ schema: worker.schema, stalledForMs: Date.now() - state.stalledSince.getTime(), target: publisher.target }, 'business event relay: publishing again');
    }
    state.relayed += count;
    state.lastRelayedAt = new Date();
    state.lastError = null;
    state.stalledSince = null;
    worker.retryLimit = null;
    worker.attempt = 0;
    relayedCounter?.inc({ schema: worker.schema }, count);
  }

  function failed(worker: Worker, error: unknown): number {
    const { state } = worker;
    const message = error instanceof Error ? error.message : String(error);
    if (state.lastError === null) {
      logger.warn({ err: error, schema: worker.schema, target: publisher.target }, 'business event relay: publishing failed, events stay in the outbox');
    } else {
      logger.debug({ err: error, schema: worker.schema }, 'business event relay: still failing');
    }
    state.lastError = message;
    state.failures += 1;
    worker.attempt += 1;
    return Math.max(MIN_RETRY_DELAY_MS, fullJitterDelayMs(worker.attempt, backoff));
  }

  async function run(worker: Worker): Promise<void> {
    while (!stopping) {
      let wait: number;
      try {
        const outcome = await relayOnce(worker);
        if (outcome === 'full') continue;
        if (outcome !== 'partial') {
          // Nothing this relay may publish now (none pending, or another replica holds the schema).
          worker.state.stalledSince = null;
          worker.retryLimit = null;
        }
        wait = options.pollIntervalMs;
      } catch (error) {
        wait = failed(worker, error);
      }
      await sleep(wait);
    }
  }

  async function runCleanup(): Promise<void> {
    while (!stopping) {
      await sleep(cleanupIntervalMs);
      if (stopping) return;
      try {
        const deleted = await cleanup();
        if (deleted > 0) logger.debug({ deleted, retentionMs }, 'business event relay: relayed events past the retention deleted');
      } catch (error) {
        logger.warn({ err: error }, 'business event relay: deleting relayed events failed');
      }
    }
  }

  async function cleanup(): Promise<number> {
    let total = 0;
    for (const { table } of workers) {
      for (;;) {
        const [result] = await sequelize.query<{ deleted: number }>(
          `WITH gone AS (
             DELETE FROM ${table}
              WHERE seq IN (SELECT seq FROM ${table}
                             WHERE relayed_at < now() - (:retentionMs * interval '1 millisecond')
                             LIMIT :limit
                               FOR UPDATE SKIP LOCKED)
             RETURNING 1)
           SELECT count(*)::int AS deleted FROM gone`,
          { type: QueryTypes.SELECT, replacements: { retentionMs, limit: CLEANUP_BATCH } },
        );
        const deleted = Number(result?.deleted ?? 0);
        total += deleted;
        if (deleted < CLEANUP_BATCH || stopping) break;
      }
    }
    return total;
  }

  async function pending(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const { schema, table } of workers) {
      const [row] = await sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE relayed_at IS NULL`, { type: QueryTypes.SELECT });
      counts[schema] = Number(row?.n ?? 0);
    }
    return counts;
  }

  return {
    start() {
      if (loops || stopping) return;
      loops = [...workers.map(run), runCleanup()].map((loop) =>
        loop.catch((error: unknown) => logger.error({ err: error }, 'business event relay stopped unexpectedly')),
      );
      logger.debug({ schemas: options.schemas, target: publisher.target, pollIntervalMs: options.pollIntervalMs }, 'business event relay started');
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        for (const wake of [...wakers]) wake();
        if (!loops) return;
        let timer: NodeJS.Timeout | undefined;
        const finished = await Promise.race([
          Promise.all(loops).then(() => true),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), stopTimeoutMs);
          }),
        ]);
        clearTimeout(timer);
        // Not committed, the batch rolls back when its connection closes: its events stay pending.
        if (!finished) logger.warn({ stopTimeoutMs, target: publisher.target }, 'business event relay stopped with a batch still in flight');
      })();
      return stopped;
    },
    stats() {
      const schemas: Record<string, SchemaRelayState> = {};
      for (const { schema, state } of workers) schemas[schema] = { ...state };
      return { running: loops !== null && !stopping, relayed: workers.reduce((sum, w) => sum + w.state.relayed, 0), schemas };
    },
    async check() {
      const now = Date.now();
      for (const { schema, state } of workers) {
        if (state.stalledSince && now - state.stalledSince.getTime() > stalledAfterMs) {
          const seconds = Math.round((now - state.stalledSince.getTime()) / 1000);
          throw new Error(`business event relay has published nothing from ${schema} for ${seconds} s to ${publisher.target}: ${state.lastError ?? 'still trying'}`);
        }
      }
    },
    pending,
    cleanup,
  };
}

interface RelaySeries {
  relayed: Counter<'schema'>;
  readPending: { current: () => Promise<Record<string, number>> };
}

const seriesByRegistry = new WeakMap<Registry, RelaySeries>();

/** The relay's series in the process registry, created once per registry; the last relay built reports the depth. */
function relayMetrics(metrics: Metrics, readPending: () => Promise<Record<string, number>>): Counter<'schema'> {
  let series = seriesByRegistry.get(metrics.registry);
  if (!series) {
    const reader = { current: readPending };
    new Gauge({
      name: 'beckn_ride_business_events_pending',
      help: 'Business events in an outbox not yet published, by schema',
      labelNames: ['schema'],
      registers: [metrics.registry],
      async collect() {
        this.reset();
        // A database that does not answer leaves the series empty for this scrape rather than failing /metrics.
        const counts = await reader.current().catch(() => ({}));
        for (const [schema, n] of Object.entries(counts)) this.set({ schema }, n);
      },
    });
    series = {
      relayed: new Counter({
        name: 'beckn_ride_business_events_relayed_total',
        help: 'Business events published by the event relay, by schema',
        labelNames: ['schema'],
        registers: [metrics.registry],
      }),
      readPending: reader,
    };
    seriesByRegistry.set(metrics.registry, series);
  }
  series.readPending.current = readPending;
  return series.relayed;
}
