import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { BusinessEvent, EventPayloads, EventSide, EventType } from '../../src/events/index.js';
import { createClickHouse, ensureDatabase, runClickHouseMigrations, sql, type ClickHouseClient } from '../../src/infra/clickhouse/index.js';
import { cellOf } from '../../src/infra/geo/cell.js';
import { createLogger } from '../../src/infra/logging/logger.js';
import { testServices, uniqueTestName } from '../support/services.js';

export const quiet = createLogger('silent');
const migrationsDir = fileURLToPath(new URL('../../migrations/clickhouse/', import.meta.url));

export const BLR = 'std:080';
export const DEL = 'std:011';
/** Cells of the fixture: two in Bengaluru, one in Delhi. */
export const cells = { a1: cellOf(12.9716, 77.5946), a2: cellOf(12.9352, 77.6245), b1: cellOf(28.6139, 77.209) };
/** The fixture's two 15-minute buckets: T0 = 10:00, T1 = 10:15 (UTC). */
export const T0 = Date.UTC(2031, 2, 10, 10, 0, 0);
export const at = (minutes: number, seconds = 0) => new Date(T0 + minutes * 60_000 + seconds * 1000).toISOString();

interface EventOptions<T extends EventType> {
  city?: string;
  cell?: string | null;
  side?: EventSide;
  variant?: string | null;
  subject?: string;
  id?: string;
  payload: EventPayloads[T];
}

export function businessEvent<T extends EventType>(type: T, occurredAt: string, options: EventOptions<T>): BusinessEvent {
  return {
    event_id: options.id ?? randomUUID(),
    event_type: type,
    event_version: 1,
    occurred_at: occurredAt,
    side: options.side ?? 'bpp',
    merchant_id: 'c4a5e6f0-0000-4000-8000-000000000001',
    city: options.city ?? BLR,
    cell: options.cell === undefined ? cells.a1 : options.cell,
    variant: options.variant === undefined ? 'SEDAN' : options.variant,
    subject_id: options.subject ?? randomUUID(),
    payload: options.payload as unknown as Record<string, unknown>,
  };
}

const inr = (value: string) => ({ value, currency: 'INR' });
const gps = { lat: 12.97, lon: 77.59 };
const search = (minute: number, cell: string, extra: Partial<EventOptions<'search.requested'>> = {}) =>
  businessEvent('search.requested', at(minute), { cell, payload: { search_id: randomUUID(), pickup: gps, drop: null, distance_m: null }, ...extra });
const booking = (minute: number, cell: string) =>
  businessEvent('booking.confirmed', at(minute), { cell, payload: { booking_id: randomUUID(), estimated_fare: inr('150.00'), payment_type: 'ON-FULFILLMENT', collected_by: 'BPP' } });
const assigned = (minute: number, cell: string, timeToAssignMs: number, city = BLR) =>
  businessEvent('driver.assigned', at(minute), { city, cell, payload: { booking_id: randomUUID(), ride_id: randomUUID(), driver_id: randomUUID(), time_to_assign_ms: timeToAssignMs } });
const ended = (minute: number, cell: string, fare: string, city = BLR) =>
  businessEvent('ride.ended', at(minute), { city, cell, payload: { booking_id: randomUUID(), ride_id: randomUUID(), driver_id: randomUUID(), distance_m: 4200, duration_s: 900, fare: inr(fare) } });
const cancelled = (minute: number, cell: string, by: 'RIDER' | 'DRIVER' | 'OPERATOR' | 'SYSTEM') =>
  businessEvent('ride.cancelled', at(minute), { cell, payload: { booking_id: randomUUID(), ride_id: null, cancelled_by: by, reason_code: null, fee: null } });
const snapshot = (minute: number, seconds: number, run: string, cell: string, idle: number, online: number, city = BLR, variant = 'SEDAN') =>
  businessEvent('supply.snapshot', at(minute, seconds), { city, cell, variant, subject: run, payload: { snapshot_id: run, online, idle, on_ride: online - idle } });
const estimates = (minute: number, cell: string) =>
  businessEvent('estimates.offered', at(minute, 5), { cell, payload: { search_id: randomUUID(), count: 2, fare_min: inr('120.00'), fare_max: inr('160.00'), variants: ['SEDAN', 'AUTO_RICKSHAW'] } });

/**
 * Two cities, two buckets (T0 10:00, T1 10:15), several cells. What it adds
 * up to is written out in analytics-store.contract.ts next to each check.
 */
