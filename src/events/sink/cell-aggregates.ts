import type { ClickHouseClient } from '../../infra/clickhouse/index.js';
import { sql, sqlIdentifier, type SqlFragment } from '../../infra/clickhouse/index.js';
import { BUSINESS_EVENTS_TABLE, type BusinessEventRow } from './event-row.js';

export const CELL_AGGREGATES_TABLE = 'business_cell_15m';

const BUCKET_SECONDS = 15 * 60;

/** The 15-minute bucket (unix seconds, UTC) of an instant, as toStartOfFifteenMinutes gives it. */
export function bucketOf(ms: number): number {
  return Math.floor(ms / 1000 / BUCKET_SECONDS) * BUCKET_SECONDS;
}

/** The (city, bucket) pairs a set of rows touches, by city: only provider-side events count in the aggregates. */
export function touchedBuckets(rows: readonly Pick<BusinessEventRow, 'side' | 'city' | 'occurred_at_ms'>[]): Map<string, number[]> {
  const byCity = new Map<string, Set<number>>();
  for (const row of rows) {
    if (row.side !== 'bpp') continue;
    let buckets = byCity.get(row.city);
    if (!buckets) byCity.set(row.city, (buckets = new Set()));
    buckets.add(bucketOf(row.occurred_at_ms));
  }
  return new Map([...byCity].map(([city, buckets]) => [city, [...buckets].sort((a, b) => a - b)]));
}

/**
 * The provider-side events of `city` in `buckets`, read with FINAL so a
 * not-yet-merged duplicate of a replayed batch counts once. Buckets are
 * matched as unix seconds and the range bounds as toDateTime(seconds), so
 * no date text is parsed in the server's time zone; the range lets
 * ClickHouse skip the months not involved.
 */
function eventsOf(city: string, buckets: readonly number[], extra: SqlFragment): SqlFragment {
  const from = Math.min(...buckets);
  const to = Math.max(...buckets) + BUCKET_SECONDS;
  return sql`FROM ${sqlIdentifier(BUSINESS_EVENTS_TABLE)} FINAL
    WHERE city = ${city} AND side = 'bpp'${extra}
      AND occurred_at >= toDateTime(${from}) AND occurred_at < toDateTime(${to})
      AND toUInt32(toStartOfFifteenMinutes(occurred_at)) IN (${[...buckets]})`;
}

/**
 * One INSERT ... SELECT recomputing every business_cell_15m row of `city` in
 * `buckets` from business_events. Rows of the same (city, bucket, cell,
 * variant) replace older ones by `computedAtMs` (ReplacingMergeTree version),
 * so running it again, after a replay or from another sink, leaves the same
 * answer. Definitions:
 * - searches, estimates, bookings, completed_rides, assignments: counts of
 *   search.requested, estimates.offered, booking.confirmed, ride.ended, driver.assigned;
 * - cancelled_by_rider / _driver / _other: ride.cancelled by its cancelled_by;
 * - median_time_to_assign_ms: the median of driver.assigned time_to_assign_ms
 *   (mean of the two middle values for an even count; 0 when none);
 * - supply_idle / supply_online: the cell's summed supply.snapshot counts
 *   divided by the distinct snapshot runs (subject_id) of the city in the bucket;
 * - fare_total_minor: the sum of ride.ended fares in minor units.
 */
export function recomputeCellsSql(city: string, buckets: readonly number[], computedAtMs: number): SqlFragment {
  if (buckets.length === 0) throw new RangeError('no bucket to recompute');
  return sql`INSERT INTO ${sqlIdentifier(CELL_AGGREGATES_TABLE)}
    (city, bucket, cell, variant, searches, estimates, bookings, completed_rides, cancelled_by_rider, cancelled_by_driver,
     cancelled_other, assignments, median_time_to_assign_ms, supply_idle, supply_online, fare_total_minor, computed_at_ms)
  SELECT city, bucket, cell, variant, searches, estimates, bookings, completed_rides, cancelled_by_rider, cancelled_by_driver,
    cancelled_other, assignments, median_time_to_assign_ms,
    if(runs = 0, 0, idle_total / runs), if(runs = 0, 0, online_total / runs), fare_total_minor, toUInt64(${computedAtMs})
  FROM (
    SELECT city, toStartOfFifteenMinutes(occurred_at) AS bucket, cell, variant,
      countIf(event_type = 'search.requested') AS searches,
      countIf(event_type = 'estimates.offered') AS estimates,
      countIf(event_type = 'booking.confirmed') AS bookings,
      countIf(event_type = 'ride.ended') AS completed_rides,
      countIf(event_type = 'ride.cancelled' AND actor = 'RIDER') AS cancelled_by_rider,
      countIf(event_type = 'ride.cancelled' AND actor = 'DRIVER') AS cancelled_by_driver,
      countIf(event_type = 'ride.cancelled' AND actor NOT IN ('RIDER', 'DRIVER')) AS cancelled_other,
      countIf(event_type = 'driver.assigned') AS assignments,
      arraySort(groupArrayIf(time_to_assign_ms, event_type = 'driver.assigned')) AS assign_times,
      toFloat64(if(assignments = 0, 0,
        (assign_times[greatest(toUInt64(1), intDiv(assignments + 1, 2))] + assign_times[greatest(toUInt64(1), intDiv(assignments + 2, 2))]) / 2
      )) AS median_time_to_assign_ms,
      sumIf(supply_idle, event_type = 'supply.snapshot') AS idle_total,
      sumIf(supply_online, event_type = 'supply.snapshot') AS online_total,
      sumIf(amount_minor, event_type = 'ride.ended') AS fare_total_minor
    ${eventsOf(city, buckets, sql``)}
    GROUP BY city, bucket, cell, variant
  ) ANY LEFT JOIN (
    SELECT city, toStartOfFifteenMinutes(occurred_at) AS bucket, uniqExact(subject_id) AS runs
    ${eventsOf(city, buckets, sql` AND event_type = 'supply.snapshot'`)}
    GROUP BY city, bucket
  ) USING (city, bucket)`;
}

/** Recomputes the aggregate rows of every (city, bucket) in `touched`, one statement per city. */
export async function recomputeCells(clickhouse: ClickHouseClient, touched: Map<string, number[]>, nextVersion: () => number): Promise<void> {
  for (const [city, buckets] of touched) {
    await clickhouse.command({ query: recomputeCellsSql(city, buckets, nextVersion()).text });
  }
}
