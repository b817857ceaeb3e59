import type { FarePolicyRow } from '../fare-policy-row.js';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { AppError, type RouteSpec } from '../../infra/http/index.js';
import { BPP_SCHEMA, VEHICLE_VARIANTS, type VehicleVariant } from '../models/index.js';
import { requireOperator } from './admin-auth.js';
import { trimDecimal } from '../../infra/postgres/index.js';
import { OPERATOR_TAG, type OperatorDeps } from './operator-deps.js';
import { farePolicySchema } from './operator-schemas.js';
import { isUuid } from '../../infra/validation/index.js';

interface FarePolicyBody {
  base_distance_meters: number;
  base_fare: string;
  per_km: string;
  per_minute: string;
  night_shift?: { start: string; end: string; multiplier: string };
  waiting_free_minutes?: number;
  waiting_charge_per_minute?: string;
  pickup_charge?: string;
  cancellation_fees?: Record<string, string>;
  currency: string;
}

/** A fare_policy row as the upsert returns it: its pricing columns, its id and whether it was new. */
interface StoredFarePolicyRow extends FarePolicyRow {
  id: string;
  inserted: boolean;
}


const upsertSql = `
  INSERT INTO ${BPP_SCHEMA}.fare_policy (
    id, merchant_operating_city_id, vehicle_variant, base_distance_meters, base_fare, per_km, per_minute,
    night_shift_start, night_shift_end, night_shift_multiplier, waiting_free_minutes, waiting_charge_per_minute,
    pickup_charge, cancellation_fees, currency
  ) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15)
  ON CONFLICT (merchant_operating_city_id, vehicle_variant) DO UPDATE SET
    base_distance_meters = EXCLUDED.base_distance_meters, base_fare = EXCLUDED.base_fare, per_km = EXCLUDED.per_km,
    per_minute = EXCLUDED.per_minute, night_shift_start = EXCLUDED.night_shift_start,
    night_shift_end = EXCLUDED.night_shift_end, night_shift_multiplier = EXCLUDED.night_shift_multiplier,
    waiting_free_minutes = EXCLUDED.waiting_free_minutes, waiting_charge_per_minute = EXCLUDED.waiting_charge_per_minute,
    pickup_charge = EXCLUDED.pickup_charge, cancellation_fees = EXCLUDED.cancellation_fees,
    currency = EXCLUDED.currency, updated_at = now()
  RETURNING id, base_distance_meters, base_fare::text, per_km::text, per_minute::text,
    night_shift_start::text, night_shift_end::text, night_shift_multiplier::text, waiting_free_minutes,
    waiting_charge_per_minute::text, pickup_charge::text, cancellation_fees, currency, (xmax = 0) AS inserted`;

function toWire(row: StoredFarePolicyRow, cityId: string, variant: VehicleVariant) {
  return {
    id: row.id,
    merchant_operating_city_id: cityId,
    vehicle_variant: variant,
    base_distance_meters: row.base_distance_meters,
    base_fare: trimDecimal(row.base_fare),
    per_km: trimDecimal(row.per_km),
    per_minute: trimDecimal(row.per_minute),
    night_shift:
      row.night_shift_start === null || row.night_shift_end === null
        ? null
        : { start: row.night_shift_start, end: row.night_shift_end, multiplier: trimDecimal(row.night_shift_multiplier) },
    waiting_free_minutes: row.waiting_free_minutes,
    waiting_charge_per_minute: trimDecimal(row.waiting_charge_per_minute),
    pickup_charge: trimDecimal(row.pickup_charge),
    cancellation_fees: row.cancellation_fees,
    currency: row.currency,
  };
}

export function farePolicyRoutes({ models, sequelize, adminToken }: OperatorDeps): RouteSpec[] {
  return [
    {
      method: 'put',
      path: '/provider/fare-policies/:cityId/:variant',
      summary: "Creates or replaces a city's fare policy for one vehicle variant",
      tag: OPERATOR_TAG,
      security: 'adminToken',
      authorize: (req) => requireOperator(req, adminToken),
      request: { body: farePolicySchema },
      responses: {
        200: { description: 'The replaced policy' },
        201: { description: 'The created policy' },
        400: { description: "VALIDATION_FAILED: the body, cityId not a UUID, an unknown variant, a currency other than the city's, or a night multiplier under 1" },
        404: { description: 'No operating city with this id' },
      },
      handler: async ({ body, params, req }, res) => {
        const { cityId = '', variant = '' } = params;
        if (!isUuid(cityId)) throw new AppError('VALIDATION_FAILED', 'cityId must be a uuid', [{ path: 'cityId', message: 'must be a uuid' }]);
        if (!(VEHICLE_VARIANTS as readonly string[]).includes(variant)) {
          throw new AppError('VALIDATION_FAILED', `unknown vehicle variant ${variant}`, [
            { path: 'variant', message: `must be one of ${VEHICLE_VARIANTS.join(', ')}` },
          ]);
        }
        const input = body as FarePolicyBody;
        const city = await models.MerchantOperatingCity.findByPk(cityId);
        if (city === null) throw new AppError('NOT_FOUND', `operating city ${cityId} not found`);
        if (city.getDataValue('currency') !== input.currency) {
          throw new AppError('VALIDATION_FAILED', `the city's currency is ${city.getDataValue('currency')}, not ${input.currency}`, [
            { path: '/currency', message: `must be ${city.getDataValue('currency')}` },
          ]);
        }
        // Mirrors the table's CHECK: a night tariff never lowers the fare.
        if (input.night_shift && Number(input.night_shift.multiplier) < 1) {
          throw new AppError('VALIDATION_FAILED', 'the night shift multiplier must be at least 1', [
            { path: '/night_shift/multiplier', message: 'must be >= 1' },
          ]);
        }
        const rows = await sequelize.query<StoredFarePolicyRow>(upsertSql, {
          type: QueryTypes.SELECT,
          bind: [
            randomUUID(),
            cityId,
            variant,
            input.base_distance_meters,
            input.base_fare,
            input.per_km,
            input.per_minute,
            input.night_shift?.start ?? null,
            input.night_shift?.end ?? null,
            input.night_shift?.multiplier ?? '1',
            input.waiting_free_minutes ?? 0,
            input.waiting_charge_per_minute ?? '0',
            input.pickup_charge ?? '0',
            JSON.stringify(input.cancellation_fees ?? {}),
            input.currency,
          ],
        });
        const row = rows[0];
        if (!row) throw new Error('fare policy upsert returned no row');
        res.status(row.inserted ? 201 : 200).json(toWire(row, cityId, variant as VehicleVariant));
      },
    },
  ];
}
