import { cellPolygon } from '../infra/geo/index.js';
import type { AnalyticsRange, HeatmapQuery, SummaryQuery, TimeseriesQuery } from './analytics-store.js';
import type { AnalyticsHeatmap, AnalyticsMetric, AnalyticsSummary, AnalyticsTimeseries } from './analytics-types.js';
import { decimalText, majorNumber } from './money-text.js';
import { bucketMs, QUARTER_MS } from './time-buckets.js';

/**
 * The definitions both analytics adapters share. An adapter only adds up
 * facts (provider-side events, grouped one way); everything an answer says
 * is derived from those facts here, so ClickHouse and the event file cannot
 * disagree on what a metric means.
 *
 * - Demand and supply count provider-side (side = 'bpp') events only.
 * - A cancellation is by_rider (RIDER), by_driver (DRIVER) or other (OPERATOR, SYSTEM).
 * - Supply: a snapshot run covers the whole city; a bucket's average idle
 *   (online) drivers is the idle (online) drivers of all its runs divided by
 *   its number of runs. A group's average is the sum of its buckets' averages
 *   divided by the number of its 15-minute buckets that had a run; a cell's
 *   share of a bucket's average is its drivers over the city's runs, so the
 *   cells of a heatmap add up to the city.
 * - Medians of time_to_assign_ms come from driver.assigned events: the middle
 *   value, or the mean of the two middle ones.
 * - Payments, refunds, payouts and ratings count events of either side.
 */

/** Provider-side counts and sums of one group (the range, a time bucket or a cell). */
export interface Tally {
  searches: number;
  estimates: number;
  bookings: number;
  completed_rides: number;
  cancelled_by_rider: number;
  cancelled_by_driver: number;
  cancelled_other: number;
  assignments: number;
  /** Fares of ended rides in minor units. */
  fare_total_minor: bigint;
  /** Sum over the group's buckets of each bucket's average idle (online) drivers. */
  supply_idle: number;
  supply_online: number;
}

export interface GroupFacts {
  tally: Tally;
  /** 15-minute buckets with at least one supply snapshot run: the group's own for time buckets, the city's for cells. */
  supplyBuckets: number;
  medianTimeToAssignMs: number | null;
}

/** What money and feedback events add up to over a range. */
export interface MoneyFacts {
  /** Ended rides (provider side) per currency. */
  fares: { currency: string; rides: number; minor: bigint }[];
  paymentsCharged: number;
  refunds: number;
  payoutsSettled: number;
  ratings: number;
}

/** How facts are grouped: all in one (''), by time bucket (the key is the bucket start in ms, as text), by cell. */
export type Grouping = { kind: 'all' } | { kind: 'time'; sizeMs: number } | { kind: 'cell' };

/** What each adapter provides: facts over a range of whole 15-minute buckets. */
export interface AnalyticsFacts {
  groups(city: string, range: AnalyticsRange, grouping: Grouping): Promise<Map<string, GroupFacts>>;
  money(city: string, range: AnalyticsRange): Promise<MoneyFacts>;
}

export function emptyTally(): Tally {
  return {
    searches: 0,
    estimates: 0,
    bookings: 0,
    completed_rides: 0,
    cancelled_by_rider: 0,
    cancelled_by_driver: 0,
    cancelled_other: 0,
    assignments: 0,
    fare_total_minor: 0n,
    supply_idle: 0,
    supply_online: 0,
  };
}

const emptyGroup = (supplyBuckets: number): GroupFacts => ({ tally: emptyTally(), supplyBuckets, medianTimeToAssignMs: null });

/** The middle of an ascending list, or the mean of its two middle values; null when empty. */
export function medianOfSorted(sorted: readonly number[]): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  return ((sorted[Math.floor((n - 1) / 2)] as number) + (sorted[Math.floor(n / 2)] as number)) / 2;
}

/** Rates and averages to 4 decimals: both adapters add floats in different orders. */
const round = (value: number) => Math.round(value * 10_000) / 10_000;
const ratio = (numerator: number, denominator: number) => (denominator === 0 ? null : round(numerator / denominator));

const cancellations = (t: Tally) => t.cancelled_by_rider + t.cancelled_by_driver + t.cancelled_other;

/** The currency of a city's fares: the one most rides used, ties broken by name. */
export function fareCurrency(money: MoneyFacts): { currency: string; rides: number; minor: bigint } | null {
  const sorted = [...money.fares].sort((a, b) => b.rides - a.rides || (a.currency < b.currency ? -1 : 1));
  return sorted[0] ?? null;
}

/**
 * One metric of a group; `quarters` is how many 15-minute buckets the group
 * spans (demand per 15 minutes for demand_supply_ratio).
 */
