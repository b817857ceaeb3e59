import { MAX_GEO_LATITUDE } from '../../infra/geo/index.js';
import { driverReasonCodes } from '../booking/index.js';

/** At most this many fixes per request: a phone that was offline for a while sends them in batches. */
export const MAX_POINTS_PER_BATCH = 100;

export const driverStatusSchema = {
  $id: 'beckn-ride/bpp/driver-status',
  type: 'object',
  required: ['online'],
  additionalProperties: false,
  properties: { online: { type: 'boolean' } },
} as const;

export const driverLocationSchema = {
  $id: 'beckn-ride/bpp/driver-location',
  type: 'object',
  required: ['points'],
  additionalProperties: false,
  properties: {
    points: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_POINTS_PER_BATCH,
      items: {
        type: 'object',
        required: ['lat', 'lon', 'ts'],
        additionalProperties: false,
        properties: {
          // The GEO index cannot hold latitudes nearer the poles than this; no city lies there.
          lat: { type: 'number', minimum: -MAX_GEO_LATITUDE, maximum: MAX_GEO_LATITUDE },
          lon: { type: 'number', minimum: -180, maximum: 180 },
          ts: {
            oneOf: [
              { type: 'integer', minimum: 0, maximum: 8_640_000_000_000_000 },
              { type: 'string', format: 'date-time', maxLength: 64 },
            ],
          },
        },
      },
    },
  },
} as const;

/** A driver cancels with one of the ONDC provider-side reasons (000 technical, 011 to 014). */
export const rideCancelSchema = {
  $id: 'beckn-ride/bpp/ride-cancel',
  type: 'object',
  required: ['reasonCode'],
  additionalProperties: false,
  properties: { reasonCode: { type: 'string', enum: driverReasonCodes } },
} as const;