export function fixtureEvents(): BusinessEvent[] {
  const { a1, a2, b1 } = cells;
  const s1 = search(1, a1);
  return [
    // T0, Bengaluru
    s1,
    search(2, a1),
    search(3, a2),
    search(4, a2),
    search(2, a1, { side: 'bap' }), // the rider side's search: not provider demand
    estimates(1, a1),
    estimates(3, a2),
    booking(5, a1),
    booking(6, a2),
    assigned(7, a1, 30_000),
    assigned(8, a2, 50_000),
    cancelled(9, a2, 'DRIVER'),
    ended(14, a1, '182.50'),
    snapshot(0, 30, 'run-1', a1, 3, 4),
    snapshot(0, 30, 'run-1', a2, 1, 2, BLR, 'AUTO_RICKSHAW'),
    snapshot(5, 30, 'run-2', a1, 2, 3),
    snapshot(5, 30, 'run-2', a2, 2, 2, BLR, 'AUTO_RICKSHAW'),
    businessEvent('payment.charged', at(14, 30), { side: 'bap', payload: { order_id: 'o1', booking_id: 'b1', amount: inr('182.50'), method: 'UPI' } }),
    businessEvent('rating.given', at(14, 40), { side: 'bap', payload: { ride_id: 'r1', booking_id: 'b1', rating: 5, rated: 'DRIVER' } }),
    // T1, Bengaluru
    search(16, a1),
    search(17, a1),
    booking(18, a1),
    assigned(19, a1, 70_000),
    booking(20, a1),
    cancelled(21, a1, 'RIDER'),
    booking(22, a2),
    cancelled(23, a2, 'SYSTEM'),
    ended(29, a1, '240.00'),
    snapshot(16, 0, 'run-3', a1, 1, 2),
    snapshot(16, 0, 'run-3', a2, 0, 1, BLR, 'AUTO_RICKSHAW'),
    businessEvent('payment.refunded', at(25), { side: 'bap', payload: { refund_id: 'f1', order_id: 'o1', booking_id: 'b1', amount: inr('10.00') } }),
    businessEvent('payout.settled', at(26), { cell: null, variant: null, payload: { payout_order_id: 'p1', driver_id: 'd1', amount: inr('400.00'), ride_count: 2 } }),
    // T0, Delhi: never in Bengaluru's answers
    search(5, b1, { city: DEL }),
    assigned(7, b1, 10_000, DEL),
    ended(12, b1, '100.00', DEL),
    snapshot(1, 0, 'run-4', b1, 5, 6, DEL),
    // The relay delivered the first search twice.
    { ...s1 },
  ];
}

/** The row the events sink writes into business_events for an event (money in minor units of two-decimal currencies). */
export function businessEventRow(event: BusinessEvent): Record<string, unknown> {
  const p = event.payload as Record<string, any>;
  const money = p.fare ?? p.amount ?? p.fare_min ?? null;
  const minor = (m: { value: string } | null | undefined) => (m ? Math.round(Number(m.value) * 100) : 0);
  const ms = Date.parse(event.occurred_at);
  return {
    event_id: event.event_id,
    event_type: event.event_type,
    event_version: event.event_version,
    occurred_at: Math.floor(ms / 1000),
    occurred_at_ms: ms,
    side: event.side,
    merchant_id: event.merchant_id ?? '',
    city: event.city,
    cell: event.cell ?? '',
    variant: event.variant ?? '',
    subject_id: event.subject_id,
    payload: JSON.stringify(event.payload),
    amount_minor: minor(money),
    amount_max_minor: minor(p.fare_max),
    currency: money?.currency ?? '',
    item_count: p.count ?? p.ride_count ?? 0,
    time_to_assign_ms: p.time_to_assign_ms ?? 0,
    distance_m: p.distance_m ?? 0,
    duration_s: p.duration_s ?? 0,
    actor: p.cancelled_by ?? p.rated ?? '',
    rating: p.rating ?? 0,
    supply_online: p.online ?? 0,
    supply_idle: p.idle ?? 0,
    supply_on_ride: p.on_ride ?? 0,
  };
}

