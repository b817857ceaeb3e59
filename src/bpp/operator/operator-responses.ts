/**
 * JSON Schemas of what the operator API answers, for `/openapi.json` (and
 * the clients generated from it). They name the fields an operator's tools
 * rely on; an answer may carry more.
 */
const uuid = { type: 'string', format: 'uuid' } as const;

export const merchantCreatedSchema = {
  type: 'object',
  required: ['id', 'name', 'subscriber_id', 'cities'],
  properties: {
    id: uuid,
    name: { type: 'string' },
    subscriber_id: { type: 'string' },
    cities: { type: 'array', items: { type: 'object', required: ['id', 'city_code', 'currency'], properties: { id: uuid, city_code: { type: 'string' }, currency: { type: 'string' } } } },
  },
} as const;

export const driverCreatedSchema = {
  type: 'object',
  required: ['id', 'merchant_id', 'name', 'mobile_number_masked', 'status'],
  properties: { id: uuid, merchant_id: uuid, name: { type: 'string' }, mobile_number_masked: { type: 'string' }, status: { type: 'string' } },
} as const;

export const vehicleCreatedSchema = {
  type: 'object',
  required: ['id', 'driver_id', 'registration_no', 'category', 'variant', 'capacity'],
  properties: { id: uuid, driver_id: uuid, registration_no: { type: 'string' }, category: { type: 'string' }, variant: { type: 'string' }, capacity: { type: 'integer' } },
} as const;

export const specialLocationCreatedSchema = {
  type: 'object',
  required: ['id', 'merchant_operating_city_id', 'location_name', 'category', 'location_type', 'linked_locations_ids', 'gates', 'priority'],
  properties: {
    id: uuid,
    merchant_operating_city_id: uuid,
    location_name: { type: 'string' },
    name: { type: 'string', deprecated: true, description: 'location_name under its former name, until the next release' },
    category: { type: 'string' },
    location_type: { enum: ['Open', 'Closed'] },
    linked_locations_ids: { type: 'array', items: uuid },
    linked_location_ids: { type: 'array', items: uuid, deprecated: true, description: 'linked_locations_ids under its former name, until the next release' },
    gates: { type: 'array', items: { type: 'object', required: ['id', 'name'], properties: { id: uuid, name: { type: 'string' } } } },
    priority: { oneOf: [{ type: 'null' }, { type: 'object', properties: { pickup_priority: { type: 'integer' }, drop_priority: { type: 'integer' } } }] },
  },
} as const;
