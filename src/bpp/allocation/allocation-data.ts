import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { DriverLocationStore } from '../../infra/geo/index.js';
import { formatMoney, parseMoney } from '../domain/index.js';
import { BPP_SCHEMA, type VehicleCategory, type VehicleVariant } from '../models/index.js';
import { isUuid } from '../../infra/validation/index.js';

/** A stored estimate with what its search knew: the quote a select is answered with. */
export interface SelectedEstimate {
  id: string;
  searchRequestId: string;
  merchantId: string;
  /** The operating city the search was priced in. */
  cityId: string;
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
  /** The FARE_POLICY and INFO item tags on_search sent for the estimate (none for one stored before they were kept). */
  itemTags: Record<string, unknown>[];
  /** The payment on_search offered with the estimate's item (null for one stored before it was kept). */
  itemPayment: Record<string, unknown> | null;
}

const estimateSql = `
  SELECT e.id, e.search_request_id, s.merchant_id, s.merchant_operating_city_id, e.vehicle_variant, e.vehicle_category, e.currency,
         trim_scale(e.value)::text AS value, trim_scale(e.minimum_value)::text AS minimum_value,
         trim_scale(e.maximum_value)::text AS maximum_value,
         s.from_lat, s.from_lon, s.to_lat, s.to_lon, s.pickup_gate_name, e.item_tags, e.item_payment
    FROM ${BPP_SCHEMA}.estimate e JOIN ${BPP_SCHEMA}.search_request s ON s.id = e.search_request_id
   WHERE e.id = $1 AND s.bap_id = $2`;

const linesSql = `
  SELECT code, title, trim_scale(amount)::text AS amount
    FROM ${BPP_SCHEMA}.estimate_fare_line WHERE estimate_id = $1 ORDER BY position`;

interface EstimateRow {
  id: string;
  search_request_id: string;
  merchant_id: string;
  merchant_operating_city_id: string;
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
  item_tags: Record<string, unknown>[] | null;
  item_payment: Record<string, unknown> | null;
}


/** The estimate an on_search item id names, if the same BAP searched for it. */
export async function findEstimate(sequelize: Sequelize, transaction: Transaction, itemId: string, bapId: string): Promise<SelectedEstimate | null> {
  if (!isUuid(itemId)) return null;
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
    cityId: row.merchant_operating_city_id,
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
    itemTags: row.item_tags ?? [],
    itemPayment: row.item_payment,
  };
}

/** A driver a batch offers the ride to. */
export interface Candidate {
  driverId: string;
  distanceMeters: number;
  /** The pickup priority of the special-location queue the driver waits in, or null when in none. */
  queuePriority: number | null;
}

/** Online drivers of the merchant driving the estimate's variant, among the ids in $1. */
const candidateSql = `
  FROM ${BPP_SCHEMA}.driver d JOIN ${BPP_SCHEMA}.vehicle v ON v.driver_id = d.id
 WHERE d.id = ANY($1::uuid[]) AND d.merchant_id = $2 AND d.status = 'ONLINE' AND v.variant = $3`;

/**
 * Row-locks the candidates until the transaction ends, in id order so that
 * allocations locking overlapping sets never deadlock. Offers only become
 * visible to others when the offering transaction commits, so the bound on
 * open offers is counted under a lock held until then (a row lock, not a
 * lease released before the commit): a second allocation reaching for the
 * same driver waits, and its next statement sees the offers of the first.
 * NO KEY UPDATE leaves the driver free to be referenced by new offers.
 */
const lockCandidatesSql = `SELECT d.id ${candidateSql} ORDER BY d.id FOR NO KEY UPDATE OF d`;

/**
 * The candidates who have no offer of this round of the allocation yet
 * (declined, expired or still open alike), never had a ride of its booking
 * (a driver who cancelled it is not offered it again) and hold fewer than
 * $6 open offers of any allocation.
 */
const eligibleSql = `
  SELECT d.id ${candidateSql}
     AND NOT EXISTS (SELECT 1 FROM ${BPP_SCHEMA}.ride_offer o WHERE o.allocation_id = $4::uuid AND o.round = $5 AND o.driver_id = d.id)
     AND NOT EXISTS (
       SELECT 1 FROM ${BPP_SCHEMA}.ride r JOIN ${BPP_SCHEMA}.booking b ON b.id = r.booking_id
        WHERE b.allocation_id = $4::uuid AND r.driver_id = d.id)
     AND (SELECT count(*) FROM ${BPP_SCHEMA}.ride_offer held
           WHERE held.driver_id = d.id AND held.status = 'OFFERED' AND held.expires_at > now()) < $6`;

