import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { analyticsRoutes, createClickHouseAnalyticsStore, createFileAnalyticsStore, type AnalyticsStore } from '../../src/analytics/index.js';
import { drain, errorHandler, jsonBody, listen, mountRoutes, requireJsonBody, unknownRoute, type RouteSpec } from '../../src/infra/http/index.js';
import { buildOpenApiDocument } from '../../src/infra/openapi/index.js';
import { SchemaRegistry } from '../../src/infra/validation/index.js';
import { analyticsClickHouse, at, BLR, cells, fixtureEvents, quiet, T0, type AnalyticsClickHouse } from './analytics-fixtures.js';

interface Api {
  get(path: string, token?: string | null): Promise<Response>;
  routes: RouteSpec[];
  close(): Promise<void>;
}

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
/** The API's clock: just after the fixture's second bucket, so the defaults (the last 24 hours) cover it. */
const now = new Date(T0 + 29 * 60_000);

/** The analytics routes over real HTTP on a free port, through the service's edge pieces. */
async function startApi(store: AnalyticsStore): Promise<Api> {
  const routes = analyticsRoutes({ store, adminToken, clock: () => now });
  const app = express();
  app.use(requireJsonBody);
  app.use(jsonBody(1024 * 1024));
  mountRoutes(app, routes, { body: new SchemaRegistry(), query: new SchemaRegistry({ coerceTypes: true }) });
  app.use(unknownRoute(routes));
  app.use(errorHandler(quiet));
  const { server, port } = await listen(app, 0, '127.0.0.1');
  return {
    routes,
    get: (path, token = adminToken) =>
      fetch(`http://127.0.0.1:${port}${path}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } }),
    close: async () => {
      await drain(server, 5_000);
    },
  };
}

const city = encodeURIComponent(BLR);

function apiSuite(name: string, open: () => Promise<{ store: AnalyticsStore; close(): Promise<void> }>) {
  describe(`analytics API over HTTP: ${name}`, function () {
    this.timeout(60_000);
    let api: Api;
    let backing: { close(): Promise<void> };

    before(async () => {
      const opened = await open();
      backing = opened;
      api = await startApi(opened.store);
    });

    after(async () => {
      await api?.close();
      await backing?.close();
    });

    it('refuses a request without the admin token, or with another, before reading its input', async () => {
      for (const token of [null, 'not-the-admin-token']) {
        const response = await api.get('/provider/analytics/summary?city=nowhere', token);
        assert.equal(response.status, 401);
        assert.match(response.headers.get('content-type') ?? '', /application\/json/);
        assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
      }
    });

    it('answers the summary of the last 24 hours by default', async () => {
      const response = await api.get(`/provider/analytics/summary?city=${city}`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const summary = (await response.json()) as Record<string, any>;
      assert.equal(summary.from, new Date(T0 + 15 * 60_000 - 24 * 3_600_000).toISOString());
      assert.equal(summary.to, at(30));
      assert.equal(summary.totals.searches, 6);
      assert.deepEqual(summary.totals.fare_total, { value: '422.50', currency: 'INR' });
      assert.equal(summary.median_time_to_assign_ms, 50_000);
    });

    it('widens from and to to whole 15-minute buckets', async () => {
      const response = await api.get(`/provider/analytics/summary?city=${city}&from=${at(7)}&to=${at(16)}`);
      const summary = (await response.json()) as Record<string, any>;
      assert.deepEqual([summary.from, summary.to, summary.totals.searches], [at(0), at(30), 6]);
    });

    it('answers a time series, one hour a point unless asked', async () => {
      const hourly = (await (await api.get(`/provider/analytics/timeseries?metric=searches&city=${city}&from=${at(0)}&to=${at(90)}`)).json()) as Record<string, any>;
      assert.equal(hourly.bucket, '1h');
      assert.deepEqual(hourly.points, [{ t: at(0), value: 6 }, { t: at(60), value: 0 }]);
      const quarters = (await (await api.get(`/provider/analytics/timeseries?metric=median_time_to_assign_ms&bucket=15m&city=${city}&from=${at(0)}&to=${at(30)}`)).json()) as Record<string, any>;
      assert.deepEqual(quarters.points, [{ t: at(0), value: 40_000 }, { t: at(15), value: 70_000 }]);
    });

    it('answers a heatmap of the window ending at `at` as GeoJSON', async () => {
      const response = await api.get(`/provider/analytics/heatmap?metric=searches&city=${city}&at=${at(29)}&window=30`);
      assert.equal(response.status, 200);
      const heatmap = (await response.json()) as Record<string, any>;
      assert.deepEqual([heatmap.type, heatmap.from, heatmap.to], ['FeatureCollection', at(0), at(30)]);
      const values = Object.fromEntries(heatmap.features.map((f: any) => [f.properties.cell, f.properties.value]));
      assert.deepEqual(values, { [cells.a1]: 4, [cells.a2]: 2 });
      assert.equal(heatmap.features[0].geometry.type, 'Polygon');
      assert.equal(heatmap.features[0].geometry.coordinates[0].length, 5);
      // 60 minutes ending at now (10:29, ceiled to 10:30) unless asked
      const byDefault = (await (await api.get(`/provider/analytics/heatmap?metric=searches&city=${city}`)).json()) as Record<string, any>;
      assert.deepEqual([byDefault.from, byDefault.to], [at(-30), at(30)]);
    });

    it('refuses bad input with 400 and says what is wrong', async () => {
      const refused: [string, RegExp][] = [
        ['/provider/analytics/summary', /city/],
        ['/provider/analytics/summary?city=Bengaluru', /city/],
        [`/provider/analytics/summary?city=${city}&from=yesterday`, /from/],
        [`/provider/analytics/summary?city=${city}&from=${at(30)}&to=${at(0)}`, /must be after from/],
        [`/provider/analytics/summary?city=${city}&from=2031-01-01T00:00:00Z&to=2031-03-01T00:00:00Z`, /at most 31 days/],
        [`/provider/analytics/summary?city=${city}&extra=1`, /unknown property extra/],
        [`/provider/analytics/timeseries?metric=revenue&city=${city}`, /metric/],
        [`/provider/analytics/timeseries?metric=searches&bucket=5m&city=${city}`, /bucket/],
        [`/provider/analytics/timeseries?metric=searches&bucket=15m&city=${city}&from=2031-02-01T00:00:00Z&to=2031-03-01T00:00:00Z`, /at most 2000/],
        [`/provider/analytics/heatmap?metric=searches&city=${city}&window=20`, /window/],
        [`/provider/analytics/heatmap?metric=searches&city=${city}&window=2880`, /window/],
        [`/provider/analytics/heatmap?metric=searches&city=${city}&at=2200-01-01T00:00:00Z`, /at/],
      ];
      for (const [path, message] of refused) {
        const response = await api.get(path);
        assert.equal(response.status, 400, path);
        const body = (await response.json()) as { error: { code: string; message: string; details?: unknown } };
        assert.equal(body.error.code, 'VALIDATION_FAILED', path);
        assert.match(`${body.error.message} ${JSON.stringify(body.error.details ?? '')}`, message, path);
      }
    });

    it('is documented in the OpenAPI document with its parameters, answers and the admin token', () => {
      const document = buildOpenApiDocument(api.routes, 'test');
      const timeseries = document.paths['/provider/analytics/timeseries']?.get as Record<string, any>;
      assert.deepEqual(timeseries.security, [{ adminToken: [] }]);
      assert.deepEqual(timeseries.parameters.map((p: { name: string }) => p.name), ['metric', 'bucket', 'city', 'from', 'to']);
      assert.ok(document.components.schemas['analytics-summary']);
      assert.ok(document.components.schemas['analytics-heatmap']);
      assert.ok(document.paths['/provider/analytics/heatmap']?.get);
    });
  });
}

apiSuite('event file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'beckn-ride-test-analytics-api-'));
  const path = join(dir, 'business-events.jsonl');
  await writeFile(path, fixtureEvents().map((event) => `${JSON.stringify(event)}\n`).join(''));
  return { store: createFileAnalyticsStore(path, { logger: quiet }), close: () => rm(dir, { recursive: true, force: true }) };
});

apiSuite('ClickHouse', async () => {
  const clickhouse: AnalyticsClickHouse = await analyticsClickHouse('analytics_api');
  await clickhouse.insert(fixtureEvents());
  return { store: createClickHouseAnalyticsStore(clickhouse.client), close: clickhouse.drop };
});
