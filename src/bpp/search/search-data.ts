import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { FarePolicy, LatLon } from '../domain/index.js';
import { BPP_SCHEMA, type VehicleCategory, type VehicleVariant } from '../models/index.js';
import { farePolicyColumns, toFarePolicy, type FarePolicyRow } from '../fare-policy-row.js';

export interface ServingCity {
  merchantId: string;
  merchantName: string;
  cityId: string;
  currency: string;
}

export interface PickupGate {
  locationName: string;
  category: string;
  gateName: string;
  /** The gate's extra charge for the driver, a decimal string, or null. */
  driverExtra: string | null;
}

export interface VariantOffer {
  variant: VehicleVariant;
  category: VehicleCategory;
  /** The nearest online driver of the variant. */
  nearestDriverMeters: number;
  nearestDriverId: string;
  policy: FarePolicy;
}

const citySql = `
  SELECT m.id AS merchant_id, m.name AS merchant_name, c.id AS city_id, c.currency
    FROM ${BPP_SCHEMA}.merchant m
    JOIN ${BPP_SCHEMA}.merchant_operating_city c ON c.merchant_id = m.id
   WHERE m.subscriber_id = $1 AND c.city_code = $2
   ORDER BY c.id
   LIMIT 1`;

/**
 * The special location containing the pickup (same index-friendly containment
 * as the operator API) and its gate for this pickup: one whose polygon holds
 * the point if any, else the nearest.
 */
const pickupGateSql = `
  SELECT s.location_name, s.category, g.name AS gate_name, g.default_driver_extra::text AS driver_extra
    FROM ${BPP_SCHEMA}.special_location s
    JOIN ${BPP_SCHEMA}.gate_info g ON g.special_location_id = s.id
   WHERE s.geom @> polygon(box(point($1, $2), point($1, $2)))
     AND s.geom @> point($1, $2)
     AND s.merchant_operating_city_id = $3
   ORDER BY (g.geom IS NOT NULL AND g.geom @> point($1, $2)) DESC, g.point <-> point($1, $2), s.location_name, g.name
   LIMIT 1`;

const offersSql = `
  SELECT v.variant, v.category, d.id AS driver_id, ${farePolicyColumns}
    FROM ${BPP_SCHEMA}.driver d
    JOIN ${BPP_SCHEMA}.vehicle v ON v.driver_id = d.id
    JOIN ${BPP_SCHEMA}.fare_policy f ON f.vehicle_variant = v.variant AND f.merchant_operating_city_id = $3
   WHERE d.id = ANY($1::uuid[]) AND d.merchant_id = $2 AND d.status = 'ONLINE'`;

interface OfferRow extends FarePolicyRow {
  variant: VehicleVariant;
  category: VehicleCategory;
  driver_id: string;
}

export async function findServingCity(
  sequelize: Sequelize,
  transaction: Transaction,
  subscriberId: string,
  cityCode: string,
): Promise<ServingCity | null> {
  const rows = await sequelize.query<{ merchant_id: string; merchant_name: string; city_id: string; currency: string }>(citySql, {
    type: QueryTypes.SELECT,
    bind: [subscriberId, cityCode],
    transaction,
  });
  const row = rows[0];
  return row ? { merchantId: row.merchant_id, merchantName: row.merchant_name, cityId: row.city_id, currency: row.currency.trim() } : null;
}

export async function findPickupGate(sequelize: Sequelize, transaction: Transaction, cityId: string, pickup: LatLon): Promise<PickupGate | null> {
  const rows = await sequelize.query<{ location_name: string; category: string; gate_name: string; driver_extra: string | null }>(pickupGateSql, {
    type: QueryTypes.SELECT,
    bind: [pickup.lon, pickup.lat, cityId],
    transaction,
  });
  const row = rows[0];
  return row ? { locationName: row.location_name, category: row.category, gateName: row.gate_name, driverExtra: row.driver_extra } : null;
}

/** One offer per variant that has a fare policy in the city and an online driver among `nearby` (ordered nearest first). */
export async function findVariantOffers(
  sequelize: Sequelize,
  transaction: Transaction,
  city: ServingCity,
  nearby: readonly { driverId: string; distanceMeters: number }[],
  nightShiftTimeZone: string,
): Promise<VariantOffer[]> {
  if (nearby.length === 0) return [];
  const rows = await sequelize.query<OfferRow>(offersSql, {
    type: QueryTypes.SELECT,
    bind: [nearby.map((d) => d.driverId), city.merchantId, city.cityId],
    transaction,
  });
  const distance = new Map(nearby.map((d) => [d.driverId, d.distanceMeters]));
  const byVariant = new Map<VehicleVariant, VariantOffer>();
  for (const row of rows) {
    const meters = distance.get(row.driver_id) ?? Number.POSITIVE_INFINITY;
    const known = byVariant.get(row.variant);
    if (known && known.nearestDriverMeters <= meters) continue;
    byVariant.set(row.variant, {
      variant: row.variant,
      category: row.category,
      nearestDriverMeters: meters,
      nearestDriverId: row.driver_id,
      policy: toFarePolicy(row, nightShiftTimeZone),
    });
  }
  return [...byVariant.values()].sort((a, b) => a.variant.localeCompare(b.variant));
}

