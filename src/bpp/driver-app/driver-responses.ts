/**
 * JSON Schemas of what the driver API answers, for `/openapi.json` (and the
 * clients generated from it). They name the fields a driver app relies on;
 * an answer may carry more.
 */
const uuid = { type: 'string', format: 'uuid' } as const;

export const driverTokenSchema = {
  type: 'object',
  required: ['id', 'driver_id', 'token', 'created_at'],
  properties: { id: uuid, driver_id: uuid, token: { type: 'string', description: 'The driver bearer token, shown once' }, created_at: { type: 'string', format: 'date-time' } },
} as const;

export const driverStatusAnswerSchema = {
  type: 'object',
  required: ['driver_id', 'status'],
  properties: { driver_id: uuid, status: { type: 'string' } },
} as const;

export const driverPositionSchema = {
  type: 'object',
  required: ['driver_id', 'last'],
  properties: {
    driver_id: uuid,
    last: { oneOf: [{ type: 'null' }, { type: 'object', required: ['lat', 'lon', 'ts'], properties: { lat: { type: 'number' }, lon: { type: 'number' }, ts: { type: 'string', format: 'date-time' } } }] },
  },
} as const;

export const rideOffersSchema = {
  type: 'object',
  required: ['offers'],
  properties: {
    offers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'allocation_id', 'expires_at', 'vehicle_variant'],
        properties: { id: uuid, allocation_id: uuid, expires_at: { type: 'string', format: 'date-time' }, vehicle_variant: { type: 'string' } },
      },
    },
  },
} as const;

export const offerAcceptedSchema = {
  type: 'object',
  required: ['id', 'allocation_id', 'status'],
  properties: { id: uuid, allocation_id: uuid, status: { const: 'ACCEPTED' } },
} as const;

export const rideMovedSchema = {
  type: 'object',
  required: ['ride_id', 'status', 'fulfillment_state'],
  properties: { ride_id: uuid, status: { type: 'string' }, fulfillment_state: { type: 'string' } },
} as const;

export const driverRidesSchema = {
  type: 'object',
  required: ['rides'],
  properties: {
    rides: {
      type: 'array',
      items: { type: 'object', required: ['id', 'status', 'booking_id'], properties: { id: uuid, status: { type: 'string' }, booking_id: uuid } },
    },
  },
} as const;
