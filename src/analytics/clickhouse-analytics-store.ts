import { sql, type ClickHouseClient, type SqlFragment } from '../infra/clickhouse/index.js';
import { heatmapAnswer, summaryAnswer, timeseriesAnswer, emptyTally, type AnalyticsFacts, type GroupFacts, type Grouping, type MoneyFacts } from './analytics-answers.js';
import type { AnalyticsRange, AnalyticsStore } from './analytics-store.js';
import { QUARTER_MS } from './time-buckets.js';

/** JSONEachRow writes 64-bit integers as text. */
type Num = number | string;

interface TallyRow {
  k: string;
  searches: Num;
  estimates: Num;
  bookings: Num;
  completed_rides: Num;
  cancelled_by_rider: Num;
  cancelled_by_driver: Num;
  cancelled_other: Num;
  assignments: Num;
  fare_total_minor: string;
  supply_idle: Num;
  supply_online: Num;
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/**
 * Keys of the three groupings, over the aggregate table (bucket), and over
 * raw events (occurred_at_ms). Bucket edges are computed on epoch seconds,
 * never with the server's time zone.
 */
function aggregateKey(grouping: Grouping): SqlFragment {
  if (grouping.kind === 'all') return sql`''`;
  if (grouping.kind === 'cell') return sql`cell`;
  const size = grouping.sizeMs / 1000;
  return sql`toString(intDiv(toUInt32(bucket), ${size}) * ${size * 1000})`;
}

function eventKey(grouping: Grouping): SqlFragment {
  if (grouping.kind === 'all') return sql`''`;
  if (grouping.kind === 'cell') return sql`cell`;
  return sql`toString(intDiv(occurred_at_ms, ${grouping.sizeMs}) * ${grouping.sizeMs})`;
}

/** Supply runs count city-wide; a cell's share divides by the city's buckets with a run. */
const supplyGrouping = (grouping: Grouping): Grouping => (grouping.kind === 'cell' ? { kind: 'all' } : grouping);

// A constant key makes ClickHouse 18.16 answer an empty input with one row of defaults; HAVING count() > 0 drops it.
const cellFilter = (grouping: Grouping) => (grouping.kind === 'cell' ? sql`AND cell != ''` : sql``);

/**
 * The analytics store over ClickHouse: counts, supply and fares from
 * `business_cell_15m` (one row per city, 15-minute bucket, cell and variant,
 * read with FINAL since a recompute replaces rows), medians, supply runs
 * and money from `business_events` (FINAL collapses events the sink wrote
 * twice). SQL runs on ClickHouse 18.16 and current releases: no query
 * parameters, every value an escaped literal.
 */
export function createClickHouseAnalyticsStore(client: ClickHouseClient): AnalyticsStore {
  const rows = async <T>(query: SqlFragment): Promise<T[]> => {
    const result = await client.query({ query: query.text, format: 'JSONEachRow' });
    return result.json<T>();
  };
  const providerEvents = (city: string, range: AnalyticsRange, type: string) =>
    sql`FROM business_events FINAL
        WHERE city = ${city} AND event_type = ${type} AND side = 'bpp'
          AND occurred_at_ms >= ${range.from.getTime()} AND occurred_at_ms < ${range.to.getTime()}`;

  const facts: AnalyticsFacts = {
    async groups(city, range, grouping) {
      const [tallies, supply, medians] = await Promise.all([
        rows<TallyRow>(sql`
          SELECT ${aggregateKey(grouping)} AS k,
                 sum(searches) AS searches, sum(estimates) AS estimates, sum(bookings) AS bookings,
                 sum(completed_rides) AS completed_rides, sum(cancelled_by_rider) AS cancelled_by_rider,
                 sum(cancelled_by_driver) AS cancelled_by_driver, sum(cancelled_other) AS cancelled_other,
                 sum(assignments) AS assignments, toString(sum(fare_total_minor)) AS fare_total_minor,
                 sum(supply_idle) AS supply_idle, sum(supply_online) AS supply_online
            FROM business_cell_15m FINAL
           WHERE city = ${city} AND bucket >= toDateTime(${seconds(range.from)}) AND bucket < toDateTime(${seconds(range.to)}) ${cellFilter(grouping)}
           GROUP BY k HAVING count() > 0`),
        rows<{ k: string; n: Num }>(sql`
          SELECT ${eventKey(supplyGrouping(grouping))} AS k, uniqExact(intDiv(occurred_at_ms, ${QUARTER_MS})) AS n
          ${providerEvents(city, range, 'supply.snapshot')}
           GROUP BY k HAVING count() > 0`),
        // The exact median: the middle of the sorted values, or the mean of the two middle ones (arrays count from 1).
        rows<{ k: string; median: number }>(sql`
          SELECT k, (s[intDiv(length(s) + 1, 2)] + s[intDiv(length(s) + 2, 2)]) / 2 AS median
            FROM (SELECT ${eventKey(grouping)} AS k, arraySort(groupArray(time_to_assign_ms)) AS s
                  ${providerEvents(city, range, 'driver.assigned')} ${cellFilter(grouping)}
                  GROUP BY k HAVING count() > 0)`),
      ]);
      const supplyBuckets = new Map(supply.map((row) => [row.k, Number(row.n)]));
      const groups = new Map<string, GroupFacts>();
      const group = (key: string) => {
        let found = groups.get(key);
        if (found === undefined) {
          found = { tally: emptyTally(), supplyBuckets: supplyBuckets.get(grouping.kind === 'cell' ? '' : key) ?? 0, medianTimeToAssignMs: null };
          groups.set(key, found);
        }
        return found;
      };
      for (const row of tallies) {
        group(row.k).tally = {
          searches: Number(row.searches),
          estimates: Number(row.estimates),
          bookings: Number(row.bookings),
          completed_rides: Number(row.completed_rides),
          cancelled_by_rider: Number(row.cancelled_by_rider),
          cancelled_by_driver: Number(row.cancelled_by_driver),
          cancelled_other: Number(row.cancelled_other),
          assignments: Number(row.assignments),
          fare_total_minor: BigInt(row.fare_total_minor),
          supply_idle: Number(row.supply_idle),
          supply_online: Number(row.supply_online),
        };
      }
      for (const row of medians) group(row.k).medianTimeToAssignMs = Number(row.median);
      if (grouping.kind !== 'cell') for (const key of supplyBuckets.keys()) group(key);
      return groups;
    },

    async money(city, range): Promise<MoneyFacts> {
      const totals = await rows<{ event_type: string; currency: string; n: Num; minor: string }>(sql`
        SELECT event_type, currency, count() AS n, toString(sum(amount_minor)) AS minor
          FROM business_events FINAL
         WHERE city = ${city} AND occurred_at_ms >= ${range.from.getTime()} AND occurred_at_ms < ${range.to.getTime()}
           AND (event_type IN ('payment.charged', 'payment.refunded', 'payout.settled', 'rating.given')
                OR (event_type = 'ride.ended' AND side = 'bpp'))
         GROUP BY event_type, currency`);
      const count = (type: string) => totals.filter((row) => row.event_type === type).reduce((sum, row) => sum + Number(row.n), 0);
      return {
        fares: totals
          .filter((row) => row.event_type === 'ride.ended' && row.currency !== '')
          .map((row) => ({ currency: row.currency, rides: Number(row.n), minor: BigInt(row.minor) })),
        paymentsCharged: count('payment.charged'),
        refunds: count('payment.refunded'),
        payoutsSettled: count('payout.settled'),
        ratings: count('rating.given'),
      };
    },
  };

  return {
    summary: (query) => summaryAnswer(facts, query),
    timeseries: (query) => timeseriesAnswer(facts, query),
    heatmap: (query) => heatmapAnswer(facts, query),
  };
}