export function metricValue(metric: AnalyticsMetric, group: GroupFacts, quarters: number, currency: string | null): number | null {
  const t = group.tally;
  const idle = group.supplyBuckets === 0 ? null : t.supply_idle / group.supplyBuckets;
  switch (metric) {
    case 'searches':
    case 'estimates':
    case 'bookings':
    case 'completed_rides':
      return t[metric];
    case 'cancellations':
      return cancellations(t);
    case 'cancellations_by_rider':
      return t.cancelled_by_rider;
    case 'cancellations_by_driver':
      return t.cancelled_by_driver;
    case 'conversion':
      return ratio(t.bookings, t.searches);
    case 'median_time_to_assign_ms':
      return group.medianTimeToAssignMs;
    case 'supply_idle':
      return idle === null ? null : round(idle);
    case 'supply_online':
      return group.supplyBuckets === 0 ? null : round(t.supply_online / group.supplyBuckets);
    case 'demand_supply_ratio':
      return idle === null || idle === 0 ? null : round(t.searches / quarters / idle);
    case 'fare_total':
      return majorNumber(t.fare_total_minor, currency);
  }
}

const quartersOf = (range: AnalyticsRange) => (range.to.getTime() - range.from.getTime()) / QUARTER_MS;

export async function summaryAnswer(facts: AnalyticsFacts, query: SummaryQuery): Promise<AnalyticsSummary> {
  const [groups, money] = await Promise.all([facts.groups(query.city, query, { kind: 'all' }), facts.money(query.city, query)]);
  const group = groups.get('') ?? emptyGroup(0);
  const t = group.tally;
  const fares = fareCurrency(money);
  const quarters = quartersOf(query);
  return {
    city: query.city,
    from: query.from.toISOString(),
    to: query.to.toISOString(),
    totals: {
      searches: t.searches,
      estimates: t.estimates,
      bookings: t.bookings,
      completed_rides: t.completed_rides,
      cancellations: { by_rider: t.cancelled_by_rider, by_driver: t.cancelled_by_driver, other: t.cancelled_other },
      fare_total: fares === null ? { value: '0', currency: null } : { value: decimalText(fares.minor, fares.currency), currency: fares.currency },
      payments_charged: money.paymentsCharged,
      refunds: money.refunds,
      payouts_settled: money.payoutsSettled,
      ratings: money.ratings,
    },
    rates: {
      conversion: ratio(t.bookings, t.searches),
      cancellation_rate: ratio(cancellations(t), t.bookings),
      completion_rate: ratio(t.completed_rides, t.bookings),
    },
    median_time_to_assign_ms: group.medianTimeToAssignMs,
    supply: {
      avg_idle_drivers: metricValue('supply_idle', group, quarters, null),
      avg_online_drivers: metricValue('supply_online', group, quarters, null),
    },
    demand_supply_ratio: metricValue('demand_supply_ratio', group, quarters, null),
  };
}

async function currencyFor(facts: AnalyticsFacts, query: { metric: AnalyticsMetric; city: string } & AnalyticsRange) {
  if (query.metric !== 'fare_total') return {};
  return { currency: fareCurrency(await facts.money(query.city, query))?.currency ?? null };
}

export async function timeseriesAnswer(facts: AnalyticsFacts, query: TimeseriesQuery): Promise<AnalyticsTimeseries> {
  const sizeMs = bucketMs[query.bucket];
  const [groups, money] = await Promise.all([facts.groups(query.city, query, { kind: 'time', sizeMs }), currencyFor(facts, query)]);
  const points: AnalyticsTimeseries['points'] = [];
  for (let t = query.from.getTime(); t < query.to.getTime(); t += sizeMs) {
    points.push({ t: new Date(t).toISOString(), value: metricValue(query.metric, groups.get(String(t)) ?? emptyGroup(0), sizeMs / QUARTER_MS, money.currency ?? null) });
  }
  return { metric: query.metric, bucket: query.bucket, city: query.city, from: query.from.toISOString(), to: query.to.toISOString(), ...money, points };
}

const hasActivity = (t: Tally) =>
  t.searches + t.estimates + t.bookings + t.completed_rides + cancellations(t) + t.assignments > 0 ||
  t.fare_total_minor !== 0n ||
  t.supply_idle > 0 ||
  t.supply_online > 0;

/** Cells with provider-side activity in the window, as GeoJSON polygons, sorted by cell. */
export async function heatmapAnswer(facts: AnalyticsFacts, query: HeatmapQuery): Promise<AnalyticsHeatmap> {
  const [groups, money] = await Promise.all([facts.groups(query.city, query, { kind: 'cell' }), currencyFor(facts, query)]);
  const quarters = quartersOf(query);
  const features: AnalyticsHeatmap['features'] = [];
  for (const cell of [...groups.keys()].sort()) {
    const group = groups.get(cell) as GroupFacts;
    const ring = cellPolygon(cell);
    if (ring === null || !hasActivity(group.tally)) continue;
    features.push({
      type: 'Feature',
      id: cell,
      geometry: { type: 'Polygon', coordinates: [ring] },
      properties: { cell, value: metricValue(query.metric, group, quarters, money.currency ?? null) },
    });
  }
  return { type: 'FeatureCollection', metric: query.metric, city: query.city, from: query.from.toISOString(), to: query.to.toISOString(), ...money, features };
}
