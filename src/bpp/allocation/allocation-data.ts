import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { formatMoney, parseMoney } from '../domain/index.js';
import { BPP_SCHEMA, type VehicleCategory, type VehicleVariant } from '../models/index.js';

/** A stored estimate with what its search knew: the quote a select is answered with. */
export interface SelectedEstimate {
  id: string;
  searchRequestId: string;
  merchantId: string;
  variant: VehicleVariant;
  category: VehicleCategory;
  currency: string;
  value: string;
  minimum: string;
  maximum: string;
  from: { lat: number; lon: number };
  to: { lat: number; lon: number };
  pickupGateName: string | null;
  lines: { code: string; title: string; amount: string }[];
}

const estimateSql = `
  SELECT e.id, e.search_request_id, s.merchant_id, e.vehicle_variant, e.vehicle_category, e.currency,
         trim_scale(e.value)::text AS value, trim_scale(e.minimum_value)::text AS minimum_value,
         trim_scale(e.maximum_value)::text AS maximum_value,
         s.from_lat, s.from_lon, s.to_lat, s.to_lon, s.pickup_gate_name
    FROM ${BPP_SCHEMA}.estimate e JOIN ${BPP_SCHEMA}.search_request s ON s.id = e.search_request_id
   WHERE e.id = $1 AND s.bap_id = $2`;

const linesSql = `
  SELECT code, title, trim_scale(amount)::text AS amount
    FROM ${BPP_SCHEMA}.estimate_fare_line WHERE estimate_id = $1 ORDER BY position`;

interface EstimateRow {
  id: string;
  search_request_id: string;
  merchant_id: string;
  vehicle_variant: VehicleVariant;
  vehicle_category: VehicleCategory;
  currency: string;
  value: string;
  minimum_value: string;
  maximum_value: string;
  from_lat: number;
  from_lon: number;
  to_lat: number;
  to_lon: number;
  pickup_gate_name: string | null;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The estimate an on_search item id names, if the same BAP searched for it. */
export async function findEstimate(sequelize: Sequelize, transaction: Transaction, itemId: string, bapId: string): Promise<SelectedEstimate | null> {
  if (!uuidPattern.test(itemId)) return null;
  const [row] = await sequelize.query<EstimateRow>(estimateSql, { type: QueryTypes.SELECT, bind: [itemId, bapId], transaction });
  if (!row) return null;
  const lines = await sequelize.query<{ code: string; title: string; amount: string }>(linesSql, { type: QueryTypes.SELECT, bind: [row.id], transaction });
  const currency = row.currency.trim();
  // Amounts carry the currency's scale, as on_search wrote them.
  const money = (amount: string) => formatMoney(parseMoney(amount, currency));
  return {
    id: row.id,
    searchRequestId: row.search_request_id,
    merchantId: row.merchant_id,
    variant: row.vehicle_variant,
    category: row.vehicle_category,
    currency,
    value: money(row.value),
    minimum: money(row.minimum_value),
    maximum: money(row.maximum_value),
    from: { lat: row.from_lat, lon: row.from_lon },
    to: { lat: row.to_lat, lon: row.to_lon },
    pickupGateName: row.pickup_gate_name,
    lines: lines.map((line) => ({ ...line, amount: money(line.amount) })),
  };
}

const candidatesSql = `
  SELECT d.id
    FROM ${BPP_SCHEMA}.driver d JOIN ${BPP_SCHEMA}.vehicle v ON v.driver_id = d.id
   WHERE d.id = ANY($1::uuid[]) AND d.merchant_id = $2 AND d.status = 'ONLINE' AND v.variant = $3`;

/**
 * The nearby drivers (ordered nearest first) who may get an offer: online
 * (so not on a ride), of the merchant, driving the estimate's variant.
 */
export async function findCandidates(
  sequelize: Sequelize,
  transaction: Transaction,
  estimate: SelectedEstimate,
  nearby: readonly { driverId: string; distanceMeters: number }[],
  limit: number,
): Promise<{ driverId: string; distanceMeters: number }[]> {
  if (nearby.length === 0) return [];
  const rows = await sequelize.query<{ id: string }>(candidatesSql, {
    type: QueryTypes.SELECT,
    bind: [nearby.map((d) => d.driverId), estimate.merchantId, estimate.variant],
    transaction,
  });
  const eligible = new Set(rows.map((row) => row.id));
  return nearby.filter((d) => eligible.has(d.driverId)).slice(0, limit);
}
