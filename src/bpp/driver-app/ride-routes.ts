import { BOOKING_QUOTE_TTL_SECONDS, NIGHT_SHIFT_TIME_ZONE } from '../bpp-settings.js';
import { formatMoney } from '../domain/index.js';
import { cancelRideByDriver, moveRide, type MovedRide, type RideMove } from '../booking/index.js';
import { AppError, type RouteSpec } from '../../infra/http/index.js';
import type { DriverAuth } from './driver-auth.js';
import { DRIVER_APP_TAG, DRIVER_SECURITY, type DriverAppDeps } from './driver-app-deps.js';
import { rideCancelSchema } from './driver-app-schemas.js';
import { isUuid } from '../../infra/validation/index.js';
import { rideMovedSchema } from './driver-responses.js';


const rideStartSchema = {
  $id: 'beckn-ride/bpp/ride-start',
  type: 'object',
  required: ['otp'],
  additionalProperties: false,
  properties: { otp: { type: 'string', pattern: '^[0-9]{4}$' } },
} as const;

function rideIdParam(params: Record<string, string>): string {
  const rideId = params.id ?? '';
  if (!isUuid(rideId)) throw new AppError('VALIDATION_FAILED', 'id must be a uuid', [{ path: 'id', message: 'must be a uuid' }]);
  return rideId;
}

function rideAnswer(moved: MovedRide): Record<string, unknown> {
  return {
    ride_id: moved.rideId,
    status: moved.status,
    fulfillment_state: moved.state,
    ...(moved.finalFare
      ? {
          traveled_distance_meters: moved.traveledDistanceMeters,
          final_fare: {
            currency: moved.finalFare.total.currency,
            value: formatMoney(moved.finalFare.total),
            breakup: moved.finalFare.lines.map((line) => ({ code: line.code, title: line.title, value: formatMoney(line.price) })),
          },
        }
      : {}),
  };
}

/**
 * The driver moves their own ride: arrived at the pickup, started with the
 * rider's OTP, ended. A move out of order, a wrong OTP or another driver's
 * ride changes nothing; each move is pushed to the BAP as on_status.
 */
export function rideRoutes(deps: DriverAppDeps, auth: DriverAuth): RouteSpec[] {
  const lifecycle = {
    sequelize: deps.sequelize,
    sender: deps.sender,
    driverLocations: deps.driverLocations,
    scheduler: deps.scheduler,
    quoteTtlSeconds: BOOKING_QUOTE_TTL_SECONDS,
    nightShiftTimeZone: NIGHT_SHIFT_TIME_ZONE,
    now: deps.now ?? Date.now,
  };
  const route = (move: RideMove, summary: string, extra: Partial<RouteSpec> = {}): RouteSpec => ({
    method: 'post',
    path: `/driver/rides/:id/${move}`,
    summary,
    tag: DRIVER_APP_TAG,
    security: DRIVER_SECURITY,
    authorize: (req) => auth.requireDriver(req),
    responses: {
      200: { description: 'The ride after the move', schema: rideMovedSchema },
      404: { description: "No such ride of this driver" },
      409: { description: 'The ride is not in the state this move starts from' },
      ...extra.responses,
    },
    ...(extra.request ? { request: extra.request } : {}),
    handler: async ({ params, body, req }, res) => {
      const { driverId } = auth.driverOf(req);
      const otp = move === 'start' ? (body as { otp: string }).otp : undefined;
      const moved = await moveRide(lifecycle, { rideId: rideIdParam(params), driverId, move, ...(otp !== undefined ? { otp } : {}) });
      res.json(rideAnswer(moved));
    },
  });
  return [
    route('enroute', 'The driver sets off to the pickup: the ride stays NEW, pushed as RIDE_ENROUTE_PICKUP (once)'),
    route('arrived', 'The driver is at the pickup: NEW -> ARRIVED, pushed as RIDE_ARRIVED_PICKUP'),
    route('start', "Starts the ride with the rider's OTP: ARRIVED -> INPROGRESS, pushed as RIDE_STARTED", {
      request: { body: rideStartSchema },
      responses: { 403: { description: 'The OTP does not match' } },
    }),
    route('end', 'Ends the ride: INPROGRESS -> COMPLETED with the final fare from its waypoints, pushed as RIDE_ENDED'),
    {
      method: 'post',
      path: '/driver/rides/:id/cancel',
      summary:
        'Cancels the ride before it starts; the driver is free. Before the pickup, for reason 013 (accepted by mistake) or 000 (technical), the booking ' +
        'is offered to other drivers nearby (the BAP gets on_status RIDE_CONFIRMED, then RIDE_ASSIGNED when one accepts); otherwise, at the pickup, ' +
        'or with nobody near or nobody accepting in time, the booking is cancelled for the reason (no fee for the rider) and the BAP gets on_cancel',
      tag: DRIVER_APP_TAG,
      security: DRIVER_SECURITY,
      authorize: (req) => auth.requireDriver(req),
      request: { body: rideCancelSchema },
      responses: {
        200: { description: 'The cancelled ride' },
        404: { description: 'No such ride of this driver' },
        409: { description: 'The ride has started, ended or is cancelled already' },
      },
      handler: async ({ params, body, req }, res) => {
        const { driverId } = auth.driverOf(req);
        const { reasonCode } = body as { reasonCode: string };
        const cancelled = await cancelRideByDriver(lifecycle, { rideId: rideIdParam(params), driverId, reasonCode });
        res.json({ ride_id: cancelled.rideId, status: 'CANCELLED', fulfillment_state: 'RIDE_CANCELLED' });
      },
    },
  ];
}
