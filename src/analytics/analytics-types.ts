/**
 * What the operator analytics API answers (GET /provider/analytics/...),
 * the same shapes from ClickHouse (full profile) and from the embedded
 * profile's event file. Counts are integers; rates are 0..1 or null when
 * their denominator is 0; money is decimal text with its currency.
 */

/** Metrics a time series or heatmap can show. */
export const ANALYTICS_METRICS = [
  'searches',
  'estimates',
  'bookings',
  'completed_rides',
  'cancellations',
  'cancellations_by_rider',
  'cancellations_by_driver',
  'conversion',
  'median_time_to_assign_ms',
  'supply_idle',
  'supply_online',
  'demand_supply_ratio',
  'fare_total',
] as const;
export type AnalyticsMetric = (typeof ANALYTICS_METRICS)[number];

export const ANALYTICS_BUCKETS = ['15m', '1h', '1d'] as const;
export type AnalyticsBucket = (typeof ANALYTICS_BUCKETS)[number];

/**
 * Every answer covers whole 15-minute buckets (UTC): `from` is floored and
 * `to` ceiled to a bucket edge, and the answer carries the range it covers.
 */
export interface AnalyticsSummary {
  city: string;
  from: string;
  to: string;
  totals: {
    searches: number;
    estimates: number;
    bookings: number;
    completed_rides: number;
    cancellations: { by_rider: number; by_driver: number; other: number };
    /**
     * Fares of completed rides. Currency null when no ride ended in the range;
     * should a city's rides carry several currencies, the one most rides used
     * (its total alone).
     */
    fare_total: { value: string; currency: string | null };
    payments_charged: number;
    refunds: number;
    payouts_settled: number;
    ratings: number;
  };
  rates: {
    /** bookings / searches */
    conversion: number | null;
    /** cancellations / bookings */
    cancellation_rate: number | null;
    /** completed_rides / bookings */
    completion_rate: number | null;
  };
  median_time_to_assign_ms: number | null;
  /** Averages over the supply snapshots taken in the range. */
  supply: { avg_idle_drivers: number | null; avg_online_drivers: number | null };
  /** searches per 15 minutes / average idle drivers; null without supply. */
  demand_supply_ratio: number | null;
}

export interface AnalyticsTimeseries {
  metric: AnalyticsMetric;
  bucket: AnalyticsBucket;
  city: string;
  from: string;
  to: string;
  /** fare_total only: the currency of the values, which are in its major unit (182.5 for "182.50"); null without rides. */
  currency?: string | null;
  /** One point per bucket from `from` (floored to the bucket) up to `to`, empty buckets included (0, or null for rates). */
  points: { t: string; value: number | null }[];
}

export interface AnalyticsHeatmap {
  type: 'FeatureCollection';
  metric: AnalyticsMetric;
  city: string;
  /** The window the values cover: [from, to). */
  from: string;
  to: string;
  /** fare_total only: the currency of the values, in its major unit; null without rides. */
  currency?: string | null;
  features: {
    type: 'Feature';
    id: string;
    geometry: { type: 'Polygon'; coordinates: [number, number][][] };
    properties: { cell: string; value: number | null };
  }[];
}
