import type { Logger } from '../infra/logging/logger.js';
import {
  emptyTally,
  heatmapAnswer,
  medianOfSorted,
  summaryAnswer,
  timeseriesAnswer,
  type AnalyticsFacts,
  type GroupFacts,
  type Grouping,
  type MoneyFacts,
  type Tally,
} from './analytics-answers.js';
import type { AnalyticsRange, AnalyticsStore } from './analytics-store.js';
import { createEventFileReader, type EventFact } from './event-file-reader.js';
import { floorTo, QUARTER_MS } from './time-buckets.js';

const counted: Partial<Record<string, (tally: Tally, fact: EventFact) => void>> = {
  'search.requested': (t) => void (t.searches += 1),
  'estimates.offered': (t) => void (t.estimates += 1),
  'booking.confirmed': (t) => void (t.bookings += 1),
  'driver.assigned': (t) => void (t.assignments += 1),
  'ride.ended': (t, fact) => {
    t.completed_rides += 1;
    t.fare_total_minor += fact.fareMinor ?? 0n;
  },
  'ride.cancelled': (t, fact) => {
    if (fact.actor === 'RIDER') t.cancelled_by_rider += 1;
    else if (fact.actor === 'DRIVER') t.cancelled_by_driver += 1;
    else t.cancelled_other += 1;
  },
};

function keyOf(fact: EventFact, grouping: Grouping): string | null {
  if (grouping.kind === 'all') return '';
  if (grouping.kind === 'cell') return fact.cell;
  return String(floorTo(fact.ms, grouping.sizeMs));
}

/**
 * The analytics store of the embedded profile, over the JSON-lines file of
 * business events the relay appends to. It answers with the same
 * definitions as the ClickHouse store, computed in memory from the events
 * of the asked city.
 */
export function createFileAnalyticsStore(path: string, options: { logger?: Logger } = {}): AnalyticsStore {
  const reader = createEventFileReader(path, options);
  const within = (range: AnalyticsRange) => (fact: EventFact) => fact.ms >= range.from.getTime() && fact.ms < range.to.getTime();

  const facts: AnalyticsFacts = {
    async groups(city, range, grouping) {
      const events = (await reader.eventsOf(city)).filter(within(range)).filter((fact) => fact.side === 'bpp');
      const groups = new Map<string, GroupFacts>();
      const assignTimes = new Map<string, number[]>();
      const group = (key: string) => {
        let found = groups.get(key);
        if (found === undefined) groups.set(key, (found = { tally: emptyTally(), supplyBuckets: 0, medianTimeToAssignMs: null }));
        return found;
      };

      // Supply: each group's idle and online drivers per 15-minute bucket, and the city's runs per bucket.
      const runs = new Map<number, Set<string>>();
      const supply = new Map<string, Map<number, { idle: number; online: number }>>();
      for (const fact of events) {
        const key = keyOf(fact, grouping);
        if (fact.type === 'supply.snapshot') {
          const quarter = floorTo(fact.ms, QUARTER_MS);
          let quarterRuns = runs.get(quarter);
          if (quarterRuns === undefined) runs.set(quarter, (quarterRuns = new Set()));
          quarterRuns.add(fact.subject);
          if (key === null) continue;
          let byQuarter = supply.get(key);
          if (byQuarter === undefined) supply.set(key, (byQuarter = new Map()));
          const drivers = byQuarter.get(quarter) ?? { idle: 0, online: 0 };
          drivers.idle += fact.idle;
          drivers.online += fact.online;
          byQuarter.set(quarter, drivers);
          continue;
        }
        const add = counted[fact.type];
        if (key === null || add === undefined) continue;
        add(group(key).tally, fact);
        if (fact.assignMs !== null) {
          let times = assignTimes.get(key);
          if (times === undefined) assignTimes.set(key, (times = []));
          times.push(fact.assignMs);
        }
      }
      for (const [key, byQuarter] of supply) {
        const tally = group(key).tally;
        for (const [quarter, drivers] of byQuarter) {
          const cityRuns = runs.get(quarter)?.size ?? 1;
          tally.supply_idle += drivers.idle / cityRuns;
          tally.supply_online += drivers.online / cityRuns;
        }
      }
      // The buckets with a run: per time bucket, or the city's in the range for the range and for cells.
      const quartersWithRuns = [...runs.keys()];
      if (grouping.kind === 'time') {
        for (const quarter of quartersWithRuns) group(String(floorTo(quarter, grouping.sizeMs))).supplyBuckets += 1;
      } else {
        if (grouping.kind === 'all' && quartersWithRuns.length > 0) group('');
        for (const found of groups.values()) found.supplyBuckets = quartersWithRuns.length;
      }
      for (const [key, times] of assignTimes) group(key).medianTimeToAssignMs = medianOfSorted(times.sort((a, b) => a - b));
      return groups;
    },

    async money(city, range): Promise<MoneyFacts> {
      const money: MoneyFacts = { fares: [], paymentsCharged: 0, refunds: 0, payoutsSettled: 0, ratings: 0 };
      for (const fact of (await reader.eventsOf(city)).filter(within(range))) {
        if (fact.type === 'payment.charged') money.paymentsCharged += 1;
        else if (fact.type === 'payment.refunded') money.refunds += 1;
        else if (fact.type === 'payout.settled') money.payoutsSettled += 1;
        else if (fact.type === 'rating.given') money.ratings += 1;
        else if (fact.type === 'ride.ended' && fact.side === 'bpp' && fact.currency !== null) {
          let fares = money.fares.find((entry) => entry.currency === fact.currency);
          if (fares === undefined) money.fares.push((fares = { currency: fact.currency, rides: 0, minor: 0n }));
          fares.rides += 1;
          fares.minor += fact.fareMinor ?? 0n;
        }
      }
      return money;
    },
  };

  return {
    summary: (query) => summaryAnswer(facts, query),
    timeseries: (query) => timeseriesAnswer(facts, query),
    heatmap: (query) => heatmapAnswer(facts, query),
  };
}