/** The rank of a queue whose category has no priority: after every configured one (at most 1000). */
const UNRANKED_QUEUE = 1_000_000;

/**
 * The queues a pickup is served from: the gates drivers may queue up at
 * (can_queue_up_on_gate, with a polygon) of the special location holding the
 * pickup and of the locations it links. A driver whose position lies in such
 * a gate's polygon waits in that queue; the queue's priority is the pickup
 * priority of its location's category (lower goes first), and a queue whose
 * category has no priority comes after those that have one. A pickup inside
 * a Closed location is served from those queues only.
 */
const queueLocationsSql = `
  pickup_location AS (
    SELECT id, linked_locations_ids, location_type
      FROM ${BPP_SCHEMA}.special_location
     WHERE geom @> polygon(box(point($1, $2), point($1, $2)))
       AND geom @> point($1, $2)
       AND merchant_operating_city_id = $3
  ), queue_location AS (
    SELECT DISTINCT s.id, s.category
      FROM ${BPP_SCHEMA}.special_location s JOIN pickup_location p ON s.id = p.id OR s.id::text = ANY(p.linked_locations_ids)
     WHERE s.merchant_operating_city_id = $3
  )`;

const queuePrioritySql = `
  WITH ${queueLocationsSql}
  SELECT d.driver_id::text AS driver_id, min(coalesce(pr.pickup_priority, ${UNRANKED_QUEUE})) AS priority
    FROM unnest($4::uuid[], $5::double precision[], $6::double precision[]) AS d(driver_id, lon, lat)
    JOIN ${BPP_SCHEMA}.gate_info g ON g.can_queue_up_on_gate AND g.geom IS NOT NULL AND g.geom @> point(d.lon, d.lat)
    JOIN queue_location q ON q.id = g.special_location_id
    LEFT JOIN ${BPP_SCHEMA}.special_location_priority pr
           ON pr.merchant_id = $7 AND pr.merchant_operating_city_id = $3 AND pr.category = q.category
   GROUP BY d.driver_id`;

/** Nearby drivers looked up before filtering by variant, status and earlier offers. */
const NEARBY_LOOKUP_LIMIT = 200;

/**
 * The next batch of an allocation: at most `size` eligible drivers within
 * `radiusMeters` of the pickup, each holding fewer than `maxOffersPerDriver`
 * open offers. Drivers waiting in a special-location queue of the pickup
 * come first, queue by queue in priority order, then everyone else (no one
 * else when the pickup lies in a Closed special location); within each
 * group the nearest first. The candidates stay row-locked until the
 * transaction ends (see lockCandidatesSql).
 */
export async function findBatch(
  sequelize: Sequelize,
  transaction: Transaction,
  driverLocations: DriverLocationStore,
  input: { estimate: SelectedEstimate; allocationId: string | null; round: number; size: number; radiusMeters: number; maxOffersPerDriver: number },
): Promise<Candidate[]> {
  const { estimate } = input;
  const nearby = await driverLocations.nearby(estimate.from, input.radiusMeters, { limit: NEARBY_LOOKUP_LIMIT });
  if (nearby.length === 0) return [];
  const candidates = [nearby.map((d) => d.driverId), estimate.merchantId, estimate.variant];
  await sequelize.query(lockCandidatesSql, { type: QueryTypes.SELECT, bind: candidates, transaction });
  const rows = await sequelize.query<{ id: string }>(eligibleSql, {
    type: QueryTypes.SELECT,
    bind: [...candidates, input.allocationId, input.round, input.maxOffersPerDriver],
    transaction,
  });
  const eligibleIds = new Set(rows.map((row) => row.id));
  const eligible = nearby.filter((d) => eligibleIds.has(d.driverId));
  if (eligible.length === 0) return [];
  const queues = await pickupQueues(sequelize, transaction, estimate);
  const priorities = queues.found
    ? await queuePriorities(sequelize, transaction, driverLocations, estimate, eligible.map((d) => d.driverId))
    : new Map<string, number>();
  const rank = (c: Candidate) => (c.queuePriority === null ? Number.POSITIVE_INFINITY : c.queuePriority);
  return eligible
    .map((d, position) => ({ candidate: { ...d, queuePriority: priorities.get(d.driverId) ?? null }, position }))
    .filter(({ candidate }) => !queues.closed || candidate.queuePriority !== null)
    .sort((a, b) => rank(a.candidate) - rank(b.candidate) || a.position - b.position)
    .slice(0, input.size)
    .map(({ candidate }) => candidate);
}