/** The tables as the events migrations define them, for a test database the migrations have not created yet. */
const fallbackTables = [
  `CREATE TABLE IF NOT EXISTS business_events (
     event_id String, event_type String, event_version UInt16, occurred_at DateTime, occurred_at_ms UInt64,
     side String, merchant_id String, city String, cell String, variant String, subject_id String, payload String,
     amount_minor Int64, amount_max_minor Int64, currency String, item_count UInt32, time_to_assign_ms UInt32,
     distance_m UInt32, duration_s UInt32, actor String, rating UInt8, supply_online UInt32, supply_idle UInt32,
     supply_on_ride UInt32, ingested_at DateTime DEFAULT now()
   ) ENGINE = ReplacingMergeTree() ORDER BY (city, event_type, event_id)`,
  `CREATE TABLE IF NOT EXISTS business_cell_15m (
     city String, bucket DateTime, cell String, variant String,
     searches UInt64, estimates UInt64, bookings UInt64, completed_rides UInt64,
     cancelled_by_rider UInt64, cancelled_by_driver UInt64, cancelled_other UInt64, assignments UInt64,
     median_time_to_assign_ms Float64, supply_idle Float64, supply_online Float64, fare_total_minor Int64, computed_at_ms UInt64
   ) ENGINE = ReplacingMergeTree(computed_at_ms) ORDER BY (city, bucket, cell, variant)`,
];

/**
 * Recomputes every cell-bucket row from the raw events, by the definitions
 * of the aggregate: provider-side events only; a cell's supply is its
 * drivers over all the bucket's runs divided by the city's runs in it.
 */
function recomputeAggregates(computedAtMs: number) {
  return sql`
    INSERT INTO business_cell_15m
      (city, bucket, cell, variant, searches, estimates, bookings, completed_rides, cancelled_by_rider, cancelled_by_driver,
       cancelled_other, assignments, median_time_to_assign_ms, supply_idle, supply_online, fare_total_minor, computed_at_ms)
    SELECT city, bucket, cell, variant,
           countIf(event_type = 'search.requested'), countIf(event_type = 'estimates.offered'),
           countIf(event_type = 'booking.confirmed'), countIf(event_type = 'ride.ended'),
           countIf(event_type = 'ride.cancelled' AND actor = 'RIDER'), countIf(event_type = 'ride.cancelled' AND actor = 'DRIVER'),
           countIf(event_type = 'ride.cancelled' AND actor NOT IN ('RIDER', 'DRIVER')), countIf(event_type = 'driver.assigned'),
           if(countIf(event_type = 'driver.assigned') = 0, 0, quantileExactIf(0.5)(time_to_assign_ms, event_type = 'driver.assigned')),
           if(any(runs) = 0, 0, sumIf(supply_idle, event_type = 'supply.snapshot') / any(runs)),
           if(any(runs) = 0, 0, sumIf(supply_online, event_type = 'supply.snapshot') / any(runs)),
           sumIf(amount_minor, event_type = 'ride.ended'),
           ${computedAtMs}
      FROM (SELECT *, toDateTime(intDiv(toUInt32(occurred_at), 900) * 900) AS bucket
              FROM business_events FINAL
             WHERE side = 'bpp'
               AND event_type IN ('search.requested', 'estimates.offered', 'booking.confirmed', 'ride.ended', 'ride.cancelled', 'driver.assigned', 'supply.snapshot'))
      ANY LEFT JOIN (SELECT city, toDateTime(intDiv(toUInt32(occurred_at), 900) * 900) AS bucket, uniqExact(subject_id) AS runs
                       FROM business_events FINAL
                      WHERE side = 'bpp' AND event_type = 'supply.snapshot'
                      GROUP BY city, bucket) USING (city, bucket)
     GROUP BY city, bucket, cell, variant`;
}

export interface AnalyticsClickHouse {
  client: ClickHouseClient;
  /** Stores events as the sink does, then recomputes the aggregates. */
  insert(events: readonly BusinessEvent[]): Promise<void>;
  drop(): Promise<void>;
}

/** A fresh test database with the ClickHouse migrations applied (and the events tables, until their migrations land). */
let lastComputedAtMs = 0;

export async function analyticsClickHouse(label: string): Promise<AnalyticsClickHouse> {
  const database = uniqueTestName(label);
  await ensureDatabase(testServices.clickhouseUrl, database);
  const client = createClickHouse({ url: testServices.clickhouseUrl, database });
  await runClickHouseMigrations(client, migrationsDir, quiet);
  for (const statement of fallbackTables) await client.command({ query: statement });
  return {
    client,
    async insert(events) {
      if (events.length === 0) return;
      await client.insert({ table: 'business_events', values: events.map(businessEventRow), format: 'JSONEachRow' });
      // A later recompute must carry a larger version, or FINAL could keep the older row.
      lastComputedAtMs = Math.max(Date.now(), lastComputedAtMs + 1);
      await client.command({ query: recomputeAggregates(lastComputedAtMs).text });
    },
    async drop() {
      try {
        await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      } finally {
        await client.close();
      }
    },
  };
}
