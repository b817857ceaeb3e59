import { parseGps } from '../../infra/geo/index.js';
import type { CallbackError, RequestHandler } from '../../protocol/index.js';
import { findEstimate } from '../allocation/allocation-data.js';
import { findEstimatePolicy } from '../booking/booking-store.js';
import { compare, estimateFare, haversineMeters, parseMoney, subtract, type LatLon } from '../domain/index.js';
import type { AftercareDeps } from './aftercare-deps.js';
import { AFTERCARE_ERRORS, domainCodes } from './aftercare-errors.js';
import { saveDropUpdate } from './drop-store.js';
import { buildCurrentOrder, findConfirmedOrder, isCancelled } from './order-lookup.js';

/** update_target values that name the fulfillment (its stops); nothing else of an order can change here. */
const dropTarget = /^(order\.)?fulfillments?(\[\d+\])?(\.stops)?$/i;
/** A START stop within this distance of the pickup is the pickup unchanged. */
const SAME_PLACE_METERS = 15;

/** The order id, the new drop and the pickup if the request restates it. */
function readDropChange(message: unknown): { orderId: string; drop: LatLon; pickup: LatLon | null } | CallbackError {
  const body = (typeof message === 'object' && message !== null ? message : {}) as { update_target?: unknown; order?: Record<string, unknown> };
  const targets = String(body.update_target ?? '')
    .split(',')
    .map((target) => target.trim())
    .filter((target) => target.length > 0);
  const unsupported = targets.filter((target) => !dropTarget.test(target));
  if (targets.length === 0 || unsupported.length > 0) {
    return {
      code: AFTERCARE_ERRORS.featureNotSupported,
      message: `only the drop (the fulfillment's END stop) can be updated, not ${unsupported.join(', ') || 'an empty update_target'}`,
      paths: 'message.update_target',
    };
  }
  const order = body.order ?? {};
  if (typeof order.id !== 'string' || order.id.length === 0) return { code: AFTERCARE_ERRORS.invalidRequest, message: 'the order id is missing', paths: 'message.order.id' };
  const fulfillment = Array.isArray(order.fulfillments) ? (order.fulfillments[0] as { stops?: unknown } | undefined) : undefined;
  const listed = fulfillment?.stops;
  const stops = (Array.isArray(listed) ? listed : []) as ({ type?: unknown; location?: { gps?: unknown } } | null)[];
  const stop = (type: string) => stops.find((s) => typeof s?.type === 'string' && s.type.toUpperCase() === type);
  const end = stop('END');
  const drop = parseGps(end?.location?.gps);
  if (!drop) return { code: AFTERCARE_ERRORS.invalidRequest, message: 'the update needs an END stop with a valid gps', paths: 'message.order.fulfillments[0].stops' };
  const start = stop('START');
  const pickup = start ? parseGps(start.location?.gps) : null;
  if (start && !pickup) return { code: AFTERCARE_ERRORS.invalidRequest, message: 'the START stop has no valid gps', paths: 'message.order.fulfillments[0].stops' };
  return { orderId: order.id, drop, pickup };
}

/**
 * update -> on_update, for a changed drop: before the ride ends the new END
 * stop is stored and the fare estimate recomputed for the route from the
 * pickup to it (the ride's fare policy; the night shift decided by the ride's
 * start, or now before it starts), and the order is answered with the new
 * stop and quote, as in the ONDC:TRV10 "updated order with recomputed
 * charges" example. Any other update_target, or a moved pickup, is refused
 * as not supported; an ended or cancelled ride cannot be updated.
 */
export function createUpdateHandler(deps: AftercareDeps): RequestHandler {
  const now = deps.now ?? (() => new Date());
  return async (request, transaction) => {
    const change = readDropChange(request.message);
    if ('code' in change) return { error: change };
    const codes = domainCodes(request.context.domain);
    const order = await findConfirmedOrder(deps.sequelize, transaction, { ref: change.orderId, bapId: request.context.bap_id ?? '', lock: true });
    if (!order) return { error: { code: codes.orderNotFound, message: `order ${change.orderId} not found`, paths: 'message.order.id' } };
    if (isCancelled(order) || order.ride.status === 'COMPLETED') {
      return { error: { code: codes.updateNotPossible, message: `the ride has ${isCancelled(order) ? 'been cancelled' : 'ended'}; the order can no longer change` } };
    }

    const estimate = await findEstimate(deps.sequelize, transaction, order.estimateId, order.bapId);
    const policy = estimate ? await findEstimatePolicy(deps.sequelize, transaction, estimate, deps.nightShiftTimeZone) : null;
    if (!estimate || !policy) throw new Error(`order ${order.bookingId} lost its estimate or fare policy`);
    if (change.pickup && haversineMeters(change.pickup, estimate.from) > SAME_PLACE_METERS) {
      return { error: { code: AFTERCARE_ERRORS.featureNotSupported, message: 'the pickup cannot be changed, only the drop', paths: 'message.order.fulfillments[0].stops' } };
    }

    // Priced as the search priced it: a pickup charge only where the estimate had one, with its special location's extra.
    const estimatedPickup = estimate.lines.find((line) => line.code === 'PICKUP_CHARGE');
    const extra = estimatedPickup ? subtract(parseMoney(estimatedPickup.amount, policy.currency), parseMoney(policy.pickupCharge, policy.currency)) : null;
    const route = await deps.routePlanner.route(estimate.from, change.drop);
    const fare = estimateFare(estimatedPickup ? policy : { ...policy, pickupCharge: '0' }, {
      distanceMeters: route.distanceMeters,
      durationSeconds: route.durationSeconds,
      at: order.ride.startedAt ?? now(),
      ...(extra && compare(extra, parseMoney('0', policy.currency)) > 0 ? { pickupChargeExtra: extra } : {}),
    });
    await saveDropUpdate(deps.sequelize, transaction, { rideId: order.ride.id, to: change.drop, route, estimate: fare });
    deps.logger?.debug({ orderId: order.bookingId, distanceMeters: route.distanceMeters }, 'drop updated');

    const updated = (await buildCurrentOrder(deps, transaction, order)) as { order: Record<string, unknown> };
    return { message: { order: { ...updated.order, updated_at: now().toISOString() } } };
  };
}
