import type { RequestHandler } from '../../protocol/index.js';
import type { RideStatus } from '../booking/ride-lifecycle.js';
import { type AftercareDeps, readOrderRef } from './aftercare-deps.js';
import { AFTERCARE_ERRORS, domainCodes } from './aftercare-errors.js';
import { findConfirmedOrder, isCancelled } from './order-lookup.js';

/** The ride is tracked from the driver's assignment until it ends. */
const trackedStatuses: readonly RideStatus[] = ['NEW', 'ARRIVED', 'INPROGRESS'];

/** A Beckn gps string ("lat, lon") that the core Gps pattern accepts: fixed decimals, never an exponent. */
function gpsOf(point: { lat: number; lon: number }): string {
  const fixed = (n: number) => n.toFixed(6).replace(/\.?0+$/, '');
  return `${fixed(point.lat)}, ${fixed(point.lon)}`;
}

/**
 * track -> on_track: while the ride is on, tracking is `active` with the
 * driver's last reported position and when the device took it; once the
 * ride has ended or was cancelled it is `inactive`. An active ride whose
 * driver's position has expired is `active` without a location.
 */
export function createTrackHandler(deps: Pick<AftercareDeps, 'sequelize' | 'driverLocations'>): RequestHandler {
  return async (request, transaction) => {
    const named = readOrderRef(request.message, ['order_id', 'ref_id']);
    if (!named) return { error: { code: AFTERCARE_ERRORS.invalidRequest, message: 'the request names no order', paths: 'message.order_id' } };
    const order = await findConfirmedOrder(deps.sequelize, transaction, { ref: named.ref, bapId: request.context.bap_id ?? '' });
    if (!order) return { error: { code: domainCodes(request.context.domain).orderNotFound, message: `order ${named.ref} not found`, paths: named.path } };
    if (isCancelled(order) || !trackedStatuses.includes(order.ride.status)) return { message: { tracking: { status: 'inactive' } } };
    const last = await deps.driverLocations.last(order.ride.driverId);
    const location = last ? { location: { gps: gpsOf(last), updated_at: new Date(last.ts).toISOString() } } : {};
    return { message: { tracking: { status: 'active', ...location } } };
  };
}
