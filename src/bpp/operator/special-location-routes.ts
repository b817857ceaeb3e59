import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { AppError, type RouteSpec } from '../../infra/http/index.js';
import { BPP_SCHEMA, type SpecialLocationType } from '../models/index.js';
import { requireOperator } from './admin-auth.js';
import { trimDecimal } from '../../infra/postgres/index.js';
import { fromPostgresPoint, fromPostgresPolygon, toPostgresPolygon, type GeoJsonPolygon } from './geojson-polygon.js';
import { OPERATOR_TAG, translateDatabaseError, type OperatorDeps } from './operator-deps.js';
import { specialLocationCreatedSchema } from './operator-responses.js';
import { createSpecialLocationSchema, specialLocationQuerySchema } from './operator-schemas.js';

interface GateBody {
  name: string;
  point: { lat: number; lon: number };
  polygon?: GeoJsonPolygon;
  can_queue_up_on_gate?: boolean;
  default_driver_extra?: string;
}

interface CreateSpecialLocationBody {
  merchant_operating_city_id: string;
  location_name?: string;
  /** Former name of location_name (the schema takes exactly one of the two). */
  name?: string;
  category: string;
  location_type?: SpecialLocationType;
  geometry: GeoJsonPolygon;
  linked_locations_ids?: string[];
  /** Former name of linked_locations_ids (the schema refuses both). */
  linked_location_ids?: string[];
  gates?: GateBody[];
  priority?: { pickup_priority: number; drop_priority: number };
}

interface LocationRow {
  id: string;
  merchant_operating_city_id: string;
  location_name: string;
  category: string;
  location_type: SpecialLocationType;
  geom: string;
  linked_locations_ids: string[];
}

interface GateRow {
  id: string;
  special_location_id: string;
  name: string;
  point: string;
  geom: string | null;
  can_queue_up_on_gate: boolean;
  default_driver_extra: string | null;
}

/**
 * The first condition is what the GiST index (poly_ops) can answer: it indexes
 * polygon-contains-polygon, not polygon-contains-point, so the point goes in
 * as a one-point polygon. The second keeps the result exactly the point test.
 */
export const containingSql = `
  SELECT id, merchant_operating_city_id, location_name, category, location_type, geom::text AS geom, linked_locations_ids
    FROM ${BPP_SCHEMA}.special_location
   WHERE geom @> polygon(box(point($1, $2), point($1, $2)))
     AND geom @> point($1, $2)
     AND ($3::uuid IS NULL OR merchant_operating_city_id = $3::uuid)
   ORDER BY location_name, id`;

const gatesSql = `
  SELECT id, special_location_id, name, point::text AS point, geom::text AS geom, can_queue_up_on_gate,
         default_driver_extra::text AS default_driver_extra
    FROM ${BPP_SCHEMA}.gate_info
   WHERE special_location_id = ANY($1::uuid[])
   ORDER BY name, id`;

/** Priorities are per (merchant, city, category): a new location of a known category replaces them. */
const prioritySql = `
  INSERT INTO ${BPP_SCHEMA}.special_location_priority
    (id, merchant_id, merchant_operating_city_id, category, pickup_priority, drop_priority)
  VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (merchant_id, merchant_operating_city_id, category) DO UPDATE SET
    pickup_priority = EXCLUDED.pickup_priority, drop_priority = EXCLUDED.drop_priority, updated_at = now()`;

function gateToWire(gate: GateRow) {
  return {
    id: gate.id,
    name: gate.name,
    point: fromPostgresPoint(gate.point),
    polygon: gate.geom === null ? null : fromPostgresPolygon(gate.geom),
    can_queue_up_on_gate: gate.can_queue_up_on_gate,
    default_driver_extra: gate.default_driver_extra === null ? null : trimDecimal(gate.default_driver_extra),
  };
}