/**
 * Whether the pickup is served from any queue (most are not, and then no
 * driver position is read), and whether it lies in a Closed location, which
 * only queued drivers serve.
 */
async function pickupQueues(sequelize: Sequelize, transaction: Transaction, estimate: SelectedEstimate): Promise<{ found: boolean; closed: boolean }> {
  const [row] = await sequelize.query<{ found: boolean; closed: boolean }>(
    `WITH ${queueLocationsSql}
     SELECT EXISTS (
       SELECT 1 FROM ${BPP_SCHEMA}.gate_info g JOIN queue_location q ON q.id = g.special_location_id
        WHERE g.can_queue_up_on_gate AND g.geom IS NOT NULL
     ) AS found,
     EXISTS (SELECT 1 FROM pickup_location WHERE location_type = 'Closed') AS closed`,
    { type: QueryTypes.SELECT, bind: [estimate.from.lon, estimate.from.lat, estimate.cityId], transaction },
  );
  return { found: row?.found === true, closed: row?.closed === true };
}

async function queuePriorities(
  sequelize: Sequelize,
  transaction: Transaction,
  driverLocations: DriverLocationStore,
  estimate: SelectedEstimate,
  driverIds: readonly string[],
): Promise<Map<string, number>> {
  const positions = await Promise.all(driverIds.map(async (driverId) => ({ driverId, at: await driverLocations.last(driverId) })));
  const located = positions.filter((p): p is { driverId: string; at: NonNullable<typeof p.at> } => p.at !== null);
  if (located.length === 0) return new Map();
  const rows = await sequelize.query<{ driver_id: string; priority: number }>(queuePrioritySql, {
    type: QueryTypes.SELECT,
    bind: [
      estimate.from.lon,
      estimate.from.lat,
      estimate.cityId,
      located.map((p) => p.driverId),
      located.map((p) => p.at.lon),
      located.map((p) => p.at.lat),
      estimate.merchantId,
    ],
    transaction,
  });
  return new Map(rows.map((row) => [row.driver_id, Number(row.priority)]));
}

/** The driver and vehicle an accepted offer assigns, as on_select shows them. */
export interface OfferedDriver {
  name: string;
  category: VehicleCategory;
  variant: VehicleVariant;
  registrationNo: string;
  make: string | null;
  model: string | null;
  /**
   * The number a rider reaches the driver by in a message: the driver's
   * mobile masked, or the merchant's support number as a proxy for a driver
   * registered before masked numbers were kept. Never the full number.
   */
  contactPhone: string | null;
}

interface OfferedDriverRow {
  name: string;
  category: VehicleCategory;
  variant: VehicleVariant;
  registration_no: string;
  make: string | null;
  model: string | null;
  contact_phone: string | null;
}

/** Columns of driver d, vehicle v and merchant m that make an OfferedDriver. */
export const offeredDriverColumns = 'd.name, v.category, v.variant, v.registration_no, v.make, v.model, COALESCE(d.mobile_number_masked, m.support_phone) AS contact_phone';
export const offeredDriverJoins = `${BPP_SCHEMA}.driver d JOIN ${BPP_SCHEMA}.vehicle v ON v.driver_id = d.id JOIN ${BPP_SCHEMA}.merchant m ON m.id = d.merchant_id`;

export function toOfferedDriver(row: OfferedDriverRow): OfferedDriver {
  return {
    name: row.name,
    category: row.category,
    variant: row.variant,
    registrationNo: row.registration_no,
    make: row.make,
    model: row.model,
    contactPhone: row.contact_phone,
  };
}

export async function findOfferedDriver(sequelize: Sequelize, transaction: Transaction, driverId: string): Promise<OfferedDriver | null> {
  const [row] = await sequelize.query<OfferedDriverRow>(`SELECT ${offeredDriverColumns} FROM ${offeredDriverJoins} WHERE d.id = $1`, {
    type: QueryTypes.SELECT,
    bind: [driverId],
    transaction,
  });
  return row ? toOfferedDriver(row) : null;
}
