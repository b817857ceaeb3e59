import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { BAP_SCHEMA } from '../bap-deps.js';
import { trimDecimal } from '../../infra/postgres/index.js';

export interface LatLon {
  lat: number;
  lon: number;
}

export interface SearchRow {
  id: string;
  person_id: string;
  transaction_id: string;
  message_id: string;
  domain: string;
  city_code: string;
  from_lat: number;
  from_lon: number;
  to_lat: number;
  to_lon: number;
  valid_until: Date;
  created_at: Date;
}

export interface EstimateRow {
  id: string;
  search_request_id: string;
  bpp_id: string;
  bpp_uri: string;
  provider_id: string;
  provider_name: string | null;
  item_id: string;
  fulfillment_id: string | null;
  vehicle_category: string | null;
  vehicle_variant: string | null;
  min_fare: string;
  max_fare: string;
  currency: string;
  offer: unknown;
  /** The domain of the on_search it came from; null on estimates kept before domains were recorded. */
  domain: string | null;
  created_at: Date;
}

const searchColumns = `id, person_id, transaction_id, message_id, domain, city_code, from_lat, from_lon, to_lat, to_lon, valid_until, created_at`;
const estimateColumnsOf = (a: string) => `${a}.id, ${a}.search_request_id, ${a}.bpp_id, ${a}.bpp_uri, ${a}.provider_id, ${a}.provider_name,
  ${a}.item_id, ${a}.fulfillment_id, ${a}.vehicle_category, ${a}.vehicle_variant, ${a}.min_fare::text AS min_fare,
  ${a}.max_fare::text AS max_fare, ${a}.currency, ${a}.offer, ${a}.domain, ${a}.created_at`;

export async function insertSearch(
  sequelize: Sequelize,
  transaction: Transaction,
  row: Omit<SearchRow, 'created_at'>,
): Promise<void> {
  await sequelize.query(
    `INSERT INTO ${BAP_SCHEMA}.search_request (${searchColumns.replace(', created_at', '')})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    {
      bind: [row.id, row.person_id, row.transaction_id, row.message_id, row.domain, row.city_code, row.from_lat, row.from_lon, row.to_lat, row.to_lon, row.valid_until],
      transaction,
    },
  );
}

/** A rider's own search; another rider's is reported missing. */
export async function findSearch(sequelize: Sequelize, searchId: string, personId: string): Promise<SearchRow | null> {
  const [row] = await sequelize.query<SearchRow>(`SELECT ${searchColumns} FROM ${BAP_SCHEMA}.search_request WHERE id = $1 AND person_id = $2`, {
    type: QueryTypes.SELECT,
    bind: [searchId, personId],
  });
  return row ?? null;
}

export async function findSearchByTransaction(sequelize: Sequelize, transaction: Transaction, transactionId: string): Promise<SearchRow | null> {
  const [row] = await sequelize.query<SearchRow>(`SELECT ${searchColumns} FROM ${BAP_SCHEMA}.search_request WHERE transaction_id = $1`, {
    type: QueryTypes.SELECT,
    bind: [transactionId],
    transaction,
  });
  return row ?? null;
}

export async function estimatesOf(sequelize: Sequelize, searchId: string): Promise<EstimateRow[]> {
  return sequelize.query<EstimateRow>(`SELECT ${estimateColumnsOf('e')} FROM ${BAP_SCHEMA}.estimate e WHERE search_request_id = $1 ORDER BY created_at, id`, {
    type: QueryTypes.SELECT,
    bind: [searchId],
  });
}

/** A rider's own estimate with its search's transaction. */
export async function findEstimateOf(
  sequelize: Sequelize,
  estimateId: string,
  personId: string,
  transaction?: Transaction,
): Promise<(EstimateRow & { transaction_id: string; city_code: string; domain: string; valid_until: Date }) | null> {
  const [row] = await sequelize.query<EstimateRow & { transaction_id: string; city_code: string; domain: string; valid_until: Date }>(
    `SELECT ${estimateColumnsOf('e')}, s.transaction_id, s.city_code, COALESCE(e.domain, s.domain) AS domain, s.valid_until
       FROM ${BAP_SCHEMA}.estimate e JOIN ${BAP_SCHEMA}.search_request s ON s.id = e.search_request_id
      WHERE e.id = $1 AND s.person_id = $2`,
    { type: QueryTypes.SELECT, bind: [estimateId, personId], ...(transaction ? { transaction } : {}) },
  );
  return row ?? null;
}

/** The estimated fare the offer's item states (its price value), when it is an amount. */
function estimatedValueOf(offer: unknown): string | null {
  const value = (offer as { item?: { price?: { value?: unknown } } } | null)?.item?.price?.value;
  return typeof value === 'string' && /^[0-9]+(\.[0-9]+)?$/.test(value) ? value : null;
}

/** The rider app's view of an estimate: its fare's range and, when the provider states it, its estimated value. */
export function estimateView(row: EstimateRow) {
  return {
    id: row.id,
    domain: row.domain,
    bppId: row.bpp_id,
    providerId: row.provider_id,
    providerName: row.provider_name,
    itemId: row.item_id,
    vehicle: { category: row.vehicle_category, variant: row.vehicle_variant },
    fare: { value: trimMoney(estimatedValueOf(row.offer)), min: trimMoney(row.min_fare), max: trimMoney(row.max_fare), currency: row.currency },
    receivedAt: new Date(row.created_at).toISOString(),
  };
}

/** numeric(30,10) text without its trailing zeros: "146.5000000000" → "146.5". */
export function trimMoney(value: string): string;
export function trimMoney(value: string | null): string | null;
export function trimMoney(value: string | null): string | null {
  if (value === null) return null;
  return trimDecimal(value);
}
