import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { AppError, type RouteSpec } from '../../infra/http/index.js';
import { BOOKING_QUOTE_TTL_SECONDS } from '../bpp-settings.js';
import { assignNewDriver, reallocationEnd, type OrderPushDeps } from '../booking/index.js';
import { advanceAllocation, lockAllocation, type LockedAllocation } from '../allocation/index.js';
import { findEstimate, findOfferedDriver } from '../allocation/allocation-data.js';
import { buildSelectQuote } from '../allocation/select-quote.js';
import { BPP_SCHEMA } from '../models/index.js';
import type { DriverAuth } from './driver-auth.js';
import { DRIVER_APP_TAG, DRIVER_SECURITY, type DriverAppDeps } from './driver-app-deps.js';
import { isUuid } from '../../infra/validation/index.js';
import { recordOfferAnswers } from '../business-events.js';
import { offerAcceptedSchema, rideOffersSchema } from './driver-responses.js';

const openOffersSql = `
  SELECT o.id, o.allocation_id, o.distance_meters, o.expires_at, e.vehicle_variant, e.currency,
         trim_scale(e.value)::text AS fare, s.from_lat, s.from_lon, s.to_lat, s.to_lon,
         s.distance_meters AS ride_distance_meters, s.pickup_gate_name
    FROM ${BPP_SCHEMA}.ride_offer o
    JOIN ${BPP_SCHEMA}.allocation a ON a.id = o.allocation_id
    JOIN ${BPP_SCHEMA}.estimate e ON e.id = o.estimate_id
    JOIN ${BPP_SCHEMA}.search_request s ON s.id = o.search_request_id
   WHERE o.driver_id = $1 AND o.status = 'OFFERED' AND o.expires_at > now() AND a.status = 'SEARCHING'
   ORDER BY o.created_at`;

interface OpenOfferRow {
  id: string;
  allocation_id: string;
  distance_meters: number;
  expires_at: Date;
  vehicle_variant: string;
  currency: string;
  fare: string;
  from_lat: number;
  from_lon: number;
  to_lat: number;
  to_lon: number;
  ride_distance_meters: number;
  pickup_gate_name: string | null;
}

interface LockedOffer {
  allocation: LockedAllocation;
  status: string;
  expired: boolean;
}

/**
 * Locks the offer's allocation row first (every accept and decline of the
 * allocation queues behind it, which is what makes the first accept win),
 * then reads the offer under that lock. Another driver's offer is reported
 * as missing, so offer ids reveal nothing.
 */
async function lockOffer(sequelize: Sequelize, transaction: Transaction, offerId: string, driverId: string): Promise<LockedOffer> {
  const [target] = await sequelize.query<{ allocation_id: string }>(`SELECT allocation_id FROM ${BPP_SCHEMA}.ride_offer WHERE id = $1 AND driver_id = $2`, {
    type: QueryTypes.SELECT,
    bind: [offerId, driverId],
    transaction,
  });
  if (!target) throw new AppError('NOT_FOUND', `ride offer ${offerId} not found`);
  const allocation = await lockAllocation(sequelize, transaction, target.allocation_id);
  const [offer] = await sequelize.query<{ status: string; expired: boolean }>(
    `SELECT status, expires_at <= now() AS expired FROM ${BPP_SCHEMA}.ride_offer WHERE id = $1`,
    { type: QueryTypes.SELECT, bind: [offerId], transaction },
  );
  if (!allocation || !offer) throw new AppError('NOT_FOUND', `ride offer ${offerId} not found`);
  return { allocation, status: offer.status, expired: offer.expired };
}

/** Only an open offer of a still-searching allocation can be answered; anything else is a 409 that changes nothing. */
function requireOpen(offer: LockedOffer): void {
  if (offer.status !== 'OFFERED') throw new AppError('CONFLICT', `the ride offer is ${offer.status.toLowerCase()}`);
  if (offer.expired) throw new AppError('CONFLICT', 'the ride offer has expired');
  if (offer.allocation.status !== 'SEARCHING') throw new AppError('CONFLICT', 'the ride is no longer looking for a driver');
}

