import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { SelectedEstimate } from '../allocation/allocation-data.js';
import { formatMoney, parseMoney, type FareEstimate, type LatLon, type Route } from '../domain/index.js';
import { BPP_SCHEMA } from '../models/index.js';

/** The drop a rider changed to, with the estimate recomputed for the new route. */
export interface DropUpdate {
  to: LatLon;
  currency: string;
  value: string;
  minimum: string;
  maximum: string;
  lines: { code: string; title: string; amount: string }[];
}

interface DropUpdateRow {
  to_lat: number;
  to_lon: number;
  currency: string;
  value: string;
  minimum_value: string;
  maximum_value: string;
  fare_lines: { code: string; title: string; amount: string }[];
}

export async function findDropUpdate(sequelize: Sequelize, transaction: Transaction, rideId: string): Promise<DropUpdate | null> {
  const [row] = await sequelize.query<DropUpdateRow>(
    `SELECT to_lat, to_lon, currency, trim_scale(value)::text AS value, trim_scale(minimum_value)::text AS minimum_value,
            trim_scale(maximum_value)::text AS maximum_value, fare_lines
       FROM ${BPP_SCHEMA}.ride_drop_update WHERE ride_id = $1`,
    { type: QueryTypes.SELECT, bind: [rideId], transaction },
  );
  if (!row) return null;
  const currency = row.currency.trim();
  const money = (amount: string) => formatMoney(parseMoney(amount, currency));
  return {
    to: { lat: row.to_lat, lon: row.to_lon },
    currency,
    value: money(row.value),
    minimum: money(row.minimum_value),
    maximum: money(row.maximum_value),
    lines: row.fare_lines,
  };
}

/** Stores (or replaces) the ride's new drop and its recomputed estimate. */
export async function saveDropUpdate(
  sequelize: Sequelize,
  transaction: Transaction,
  input: { rideId: string; to: LatLon; route: Route; estimate: FareEstimate },
): Promise<void> {
  const { estimate } = input;
  const lines = estimate.breakup.lines.map((line) => ({ code: line.code, title: line.title, amount: formatMoney(line.price) }));
  await sequelize.query(
    `INSERT INTO ${BPP_SCHEMA}.ride_drop_update (
       ride_id, to_lat, to_lon, distance_meters, duration_seconds, currency, value, minimum_value, maximum_value, fare_lines
     ) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)
     ON CONFLICT (ride_id) DO UPDATE SET
       to_lat = EXCLUDED.to_lat, to_lon = EXCLUDED.to_lon, distance_meters = EXCLUDED.distance_meters,
       duration_seconds = EXCLUDED.duration_seconds, currency = EXCLUDED.currency, value = EXCLUDED.value,
       minimum_value = EXCLUDED.minimum_value, maximum_value = EXCLUDED.maximum_value, fare_lines = EXCLUDED.fare_lines,
       updated_at = now()`,
    {
      bind: [
        input.rideId,
        input.to.lat,
        input.to.lon,
        Math.round(input.route.distanceMeters),
        Math.round(input.route.durationSeconds),
        estimate.value.currency,
        formatMoney(estimate.value),
        formatMoney(estimate.minimum),
        formatMoney(estimate.maximum),
        JSON.stringify(lines),
      ],
      transaction,
    },
  );
}

/** The estimate as the order now quotes it: the new drop and its fare replace the searched ones. */
export function withDropUpdate(estimate: SelectedEstimate, drop: DropUpdate | null): SelectedEstimate {
  if (!drop) return estimate;
  return { ...estimate, to: drop.to, value: drop.value, minimum: drop.minimum, maximum: drop.maximum, lines: drop.lines };
}
