import type { JsonSchema } from '../infra/validation/index.js';
import { ANALYTICS_BUCKETS, ANALYTICS_METRICS } from './analytics-types.js';

/** City codes as Beckn carries them (std:080), as the operator API takes them. */
const city = { type: 'string', pattern: '^std:[0-9]{2,6}$', description: 'City code, e.g. std:080' };
const instant = { type: 'string', format: 'date-time', description: 'RFC 3339 time with a zone, e.g. 2025-01-31T10:00:00Z' };
const metric = { enum: [...ANALYTICS_METRICS], description: 'What the values measure' };
const range = {
  from: { ...instant, description: 'Start (inclusive), floored to the bucket; to minus 24 hours unless given' },
  to: { ...instant, description: 'End (exclusive), ceiled to the bucket; now unless given. At most 31 days after from' },
};

export const summaryQuerySchema = {
  $id: 'beckn-ride/analytics-summary-query',
  type: 'object',
  additionalProperties: false,
  required: ['city'],
  properties: { city, ...range },
} satisfies JsonSchema;

export const timeseriesQuerySchema = {
  $id: 'beckn-ride/analytics-timeseries-query',
  type: 'object',
  additionalProperties: false,
  required: ['metric', 'city'],
  properties: {
    metric,
    bucket: { enum: [...ANALYTICS_BUCKETS], description: 'Point width (UTC edges); 1h unless given. At most 2,000 points' },
    city,
    ...range,
  },
} satisfies JsonSchema;

export const heatmapQuerySchema = {
  $id: 'beckn-ride/analytics-heatmap-query',
  type: 'object',
  additionalProperties: false,
  required: ['metric', 'city'],
  properties: {
    metric,
    city,
    at: { ...instant, description: 'End of the window, ceiled to 15 minutes; now unless given' },
    window: { type: 'integer', minimum: 15, maximum: 1440, multipleOf: 15, description: 'Window length in minutes (15 to 1440, a multiple of 15); 60 unless given' },
  },
} satisfies JsonSchema;

const nullableNumber = { type: ['number', 'null'] };
const answerRange = {
  city: { type: 'string' },
  from: { type: 'string', format: 'date-time', description: 'Start of the covered range (inclusive)' },
  to: { type: 'string', format: 'date-time', description: 'End of the covered range (exclusive)' },
};
const currencyOfValues = { type: ['string', 'null'], description: 'fare_total only: currency of the values (in its major unit); null without rides' };

export const summarySchema = {
  $id: 'beckn-ride/analytics-summary',
  type: 'object',
  required: ['city', 'from', 'to', 'totals', 'rates', 'median_time_to_assign_ms', 'supply', 'demand_supply_ratio'],
  properties: {
    ...answerRange,
    totals: {
      type: 'object',
      properties: {
        searches: { type: 'integer' },
        estimates: { type: 'integer', description: 'estimates.offered events (searches answered with estimates)' },
        bookings: { type: 'integer' },
        completed_rides: { type: 'integer' },
        cancellations: {
          type: 'object',
          properties: { by_rider: { type: 'integer' }, by_driver: { type: 'integer' }, other: { type: 'integer', description: 'operator or system' } },
        },
        fare_total: {
          type: 'object',
          description: 'Fares of ended rides, decimal text; currency null when no ride ended',
          properties: { value: { type: 'string' }, currency: { type: ['string', 'null'] } },
        },
        payments_charged: { type: 'integer' },
        refunds: { type: 'integer' },
        payouts_settled: { type: 'integer' },
        ratings: { type: 'integer' },
      },
    },
    rates: {
      type: 'object',
      description: '0..1, null when the denominator is 0',
      properties: {
        conversion: { ...nullableNumber, description: 'bookings / searches' },
        cancellation_rate: { ...nullableNumber, description: 'cancellations / bookings' },
        completion_rate: { ...nullableNumber, description: 'completed_rides / bookings' },
      },
    },
    median_time_to_assign_ms: nullableNumber,
    supply: {
      type: 'object',
      description: 'Average drivers over the 15-minute buckets with a supply snapshot',
      properties: { avg_idle_drivers: nullableNumber, avg_online_drivers: nullableNumber },
    },
    demand_supply_ratio: { ...nullableNumber, description: 'searches per 15 minutes / average idle drivers' },
  },
} satisfies JsonSchema;

export const timeseriesSchema = {
  $id: 'beckn-ride/analytics-timeseries',
  type: 'object',
  required: ['metric', 'bucket', 'city', 'from', 'to', 'points'],
  properties: {
    metric: { type: 'string' },
    bucket: { type: 'string' },
    ...answerRange,
    currency: currencyOfValues,
    points: {
      type: 'array',
      description: 'One per bucket from from to to, empty buckets included (0, or null where the metric has no value)',
      items: { type: 'object', properties: { t: { type: 'string', format: 'date-time' }, value: nullableNumber } },
    },
  },
} satisfies JsonSchema;

export const heatmapSchema = {
  $id: 'beckn-ride/analytics-heatmap',
  type: 'object',
  description: 'GeoJSON FeatureCollection: one polygon per geohash-7 cell with provider-side activity in the window',
  required: ['type', 'metric', 'city', 'from', 'to', 'features'],
  properties: {
    type: { const: 'FeatureCollection' },
    metric: { type: 'string' },
    ...answerRange,
    currency: currencyOfValues,
    features: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          type: { const: 'Feature' },
          id: { type: 'string' },
          geometry: {
            type: 'object',
            properties: {
              type: { const: 'Polygon' },
              coordinates: { type: 'array', items: { type: 'array', items: { type: 'array', items: { type: 'number' } } } },
            },
          },
          properties: { type: 'object', properties: { cell: { type: 'string' }, value: nullableNumber } },
        },
      },
    },
  },
} satisfies JsonSchema;