/** What pushes about a confirmed order (a re-allocation's accept, its end) need. */
const orderPushDeps = (deps: DriverAppDeps): OrderPushDeps => ({
  sequelize: deps.sequelize,
  sender: deps.sender,
  quoteTtlSeconds: BOOKING_QUOTE_TTL_SECONDS,
});

/**
 * Accepting reserves the driver for the ride by moving them to ON_RIDE (they
 * get no other offers and cannot go offline) under the driver's row lock,
 * taken after the allocation's: the status routes lock only the driver, so
 * the two never wait on each other in opposite orders. The same transaction
 * queues the on_select that answers the select (its message_id) with the
 * driver and vehicle, so the BAP hears of exactly the driver who won. In a
 * re-allocation round (a confirmed booking whose driver cancelled) the select
 * was answered long ago: the driver takes the booking over with a new ride
 * instead, pushed to the BAP as on_status RIDE_ASSIGNED.
 */
async function accept(deps: DriverAppDeps, offerId: string, driverId: string): Promise<string> {
  const { sequelize } = deps;
  return sequelize.transaction(async (transaction) => {
    const offer = await lockOffer(sequelize, transaction, offerId, driverId);
    requireOpen(offer);
    const [driver] = await sequelize.query<{ status: string }>(`SELECT status FROM ${BPP_SCHEMA}.driver WHERE id = $1 FOR UPDATE`, {
      type: QueryTypes.SELECT,
      bind: [driverId],
      transaction,
    });
    if (driver?.status !== 'ONLINE') throw new AppError('CONFLICT', 'only an online driver who is not on a ride can accept');
    const allocationId = offer.allocation.id;
    const run = (sql: string, bind: unknown[]) => sequelize.query(sql, { bind, transaction });
    await run(`UPDATE ${BPP_SCHEMA}.allocation SET status = 'ASSIGNED', driver_id = $2, updated_at = now() WHERE id = $1`, [allocationId, driverId]);
    await run(`UPDATE ${BPP_SCHEMA}.ride_offer SET status = 'ACCEPTED', updated_at = now() WHERE id = $1`, [offerId]);
    await run(`UPDATE ${BPP_SCHEMA}.ride_offer SET status = 'TAKEN', updated_at = now() WHERE allocation_id = $1 AND id <> $2 AND status = 'OFFERED'`, [
      allocationId,
      offerId,
    ]);
    await run(`UPDATE ${BPP_SCHEMA}.driver SET status = 'ON_RIDE', updated_at = now() WHERE id = $1`, [driverId]);
    await recordOfferAnswers(sequelize, transaction, allocationId, [{ offerId, driverId }], 'ACCEPTED');

    if (offer.allocation.round > 1) {
      await assignNewDriver(orderPushDeps(deps), transaction, { allocationId, driverId });
      return allocationId;
    }
    const context = offer.allocation.selectContext;
    const estimate = await findEstimate(sequelize, transaction, offer.allocation.estimateId, context.bap_id ?? '');
    const assigned = await findOfferedDriver(sequelize, transaction, driverId);
    if (!estimate || !assigned) throw new Error(`allocation ${allocationId} lost its estimate or driver`);
    const quote = buildSelectQuote(estimate, BOOKING_QUOTE_TTL_SECONDS, assigned);
    await deps.sender.sendCallback({ action: 'on_select', context, reply: { message: quote } }, transaction);
    return allocationId;
  });
}

/**
 * Declining may settle the current batch (every offer of it answered): the
 * next batch is offered at once, in the same transaction, rather than when
 * the batch would have expired. The allocation's pending check still runs
 * and follows whatever batch is current by then.
 */
