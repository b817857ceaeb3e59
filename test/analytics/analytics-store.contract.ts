import assert from 'node:assert/strict';
import type { AnalyticsMetric, AnalyticsStore } from '../../src/analytics/index.js';
import type { BusinessEvent } from '../../src/events/index.js';
import { cellPolygon } from '../../src/infra/geo/cell.js';
import { at, BLR, cells, DEL, fixtureEvents, T0 } from './analytics-fixtures.js';

export interface AnalyticsStoreUnderTest {
  store: AnalyticsStore;
  /** Stores events the way the running service would (the relay's file, or the sink's insert and recompute). */
  insert(events: readonly BusinessEvent[]): Promise<void>;
  close(): Promise<void>;
}

const minute = 60_000;
const range = (fromMinute: number, toMinute: number) => ({ from: new Date(T0 + fromMinute * minute), to: new Date(T0 + toMinute * minute) });
const values = (points: { value: number | null }[]) => points.map((point) => point.value);

/**
 * What every AnalyticsStore adapter must answer for the fixture of
 * analytics-fixtures.ts, checked against sums worked out by hand.
 */
export function analyticsStoreContract(name: string, open: () => Promise<AnalyticsStoreUnderTest>): void {
  describe(`AnalyticsStore contract: ${name}`, function () {
    this.timeout(60_000);
    let subject: AnalyticsStoreUnderTest;
    let store: AnalyticsStore;

    before(async () => {
      subject = await open();
      store = subject.store;
      await subject.insert(fixtureEvents());
    });

    after(async () => {
      await subject?.close();
    });

    it('sums a city over two buckets: provider-side demand, each cancellation side, fares, money events of either side, a duplicate once', async () => {
      const summary = await store.summary({ city: BLR, ...range(0, 30) });
      assert.deepEqual(summary, {
        city: BLR,
        from: at(0),
        to: at(30),
        totals: {
          searches: 6, // 4 in T0 (the rider side's and the repeated one not counted) + 2 in T1
          estimates: 2,
          bookings: 5,
          completed_rides: 2,
          cancellations: { by_rider: 1, by_driver: 1, other: 1 },
          fare_total: { value: '422.50', currency: 'INR' }, // 182.50 + 240.00
          payments_charged: 1,
          refunds: 1,
          payouts_settled: 1,
          ratings: 1,
        },
        rates: { conversion: 0.8333, cancellation_rate: 0.6, completion_rate: 0.4 },
        median_time_to_assign_ms: 50_000, // of 30 s, 50 s, 70 s
        // T0: runs 1 and 2, idle (3+1+2+2)/2 = 4, online (4+2+3+2)/2 = 5.5; T1: one run, idle 1, online 3
        supply: { avg_idle_drivers: 2.5, avg_online_drivers: 4.25 },
        demand_supply_ratio: 1.2, // 3 searches per 15 minutes / 2.5 idle drivers
      });
    });

    it('keeps cities apart', async () => {
      const summary = await store.summary({ city: DEL, ...range(0, 30) });
      assert.equal(summary.totals.searches, 1);
      assert.equal(summary.totals.bookings, 0);
      assert.deepEqual(summary.totals.fare_total, { value: '100.00', currency: 'INR' });
      assert.deepEqual(summary.rates, { conversion: 0, cancellation_rate: null, completion_rate: null });
      assert.equal(summary.median_time_to_assign_ms, 10_000);
      assert.deepEqual(summary.supply, { avg_idle_drivers: 5, avg_online_drivers: 6 });
      assert.equal(summary.demand_supply_ratio, 0.1); // half a search per 15 minutes / 5 idle drivers
    });

    it('answers a range without events with zeros and nulls', async () => {
      const summary = await store.summary({ city: BLR, ...range(24 * 60, 25 * 60) });
      assert.equal(summary.totals.searches, 0);
      assert.deepEqual(summary.totals.fare_total, { value: '0', currency: null });
      assert.deepEqual(summary.rates, { conversion: null, cancellation_rate: null, completion_rate: null });
      assert.equal(summary.median_time_to_assign_ms, null);
      assert.deepEqual(summary.supply, { avg_idle_drivers: null, avg_online_drivers: null });
      assert.equal(summary.demand_supply_ratio, null);
      assert.equal((await store.heatmap({ city: BLR, metric: 'searches', ...range(24 * 60, 25 * 60) })).features.length, 0);
    });

    it('gives one point per 15 minutes, empty buckets included', async () => {
      const expected: Partial<Record<AnalyticsMetric, (number | null)[]>> = {
        searches: [4, 2, 0, 0],
        estimates: [2, 0, 0, 0],
        bookings: [2, 3, 0, 0],
        completed_rides: [1, 1, 0, 0],
        cancellations: [1, 2, 0, 0],
        cancellations_by_rider: [0, 1, 0, 0],
        cancellations_by_driver: [1, 0, 0, 0],
        conversion: [0.5, 1.5, null, null],
        median_time_to_assign_ms: [40_000, 70_000, null, null],
        supply_idle: [4, 1, null, null],
        supply_online: [5.5, 3, null, null],
        demand_supply_ratio: [1, 2, null, null],
        fare_total: [182.5, 240, 0, 0],
      };
      for (const [metric, points] of Object.entries(expected)) {
        const series = await store.timeseries({ city: BLR, metric: metric as AnalyticsMetric, bucket: '15m', ...range(0, 60) });
        assert.deepEqual(values(series.points), points, metric);
        assert.deepEqual(series.points.map((point) => point.t), [at(0), at(15), at(30), at(45)]);
      }
      const fares = await store.timeseries({ city: BLR, metric: 'fare_total', bucket: '15m', ...range(0, 60) });
      assert.equal(fares.currency, 'INR');
      assert.equal((await store.timeseries({ city: BLR, metric: 'searches', bucket: '15m', ...range(0, 60) })).currency, undefined);
    });

    it('rolls 15-minute buckets up into hours and days', async () => {
      const hour = (metric: AnalyticsMetric) => store.timeseries({ city: BLR, metric, bucket: '1h', ...range(0, 120) });
      assert.deepEqual(values((await hour('searches')).points), [6, 0]);
      assert.deepEqual(values((await hour('supply_idle')).points), [2.5, null]); // (4 + 1) / 2 buckets with a run
      assert.deepEqual(values((await hour('demand_supply_ratio')).points), [0.6, null]); // 6 / 4 quarters / 2.5
      assert.deepEqual(values((await hour('median_time_to_assign_ms')).points), [50_000, null]);
      const day = await store.timeseries({ city: BLR, metric: 'bookings', bucket: '1d', from: new Date(Date.UTC(2031, 2, 10)), to: new Date(Date.UTC(2031, 2, 12)) });
      assert.deepEqual(day.points, [
        { t: '2031-03-10T00:00:00.000Z', value: 5 },
        { t: '2031-03-11T00:00:00.000Z', value: 0 },
      ]);
    });

    it('maps each cell with activity as a GeoJSON polygon, its supply a share of the city', async () => {
      const heat = (metric: AnalyticsMetric) => store.heatmap({ city: BLR, metric, ...range(0, 30) });
      const searches = await heat('searches');
      const [first, second] = [cells.a1, cells.a2].sort() as [string, string];
      assert.equal(searches.type, 'FeatureCollection');
      assert.equal(searches.from, at(0));
      assert.equal(searches.to, at(30));
      assert.deepEqual(
        searches.features.map((feature) => feature.id),
        [first, second],
      );
      for (const feature of searches.features) {
        assert.deepEqual(feature.geometry, { type: 'Polygon', coordinates: [cellPolygon(feature.id)] });
        assert.equal(feature.properties.cell, feature.id);
      }
      const byCell = async (metric: AnalyticsMetric) =>
        Object.fromEntries((await heat(metric)).features.map((feature) => [feature.id, feature.properties.value]));
      assert.deepEqual(await byCell('searches'), { [cells.a1]: 4, [cells.a2]: 2 });
      assert.deepEqual(await byCell('cancellations'), { [cells.a1]: 1, [cells.a2]: 2 });
      assert.deepEqual(await byCell('conversion'), { [cells.a1]: 0.75, [cells.a2]: 1 });
      assert.deepEqual(await byCell('median_time_to_assign_ms'), { [cells.a1]: 50_000, [cells.a2]: 50_000 });
      // a1: (3+2)/2 in T0 + 1 in T1, over the 2 buckets with a run; a2: (1+2)/2 + 0; together the city's 2.5
      assert.deepEqual(await byCell('supply_idle'), { [cells.a1]: 1.75, [cells.a2]: 0.75 });
      assert.deepEqual(await byCell('demand_supply_ratio'), { [cells.a1]: 1.1429, [cells.a2]: 1.3333 });
      assert.deepEqual(await byCell('fare_total'), { [cells.a1]: 422.5, [cells.a2]: 0 });
      assert.equal((await heat('fare_total')).currency, 'INR');
    });

    it('limits a heatmap to its window', async () => {
      const heatmap = await store.heatmap({ city: BLR, metric: 'searches', ...range(0, 15) });
      assert.deepEqual(Object.fromEntries(heatmap.features.map((f) => [f.id, f.properties.value])), { [cells.a1]: 2, [cells.a2]: 2 });
      const delhi = await store.heatmap({ city: DEL, metric: 'supply_idle', ...range(0, 15) });
      assert.deepEqual(delhi.features.map((f) => [f.id, f.properties.value]), [[cells.b1, 5]]);
    });
  });
}
