import { randomUUID } from 'node:crypto';
import type { Message } from 'kafkajs';
import type { BusinessEvent, EventPayloads, EventSide, EventType } from '../../src/events/event-catalog.js';
import type { ClickHouseClient } from '../../src/infra/clickhouse/index.js';

export const QUARTER_MS = 15 * 60_000;

/** The start of a 15-minute bucket a couple of days ago, whatever today's date: every test event falls in recent buckets. */
export const baseBucketMs = Math.floor((Date.now() - 2 * 24 * 3_600_000) / QUARTER_MS) * QUARTER_MS;

/** Minor units written as the decimal text events carry ("182.50" for 18250 paise). */
export function decimalOf(minor: number): string {
  return `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
}

export interface EventSpec<T extends EventType> {
  type: T;
  at: number;
  side?: EventSide;
  city?: string;
  cell?: string | null;
  variant?: string | null;
  subjectId?: string;
  payload: EventPayloads[T];
}

export function businessEvent<T extends EventType>(spec: EventSpec<T>): BusinessEvent {
  return {
    event_id: randomUUID(),
    event_type: spec.type,
    event_version: 1,
    occurred_at: new Date(spec.at).toISOString(),
    side: spec.side ?? 'bpp',
    merchant_id: 'merchant-test-1',
    city: spec.city ?? 'std:080',
    cell: spec.cell === undefined ? 'tdr1v9q' : spec.cell,
    variant: spec.variant === undefined ? 'AUTO_RICKSHAW' : spec.variant,
    subject_id: spec.subjectId ?? randomUUID(),
    payload: spec.payload as unknown as Record<string, unknown>,
  };
}

export function toEventMessage(event: BusinessEvent): Message {
  return { key: event.subject_id, value: JSON.stringify(event) };
}

const inr = (minor: number) => ({ value: decimalOf(minor), currency: 'INR' });

/** A small deterministic generator, so a failing run can be read again. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

export const cities = ['std:080', 'std:011'] as const;
export const cells = ['tdr1v9q', 'tdr1v9r', 'ttnfv2u'] as const;
export const variants = ['AUTO_RICKSHAW', 'SEDAN'] as const;

/**
 * A day of a small operator squeezed into two buckets of two cities: searches,
 * estimates, bookings, assignments, rides ended and cancelled by every kind
 * of actor, ratings, payments, and supply snapshots from one or two runs per
 * bucket, plus rider-side events that the aggregates must leave out.
 */
export function buildEventMix(count: number, seed = 7): BusinessEvent[] {
  const random = generator(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const events: BusinessEvent[] = [];
  // Snapshot runs: two in the first bucket of each city, one in the second.
  for (const city of cities) {
    for (const [bucket, runs] of [[0, 2], [1, 1]] as const) {
      for (let run = 0; run < runs; run += 1) {
        const snapshotId = randomUUID();
        const at = baseBucketMs + bucket * QUARTER_MS + (run + 1) * 60_000;
        for (const cell of cells) {
          for (const variant of variants) {
            if (random() < 0.25) continue;
            const idle = Math.floor(random() * 6);
            const onRide = Math.floor(random() * 4);
            events.push(businessEvent({ type: 'supply.snapshot', at, city, cell, variant, subjectId: snapshotId, payload: { snapshot_id: snapshotId, online: idle + onRide, idle, on_ride: onRide } }));
          }
        }
      }
    }
  }
  const types: EventType[] = [
    'search.requested', 'estimates.offered', 'booking.confirmed', 'driver.assigned', 'ride.started', 'ride.ended', 'ride.cancelled',
    'rating.given', 'payment.charged', 'quote.declined_by_driver',
  ];
  while (events.length < count) {
    const type = pick(types);
    const at = baseBucketMs + Math.floor(random() * 2 * QUARTER_MS);
    const place = { at, city: pick(cities), cell: random() < 0.05 ? null : pick(cells), variant: pick(variants), side: (random() < 0.15 ? 'bap' : 'bpp') as EventSide };
    const id = randomUUID();
    switch (type) {
      case 'search.requested':
        events.push(businessEvent({ ...place, type, payload: { search_id: id, pickup: { lat: 12.9, lon: 77.6 }, drop: null, distance_m: Math.floor(random() * 9000) } }));
        break;
      case 'estimates.offered': {
        const min = 5_000 + Math.floor(random() * 10_000);
        events.push(businessEvent({ ...place, type, payload: { search_id: id, count: 1 + Math.floor(random() * 3), fare_min: inr(min), fare_max: inr(min + 1_999), variants: [place.variant] } }));
        break;
      }
      case 'booking.confirmed':
        events.push(businessEvent({ ...place, type, payload: { booking_id: id, estimated_fare: inr(12_000), payment_type: 'ON_FULFILLMENT', collected_by: 'BPP' } }));
        break;
      case 'driver.assigned':
        events.push(businessEvent({ ...place, type, payload: { booking_id: id, ride_id: randomUUID(), driver_id: randomUUID(), time_to_assign_ms: Math.floor(random() * 120_000) } }));
        break;
      case 'ride.started':
        events.push(businessEvent({ ...place, type, payload: { booking_id: id, ride_id: randomUUID(), driver_id: randomUUID() } }));
        break;
      case 'ride.ended':
        events.push(businessEvent({ ...place, type, payload: { booking_id: id, ride_id: randomUUID(), driver_id: randomUUID(), distance_m: 800 + Math.floor(random() * 9000), duration_s: 300 + Math.floor(random() * 1500), fare: inr(4_000 + Math.floor(random() * 40_000)) } }));
        break;
      case 'ride.cancelled':
        events.push(businessEvent({ ...place, type, payload: { booking_id: id, ride_id: null, cancelled_by: pick(['RIDER', 'DRIVER', 'OPERATOR', 'SYSTEM'] as const), reason_code: null, fee: random() < 0.5 ? null : inr(2_500) } }));
        break;
      case 'rating.given':
        events.push(businessEvent({ ...place, type, payload: { ride_id: randomUUID(), booking_id: id, rating: 1 + Math.floor(random() * 5), rated: 'DRIVER' } }));
        break;
      case 'payment.charged':
        events.push(businessEvent({ ...place, type, payload: { order_id: randomUUID(), booking_id: id, amount: inr(12_345), method: 'UPI' } }));
        break;
      default:
        events.push(businessEvent({ ...place, type: 'quote.declined_by_driver', payload: { search_id: id, driver_id: randomUUID(), offer_id: randomUUID(), reason: 'EXPIRED' } }));
    }
  }
  return events;
}

/** A business_cell_15m row as the test compares it (numbers, not ClickHouse's quoted 64-bit integers). */
export interface CellRow {
  city: string;
  bucket: number;
  cell: string;
  variant: string;
  searches: number;
  estimates: number;
  bookings: number;
  completed_rides: number;
  cancelled_by_rider: number;
  cancelled_by_driver: number;
  cancelled_other: number;
  assignments: number;
  median_time_to_assign_ms: number;
  supply_idle: number;
  supply_online: number;
  fare_total_minor: number;
}

const keyOf = (row: Pick<CellRow, 'city' | 'bucket' | 'cell' | 'variant'>) => `${row.city}|${row.bucket}|${row.cell}|${row.variant}`;

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 === 1 ? (sorted[Math.floor(middle)] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Minor units of a Money the generator wrote ("182.50" is 18250), read back by plain string surgery on two decimals. */
function minorOf(money: { value: string }): number {
  const [whole, fraction = ''] = money.value.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/**
 * The aggregate rows the events should produce, worked out here from the
 * events as produced (not from ClickHouse): each distinct event once, only
 * the provider side, keyed by (city, bucket, cell, variant).
 */
export function expectedCells(events: readonly BusinessEvent[]): CellRow[] {
  const unique = new Map(events.map((event) => [event.event_id, event]));
  const provider = [...unique.values()].filter((event) => event.side === 'bpp');
  const bucketOf = (event: BusinessEvent) => Math.floor(Date.parse(event.occurred_at) / QUARTER_MS) * (QUARTER_MS / 1000);
  const runs = new Map<string, Set<string>>();
  for (const event of provider.filter((e) => e.event_type === 'supply.snapshot')) {
    const key = `${event.city}|${bucketOf(event)}`;
    runs.set(key, (runs.get(key) ?? new Set()).add(event.subject_id));
  }
  const rows = new Map<string, CellRow & { times: number[]; idle: number; online: number }>();
  for (const event of provider) {
    const id = { city: event.city, bucket: bucketOf(event), cell: event.cell ?? '', variant: event.variant ?? '' };
    let row = rows.get(keyOf(id));
    if (!row) {
      row = {
        ...id, searches: 0, estimates: 0, bookings: 0, completed_rides: 0, cancelled_by_rider: 0, cancelled_by_driver: 0, cancelled_other: 0,
        assignments: 0, median_time_to_assign_ms: 0, supply_idle: 0, supply_online: 0, fare_total_minor: 0, times: [], idle: 0, online: 0,
      };
      rows.set(keyOf(id), row);
    }
    const payload = event.payload as { fare: { value: string }; cancelled_by: string; time_to_assign_ms: number; idle: number; online: number };
    switch (event.event_type) {
      case 'search.requested': row.searches += 1; break;
      case 'estimates.offered': row.estimates += 1; break;
      case 'booking.confirmed': row.bookings += 1; break;
      case 'ride.ended': row.completed_rides += 1; row.fare_total_minor += minorOf(payload.fare); break;
      case 'ride.cancelled': {
        const by = payload.cancelled_by;
        if (by === 'RIDER') row.cancelled_by_rider += 1;
        else if (by === 'DRIVER') row.cancelled_by_driver += 1;
        else row.cancelled_other += 1;
        break;
      }
      case 'driver.assigned': row.assignments += 1; row.times.push(payload.time_to_assign_ms); break;
      case 'supply.snapshot': row.idle += payload.idle; row.online += payload.online; break;
      default: break;
    }
  }
  return [...rows.values()]
    .map(({ times, idle, online, ...row }) => {
      const count = runs.get(`${row.city}|${row.bucket}`)?.size ?? 0;
      return { ...row, median_time_to_assign_ms: median(times), supply_idle: count === 0 ? 0 : idle / count, supply_online: count === 0 ? 0 : online / count };
    })
    .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
}

/** business_cell_15m as queries see it (FINAL), sorted as expectedCells sorts. */
export async function storedCells(clickhouse: ClickHouseClient): Promise<CellRow[]> {
  const result = await clickhouse.query({
    query: `SELECT city, toUInt32(bucket) AS bucket, cell, variant, searches, estimates, bookings, completed_rides, cancelled_by_rider,
              cancelled_by_driver, cancelled_other, assignments, median_time_to_assign_ms, supply_idle, supply_online, fare_total_minor
            FROM business_cell_15m FINAL`,
    format: 'JSONEachRow',
  });
  const rows = await result.json<Record<string, string | number>>();
  return rows
    .map((row) => {
      const out: Record<string, string | number> = {};
      for (const [key, value] of Object.entries(row)) out[key] = ['city', 'cell', 'variant'].includes(key) ? value : Number(value);
      return out as unknown as CellRow;
    })
    .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
}

/** Float columns compared to within rounding; everything else exactly. */
export function roundedCells(rows: CellRow[]): CellRow[] {
  return rows.map((row) => ({
    ...row,
    median_time_to_assign_ms: Math.round(row.median_time_to_assign_ms * 1e6) / 1e6,
    supply_idle: Math.round(row.supply_idle * 1e6) / 1e6,
    supply_online: Math.round(row.supply_online * 1e6) / 1e6,
  }));
}

/** Rows and distinct event ids of a table (FINAL: as queries see it; physical: duplicates of a replay included). */
export async function countEvents(clickhouse: ClickHouseClient, mode: 'final' | 'physical' = 'final'): Promise<{ rows: number; ids: number }> {
  const result = await clickhouse.query({
    query: `SELECT count() AS rows, uniqExact(event_id) AS ids FROM business_events${mode === 'final' ? ' FINAL' : ''}`,
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ rows: string; ids: string }>();
  return { rows: Number(row?.rows ?? 0), ids: Number(row?.ids ?? 0) };
}

export async function countRejects(clickhouse: ClickHouseClient): Promise<number> {
  const result = await clickhouse.query({ query: 'SELECT count() AS rows FROM business_events_rejects FINAL', format: 'JSONEachRow' });
  const [row] = await result.json<{ rows: string }>();
  return Number(row?.rows ?? 0);
}