async function decline(deps: DriverAppDeps, offerId: string, driverId: string): Promise<void> {
  const { sequelize } = deps;
  await sequelize.transaction(async (transaction) => {
    const offer = await lockOffer(sequelize, transaction, offerId, driverId);
    requireOpen(offer);
    await sequelize.query(`UPDATE ${BPP_SCHEMA}.ride_offer SET status = 'DECLINED', updated_at = now() WHERE id = $1`, { bind: [offerId], transaction });
    await recordOfferAnswers(sequelize, transaction, offer.allocation.id, [{ offerId, driverId }], 'DECLINED');
    await advanceAllocation({ ...deps, reallocation: reallocationEnd(orderPushDeps(deps)) }, transaction, offer.allocation);
  });
}

function offerIdParam(params: Record<string, string>): string {
  const id = params.id ?? '';
  if (!isUuid(id)) throw new AppError('VALIDATION_FAILED', 'id must be a uuid', [{ path: 'id', message: 'must be a uuid' }]);
  return id;
}

/** The driver's side of allocation: open offers, and answering one. */
export function rideOfferRoutes(deps: DriverAppDeps, auth: DriverAuth): RouteSpec[] {
  const { sequelize } = deps;
  return [
    {
      method: 'get',
      path: '/driver/ride-offers',
      summary: "The caller's open ride offers (not answered, not expired), oldest first",
      tag: DRIVER_APP_TAG,
      security: DRIVER_SECURITY,
      authorize: (req) => auth.requireDriver(req),
      responses: { 200: { description: 'Open offers', schema: rideOffersSchema } },
      handler: async ({ req }, res) => {
        const { driverId } = auth.driverOf(req);
        const rows = await sequelize.query<OpenOfferRow>(openOffersSql, { type: QueryTypes.SELECT, bind: [driverId] });
        res.json({
          offers: rows.map((row) => ({
            id: row.id,
            allocation_id: row.allocation_id,
            expires_at: new Date(row.expires_at).toISOString(),
            distance_to_pickup_meters: row.distance_meters,
            vehicle_variant: row.vehicle_variant,
            fare: { currency: row.currency.trim(), value: row.fare },
            pickup: { lat: row.from_lat, lon: row.from_lon, gate: row.pickup_gate_name },
            drop: { lat: row.to_lat, lon: row.to_lon },
            ride_distance_meters: row.ride_distance_meters,
          })),
        });
      },
    },
    {
      method: 'post',
      path: '/driver/ride-offers/:id/accept',
      summary: 'Accepts an open ride offer; the first accept of a ride wins, the driver is reserved for it and the BAP gets on_select',
      tag: DRIVER_APP_TAG,
      security: DRIVER_SECURITY,
      authorize: (req) => auth.requireDriver(req),
      responses: {
        200: { description: 'The ride is assigned to the caller', schema: offerAcceptedSchema },
        404: { description: 'No such offer for this driver' },
        409: { description: 'Taken by another driver, expired, already answered, or the driver is not free' },
      },
      handler: async ({ params, req }, res) => {
        const { driverId } = auth.driverOf(req);
        const offerId = offerIdParam(params);
        const allocationId = await accept(deps, offerId, driverId);
        res.json({ id: offerId, allocation_id: allocationId, status: 'ACCEPTED' });
      },
    },
    {
      method: 'post',
      path: '/driver/ride-offers/:id/decline',
      summary: 'Declines an open ride offer; when the whole batch declined, the next batch is offered',
      tag: DRIVER_APP_TAG,
      security: DRIVER_SECURITY,
      authorize: (req) => auth.requireDriver(req),
      responses: { 200: { description: 'Declined' }, 404: { description: 'No such offer for this driver' }, 409: { description: 'No longer open' } },
      handler: async ({ params, req }, res) => {
        const offerId = offerIdParam(params);
        await decline(deps, offerId, auth.driverOf(req).driverId);
        res.json({ id: offerId, status: 'DECLINED' });
      },
    },
  ];
}
