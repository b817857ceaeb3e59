import type { Sequelize, Transaction } from 'sequelize';
import { formatMoney, type LatLon, type Route } from '../domain/index.js';
import { BPP_SCHEMA } from '../models/index.js';
import { estimateItemTags, estimatePayment, type CatalogEstimate } from './search-catalog.js';
import type { PickupGate, ServingCity } from './search-data.js';

export interface SearchRecord {
  id: string;
  city: ServingCity;
  bapId: string;
  bapUri: string;
  transactionId: string;
  messageId: string;
  domain: string;
  from: LatLon;
  to: LatLon;
  route: Route;
  pickupGate: PickupGate | null;
  estimates: readonly CatalogEstimate[];
  /** The payment terms on_search offers (searchPaymentTerms); each estimate keeps its item's payment. */
  payment: Record<string, unknown>;
}

/**
 * Stores a search and its estimates in the handler's transaction. A search
 * already stored under the same (bap, transaction, message) is replaced, so a
 * handler that runs again leaves one copy.
 */
export async function saveSearch(sequelize: Sequelize, transaction: Transaction, record: SearchRecord): Promise<void> {
  await sequelize.query(`DELETE FROM ${BPP_SCHEMA}.search_request WHERE bap_id = $1 AND transaction_id = $2 AND message_id = $3`, {
    bind: [record.bapId, record.transactionId, record.messageId],
    transaction,
  });
  await sequelize.query(
    `INSERT INTO ${BPP_SCHEMA}.search_request (
       id, merchant_id, merchant_operating_city_id, bap_id, bap_uri, transaction_id, message_id, domain,
       from_lat, from_lon, to_lat, to_lon, distance_meters, duration_seconds, special_location_name, pickup_gate_name
     ) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    {
      bind: [
        record.id,
        record.city.merchantId,
        record.city.cityId,
        record.bapId,
        record.bapUri,
        record.transactionId,
        record.messageId,
        record.domain,
        record.from.lat,
        record.from.lon,
        record.to.lat,
        record.to.lon,
        record.route.distanceMeters,
        record.route.durationSeconds,
        record.pickupGate?.locationName ?? null,
        record.pickupGate?.gateName ?? null,
      ],
      transaction,
    },
  );
  if (record.estimates.length === 0) return;
  // One statement for all estimates and one for all their fare lines, however many variants the search priced.
  const estimateRows = record.estimates.map((e) => [
    e.id,
    record.id,
    e.category,
    e.variant,
    e.estimate.value.currency,
    formatMoney(e.estimate.value),
    formatMoney(e.estimate.minimum),
    formatMoney(e.estimate.maximum),
    Math.round(e.nearestDriverMeters),
    JSON.stringify(estimateItemTags(e, record.route)),
    JSON.stringify(estimatePayment(record.payment, e)),
  ]);
  await sequelize.query(
    `INSERT INTO ${BPP_SCHEMA}.estimate (
       id, search_request_id, vehicle_category, vehicle_variant, currency, value, minimum_value, maximum_value, nearest_driver_meters, item_tags, item_payment
     ) VALUES ${placeholders(estimateRows)}`,
    { bind: estimateRows.flat(), transaction },
  );
  const lineRows = record.estimates.flatMap((e) => e.estimate.breakup.lines.map((line, i) => [e.id, i, line.code, line.title, formatMoney(line.price)]));
  if (lineRows.length === 0) return;
  await sequelize.query(`INSERT INTO ${BPP_SCHEMA}.estimate_fare_line (estimate_id, position, code, title, amount) VALUES ${placeholders(lineRows)}`, {
    bind: lineRows.flat(),
    transaction,
  });
}

/** `($1, $2), ($3, $4)` for rows of equal width, numbered in the order `rows.flat()` binds them. */
function placeholders(rows: readonly unknown[][]): string {
  let n = 0;
  return rows.map((row) => `(${row.map(() => `$${++n}`).join(', ')})`).join(', ');
}
