import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ANALYTICS_BUCKETS,
  ANALYTICS_METRICS,
  createClickHouseAnalyticsStore,
  createFileAnalyticsStore,
  type AnalyticsStore,
} from '../../src/analytics/index.js';
import type { BusinessEvent } from '../../src/events/index.js';
import { analyticsClickHouse, at, BLR, businessEvent, cells, fixtureEvents, quiet, T0, type AnalyticsClickHouse } from './analytics-fixtures.js';
import { analyticsStoreContract } from './analytics-store.contract.js';

const lines = (events: readonly BusinessEvent[]) => events.map((event) => `${JSON.stringify(event)}\n`).join('');

async function eventFile(): Promise<{ dir: string; path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'beckn-ride-test-analytics-'));
  return { dir, path: join(dir, 'business-events.jsonl') };
}

analyticsStoreContract('business events file (embedded profile)', async () => {
  const { dir, path } = await eventFile();
  return {
    store: createFileAnalyticsStore(path, { logger: quiet }),
    insert: (events) => appendFile(path, lines(events)),
    close: () => rm(dir, { recursive: true, force: true }),
  };
});

analyticsStoreContract('ClickHouse business_events and business_cell_15m (full profile)', async () => {
  const clickhouse = await analyticsClickHouse('analytics_store');
  return { store: createClickHouseAnalyticsStore(clickhouse.client), insert: clickhouse.insert, close: clickhouse.drop };
});

describe('both analytics adapters give the same answers', function () {
  this.timeout(60_000);
  let dir: string;
  let clickhouse: AnalyticsClickHouse;
  let file: AnalyticsStore;
  let ch: AnalyticsStore;

  before(async () => {
    const created = await eventFile();
    dir = created.dir;
    await writeFile(created.path, lines(fixtureEvents()));
    file = createFileAnalyticsStore(created.path, { logger: quiet });
    clickhouse = await analyticsClickHouse('analytics_same');
    await clickhouse.insert(fixtureEvents());
    ch = createClickHouseAnalyticsStore(clickhouse.client);
  });

  after(async () => {
    await clickhouse?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('for every metric, bucket and city', async () => {
    const from = new Date(Date.UTC(2031, 2, 10));
    const to = new Date(Date.UTC(2031, 2, 11));
    for (const city of [BLR, 'std:011', 'std:044']) {
      assert.deepEqual(await ch.summary({ city, from, to }), await file.summary({ city, from, to }), city);
      for (const metric of ANALYTICS_METRICS) {
        for (const bucket of ANALYTICS_BUCKETS) {
          assert.deepEqual(await ch.timeseries({ city, metric, bucket, from, to }), await file.timeseries({ city, metric, bucket, from, to }), `${city} ${metric} ${bucket}`);
        }
        const window = { from: new Date(T0), to: new Date(T0 + 30 * 60_000) };
        assert.deepEqual(await ch.heatmap({ city, metric, ...window }), await file.heatmap({ city, metric, ...window }), `${city} ${metric} heatmap`);
      }
    }
  });
});

describe('file analytics store: following the relay file', () => {
  let dir: string;
  let path: string;
  const window = { from: new Date(T0), to: new Date(T0 + 30 * 60_000) };
  const search = (minute: number) =>
    businessEvent('search.requested', at(minute), { cell: cells.a1, payload: { search_id: `s${minute}`, pickup: { lat: 12.97, lon: 77.59 }, drop: null, distance_m: null } });

  beforeEach(async () => {
    ({ dir, path } = await eventFile());
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file that does not exist yet as no events', async () => {
    const store = createFileAnalyticsStore(path);
    assert.equal((await store.summary({ city: BLR, ...window })).totals.searches, 0);
  });

  it('leaves a torn last line for later and counts it once the relay finishes it', async () => {
    const store = createFileAnalyticsStore(path, { logger: quiet });
    const second = JSON.stringify(search(2));
    await writeFile(path, `${JSON.stringify(search(1))}\n${second.slice(0, 20)}`);
    assert.equal((await store.summary({ city: BLR, ...window })).totals.searches, 1);
    await appendFile(path, `${second.slice(20)}\n${JSON.stringify(search(3))}\n`);
    assert.equal((await store.summary({ city: BLR, ...window })).totals.searches, 3);
  });

  it('counts a whole last event written without its newline, and not again when the newline follows', async () => {
    const store = createFileAnalyticsStore(path, { logger: quiet });
    const event = search(1);
    await writeFile(path, JSON.stringify(event));
    assert.equal((await store.summary({ city: BLR, ...window })).totals.searches, 1);
    await appendFile(path, `\n${lines([event, search(2)])}`);
    assert.equal((await store.summary({ city: BLR, ...window })).totals.searches, 2);
  });

  it('skips and reports a line that is not an event, and reads the file again when it is rewritten', async () => {
    const warnings: unknown[] = [];
    const store = createFileAnalyticsStore(path, { logger: { warn: (fields: unknown) => warnings.push(fields) } as never });
    await writeFile(path, `${JSON.stringify(search(1))}\nnot json\n${JSON.stringify(search(2))}\n`);
    assert.equal((await store.summary({ city: BLR, ...window })).totals.searches, 2);
    assert.deepEqual(warnings, [{ path, line: 2 }]);
    await writeFile(path, lines([search(4)]));
    assert.equal((await store.summary({ city: BLR, ...window })).totals.searches, 1);
  });
});