export function specialLocationRoutes({ models, sequelize, adminToken }: OperatorDeps): RouteSpec[] {
  return [
    {
      method: 'post',
      path: '/provider/special-locations',
      summary: 'Defines a special location (GeoJSON polygon) with its gates and the pickup/drop priority of its category',
      tag: OPERATOR_TAG,
      security: 'adminToken',
      authorize: (req) => requireOperator(req, adminToken),
      request: { body: createSpecialLocationSchema },
      responses: {
        201: { description: 'The special location with gate ids (and, until the next release, name and linked_location_ids as before)', schema: specialLocationCreatedSchema },
        404: { description: 'No operating city with this id' },
        409: { description: 'The special location conflicts with an existing one' },
      },
      handler: async ({ body, req }, res) => {
        const input = body as CreateSpecialLocationBody;
        const locationName = (input.location_name ?? input.name) as string;
        const locationType = input.location_type ?? 'Open';
        const linkedLocationsIds = input.linked_locations_ids ?? input.linked_location_ids ?? [];
        const geom = toPostgresPolygon(input.geometry, '/geometry');
        const gates = (input.gates ?? []).map((gate, index) => ({
          id: randomUUID(),
          name: gate.name,
          point: `(${gate.point.lon},${gate.point.lat})`,
          geom: gate.polygon ? toPostgresPolygon(gate.polygon, `/gates/${index}/polygon`) : null,
          canQueueUpOnGate: gate.can_queue_up_on_gate ?? false,
          defaultDriverExtra: gate.default_driver_extra ?? null,
        }));
        const city = await models.MerchantOperatingCity.findByPk(input.merchant_operating_city_id);
        if (city === null) throw new AppError('NOT_FOUND', `operating city ${input.merchant_operating_city_id} not found`);
        const id = randomUUID();
        try {
          await sequelize.transaction(async (transaction) => {
            await models.SpecialLocation.create(
              {
                id,
                merchantOperatingCityId: input.merchant_operating_city_id,
                locationName,
                category: input.category,
                locationType,
                geom,
                linkedLocationsIds,
              },
              { transaction },
            );
            await models.GateInfo.bulkCreate(
              gates.map((gate) => ({ ...gate, specialLocationId: id })),
              { transaction },
            );
            if (input.priority) {
              await sequelize.query(prioritySql, {
                transaction,
                bind: [
                  randomUUID(),
                  city.getDataValue('merchantId'),
                  input.merchant_operating_city_id,
                  input.category,
                  input.priority.pickup_priority,
                  input.priority.drop_priority,
                ],
              });
            }
          });
        } catch (error) {
          throw translateDatabaseError(error, 'special location conflicts with an existing one', 'operating city not found');
        }
        res.status(201).json({
          id,
          merchant_operating_city_id: input.merchant_operating_city_id,
          location_name: locationName,
          name: locationName,
          category: input.category,
          location_type: locationType,
          linked_locations_ids: linkedLocationsIds,
          linked_location_ids: linkedLocationsIds,
          gates: gates.map((gate) => ({ id: gate.id, name: gate.name })),
          priority: input.priority ?? null,
        });
      },
    },
    {
      method: 'get',
      path: '/provider/special-locations',
      summary: 'Lists the special locations whose polygon contains a point (edges included)',
      tag: OPERATOR_TAG,
      security: 'adminToken',
      authorize: (req) => requireOperator(req, adminToken),
      request: { query: specialLocationQuerySchema },
      responses: { 200: { description: 'Containing special locations with their gates (and, until the next release, name and linked_location_ids as before)' } },
      handler: async ({ query, req }, res) => {
        const { lat, lon, merchant_operating_city_id: cityId } = query as { lat: number; lon: number; merchant_operating_city_id?: string };
        const locations = await sequelize.query<LocationRow>(containingSql, { type: QueryTypes.SELECT, bind: [lon, lat, cityId ?? null] });
        const gates =
          locations.length === 0
            ? []
            : await sequelize.query<GateRow>(gatesSql, { type: QueryTypes.SELECT, bind: [locations.map((l) => l.id)] });
        res.json({
          special_locations: locations.map((location) => ({
            id: location.id,
            merchant_operating_city_id: location.merchant_operating_city_id,
            location_name: location.location_name,
            name: location.location_name,
            category: location.category,
            location_type: location.location_type,
            geometry: fromPostgresPolygon(location.geom),
            linked_locations_ids: location.linked_locations_ids,
            linked_location_ids: location.linked_locations_ids,
            gates: gates.filter((gate) => gate.special_location_id === location.id).map(gateToWire),
          })),
        });
      },
    },
  ];
}
