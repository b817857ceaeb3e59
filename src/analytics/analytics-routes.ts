import { AppError, requireBearer, type RouteSpec } from '../infra/http/index.js';
import type { AnalyticsRange, AnalyticsStore } from './analytics-store.js';
import {
  heatmapQuerySchema,
  heatmapSchema,
  summaryQuerySchema,
  summarySchema,
  timeseriesQuerySchema,
  timeseriesSchema,
} from './analytics-schemas.js';
import type { AnalyticsBucket, AnalyticsMetric } from './analytics-types.js';
import { bucketMs, ceilTo, floorTo, QUARTER_MS } from './time-buckets.js';

export interface AnalyticsRoutesOptions {
  store: AnalyticsStore;
  /** config.secrets.adminToken */
  adminToken: string;
  clock?: () => Date;
}

const tag = 'Provider analytics';
const security = 'adminToken';
const dayMs = 24 * 60 * 60_000;
export const maxRangeMs = 31 * dayMs;
export const maxPoints = 2_000;
const defaultWindowMinutes = 60;
// DateTime on ClickHouse 18.16 ends in 2106; nothing beckn-ride records is outside these bounds.
const latestMs = Date.UTC(2100, 0, 1);

function invalid(name: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `invalid ${name}: ${message}`, [{ path: `/${name}`, message }]);
}

/** An RFC 3339 time the query schema has already checked the shape of. */
function instant(query: Record<string, unknown>, name: string): number | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  const ms = Date.parse(String(value));
  if (Number.isNaN(ms) || ms < 0 || ms >= latestMs) throw invalid(name, 'must be a time between 1970 and 2100');
  return ms;
}

/** from/to as asked (defaults: to now, from 24 hours before to), checked, then widened to whole buckets of `size`. */
function rangeOf(query: Record<string, unknown>, now: Date, size: number): AnalyticsRange {
  const to = instant(query, 'to') ?? now.getTime();
  const from = instant(query, 'from') ?? to - dayMs;
  if (from >= to) throw invalid('to', 'must be after from');
  if (to - from > maxRangeMs) throw invalid('from', 'the range from..to must be at most 31 days');
  return { from: new Date(floorTo(from, size)), to: new Date(ceilTo(to, size)) };
}

/**
 * The operator's analytics over business events (provider side): a
 * summary, a time series of one metric and a heatmap of one metric over
 * geohash-7 cells. Every route needs the admin bearer token, checked before
 * the input; answers are never cached.
 */
export function analyticsRoutes(options: AnalyticsRoutesOptions): RouteSpec[] {
  const { store, adminToken } = options;
  const clock = options.clock ?? (() => new Date());
  const authorize: RouteSpec['authorize'] = (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    requireBearer(req, adminToken, 'admin token');
  };

  return [
    {
      method: 'get',
      path: '/provider/analytics/summary',
      summary: 'Totals, rates, median time to assign and supply of a city over a range (whole 15-minute buckets)',
      tag,
      security,
      authorize,
      request: { query: summaryQuerySchema },
      responses: { 200: { description: 'AnalyticsSummary (src/analytics/analytics-types.ts)', schema: summarySchema } },
      handler: async ({ query }, res) => {
        const range = rangeOf(query, clock(), QUARTER_MS);
        res.json(await store.summary({ city: String(query.city), ...range }));
      },
    },
    {
      method: 'get',
      path: '/provider/analytics/timeseries',
      summary: 'One metric of a city per 15 minutes, hour or UTC day',
      tag,
      security,
      authorize,
      request: { query: timeseriesQuerySchema },
      responses: { 200: { description: 'AnalyticsTimeseries: one point per bucket, at most 2,000', schema: timeseriesSchema } },
      handler: async ({ query }, res) => {
        const bucket = (query.bucket ?? '1h') as AnalyticsBucket;
        const range = rangeOf(query, clock(), bucketMs[bucket]);
        const points = (range.to.getTime() - range.from.getTime()) / bucketMs[bucket];
        if (points > maxPoints) throw invalid('bucket', `${points} buckets of ${bucket} from..to; at most ${maxPoints}: use a wider bucket or a shorter range`);
        res.json(await store.timeseries({ city: String(query.city), metric: query.metric as AnalyticsMetric, bucket, ...range }));
      },
    },
    {
      method: 'get',
      path: '/provider/analytics/heatmap',
      summary: 'One metric of a city per geohash-7 cell over the window ending at `at`, as GeoJSON polygons',
      tag,
      security,
      authorize,
      request: { query: heatmapQuerySchema },
      responses: { 200: { description: 'AnalyticsHeatmap: a GeoJSON FeatureCollection over [to - window, to)', schema: heatmapSchema } },
      handler: async ({ query }, res) => {
        const to = ceilTo(instant(query, 'at') ?? clock().getTime(), QUARTER_MS);
        const windowMs = Number(query.window ?? defaultWindowMinutes) * 60_000;
        res.json(await store.heatmap({ city: String(query.city), metric: query.metric as AnalyticsMetric, from: new Date(to - windowMs), to: new Date(to) }));
      },
    },
  ];
}
