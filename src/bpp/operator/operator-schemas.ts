import { SPECIAL_LOCATION_TYPES, VEHICLE_CATEGORIES, VEHICLE_VARIANTS } from '../models/index.js';

/** Money and rates travel as decimal strings (at most 10 fractional digits, as stored), never JSON numbers. */
export const decimalString = { type: 'string', pattern: '^(0|[1-9][0-9]{0,19})(\\.[0-9]{1,10})?$' } as const;
const currency = { type: 'string', pattern: '^[A-Z]{3}$' } as const;
const uuid = { type: 'string', format: 'uuid' } as const;
const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength }) as const;
const latitude = { type: 'number', minimum: -90, maximum: 90 } as const;
const longitude = { type: 'number', minimum: -180, maximum: 180 } as const;
const time = { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$' } as const;

/** Fulfillment states before the ride starts, the ones a cancellation can happen in (PROFILE.md vocabulary). */
export const CANCELLABLE_STATES = ['RIDE_CONFIRMED', 'RIDE_ASSIGNED', 'RIDE_ENROUTE_PICKUP', 'RIDE_ARRIVED_PICKUP'] as const;

/** Inlined where used (no `$id`): the OpenAPI document carries only route-level schemas as components. */
const geoJsonPolygonSchema = {
  type: 'object',
  required: ['type', 'coordinates'],
  additionalProperties: false,
  properties: {
    type: { const: 'Polygon' },
    coordinates: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'array',
        minItems: 4,
        maxItems: 10_000,
        items: { type: 'array', items: [longitude, latitude], minItems: 2, maxItems: 2 },
      },
    },
  },
} as const;

export const createMerchantSchema = {
  $id: 'beckn-ride/bpp/operator-create-merchant',
  type: 'object',
  required: ['name', 'subscriber_id', 'cities'],
  additionalProperties: false,
  properties: {
    name: text(200),
    subscriber_id: text(255),
    /** How riders reach the operator's support: what on_support answers with. */
    support: {
      type: 'object',
      minProperties: 1,
      additionalProperties: false,
      properties: {
        phone: { type: 'string', pattern: '^\\+?[0-9][0-9 -]{5,19}$' },
        email: { type: 'string', format: 'email', maxLength: 254 },
        url: { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2000 },
      },
    },
    cities: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        required: ['city_code', 'currency'],
        additionalProperties: false,
        properties: { city_code: { type: 'string', pattern: '^std:[0-9]{2,6}$' }, currency },
      },
    },
  },
} as const;

export const createDriverSchema = {
  $id: 'beckn-ride/bpp/operator-create-driver',
  type: 'object',
  required: ['merchant_id', 'name', 'mobile_number'],
  additionalProperties: false,
  properties: {
    merchant_id: uuid,
    name: text(200),
    // E.164 only, so one phone has one spelling and one hash.
    mobile_number: { type: 'string', pattern: '^\\+[1-9][0-9]{6,14}$' },
  },
} as const;

export const createVehicleSchema = {
  $id: 'beckn-ride/bpp/operator-create-vehicle',
  type: 'object',
  required: ['driver_id', 'registration_no', 'category', 'variant', 'capacity'],
  additionalProperties: false,
  properties: {
    driver_id: uuid,
    registration_no: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9 -]{2,18}[A-Za-z0-9]$' },
    category: { enum: [...VEHICLE_CATEGORIES] },
    variant: { enum: [...VEHICLE_VARIANTS] },
    capacity: { type: 'integer', minimum: 1, maximum: 60 },
    make: { type: 'string', minLength: 1, maxLength: 60 },
    model: { type: 'string', minLength: 1, maxLength: 60 },
  },
} as const;

export const farePolicySchema = {
  $id: 'beckn-ride/bpp/operator-fare-policy',
  type: 'object',
  required: ['base_distance_meters', 'base_fare', 'per_km', 'per_minute', 'currency'],
  additionalProperties: false,
  properties: {
    base_distance_meters: { type: 'integer', minimum: 0, maximum: 1_000_000 },
    base_fare: decimalString,
    per_km: decimalString,
    per_minute: decimalString,
    night_shift: {
      type: 'object',
      required: ['start', 'end', 'multiplier'],
      additionalProperties: false,
      properties: { start: time, end: time, multiplier: decimalString },
    },
    waiting_free_minutes: { type: 'integer', minimum: 0, maximum: 600 },
    waiting_charge_per_minute: decimalString,
    pickup_charge: decimalString,
    cancellation_fees: {
      type: 'object',
      propertyNames: { enum: [...CANCELLABLE_STATES] },
      additionalProperties: decimalString,
    },
    currency,
  },
} as const;

const gateSchema = {
  type: 'object',
  required: ['name', 'point'],
  additionalProperties: false,
  properties: {
    name: text(200),
    point: {
      type: 'object',
      required: ['lat', 'lon'],
      additionalProperties: false,
      properties: { lat: latitude, lon: longitude },
    },
    polygon: geoJsonPolygonSchema,
    can_queue_up_on_gate: { type: 'boolean' },
    default_driver_extra: decimalString,
  },
} as const;

export const createSpecialLocationSchema = {
  $id: 'beckn-ride/bpp/operator-create-special-location',
  type: 'object',
  required: ['merchant_operating_city_id', 'category', 'geometry'],
  additionalProperties: false,
  // The seed's names, or their former ones for one release: one of each pair, never both.
  oneOf: [
    { type: 'object', properties: { location_name: {} }, required: ['location_name'] },
    { type: 'object', properties: { name: {} }, required: ['name'] },
  ],
  not: { type: 'object', properties: { linked_locations_ids: {}, linked_location_ids: {} }, required: ['linked_locations_ids', 'linked_location_ids'] },
  properties: {
    merchant_operating_city_id: uuid,
    location_name: text(200),
    name: { ...text(200), deprecated: true, description: 'Former name of location_name, accepted until the next release' },
    category: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' },
    location_type: {
      enum: [...SPECIAL_LOCATION_TYPES],
      description: 'Open (the default): queued drivers are offered a pickup inside first, then any driver nearby. Closed: only drivers queued at the gates of this location or of its linked ones',
    },
    geometry: geoJsonPolygonSchema,
    linked_locations_ids: { type: 'array', maxItems: 100, items: uuid },
    linked_location_ids: { type: 'array', maxItems: 100, items: uuid, deprecated: true, description: 'Former name of linked_locations_ids, accepted until the next release' },
    gates: { type: 'array', maxItems: 100, items: gateSchema },
    priority: {
      type: 'object',
      required: ['pickup_priority', 'drop_priority'],
      additionalProperties: false,
      properties: {
        pickup_priority: { type: 'integer', minimum: 0, maximum: 1000 },
        drop_priority: { type: 'integer', minimum: 0, maximum: 1000 },
      },
    },
  },
} as const;

export const specialLocationQuerySchema = {
  $id: 'beckn-ride/bpp/operator-special-location-query',
  type: 'object',
  required: ['lat', 'lon'],
  additionalProperties: false,
  properties: { lat: latitude, lon: longitude, merchant_operating_city_id: uuid },
} as const;
