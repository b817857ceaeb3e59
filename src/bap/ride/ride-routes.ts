import type { Request } from 'express';
import { AppError, type RouteSpec } from '../../infra/http/index.js';
import type { RequestInput } from '../../protocol/outbound/index.js';
import { BAP_SCHEMA, RIDER_APP_TAG, RIDER_SECURITY, bookingChannel, versionOfDomain, type BapDeps } from '../bap-deps.js';
import { readBookingView } from '../booking/booking-view.js';
import { runIdempotent, runIdempotentWaiting } from '../idempotency.js';
import type { RiderAuth } from '../rider-auth.js';
import { streamView } from '../rider-events.js';
import { sendAndAwait, type Reply } from './replies.js';
import { findRiderBooking, keepRiderCancelReason, type RideBooking } from './ride-store.js';
import { endUnpaidBooking } from '../payment/unpaid-booking.js';
import { isUuid } from '../../infra/validation/index.js';
import { cancelAnswerSchema, requestPendingSchema, statusRefreshedSchema } from '../rider-responses.js';

/** How long a rider request waits for the BPP's callback. */
const REPLY_WAIT_MS = 10_000;
/** Tracking is asked often; past this the last known position is answered, marked stale. */
const TRACK_WAIT_MS = 3_000;
const MAX_COMMENT_LENGTH = 2_000;

/** Reasons a rider may cancel with: ONDC:TRV10's list, or the Beckn mobility meta list for nic2004:60221. */
const riderCancelReasons: Readonly<Record<string, readonly string[]>> = {
  'ONDC:TRV10': ['000', '001', '002', '003', '004', '005'],
  default: ['1', '2', '3', '4', '5', '6', '7'],
};

export function riderCancelReasonsOf(domain: string): readonly string[] {
  return riderCancelReasons[domain] ?? riderCancelReasons.default ?? [];
}

export const cancelBodySchema = {
  $id: 'beckn-ride/rider-cancel',
  type: 'object',
  additionalProperties: false,
  required: ['reasonCode', 'confirm'],
  properties: { reasonCode: { type: 'string', minLength: 1, maxLength: 16 }, confirm: { type: 'boolean' } },
} as const;

export const dropBodySchema = {
  $id: 'beckn-ride/rider-drop',
  type: 'object',
  additionalProperties: false,
  required: ['lat', 'lon'],
  properties: { lat: { type: 'number', minimum: -90, maximum: 90 }, lon: { type: 'number', minimum: -180, maximum: 180 } },
} as const;

export const ratingBodySchema = {
  $id: 'beckn-ride/rider-rating',
  type: 'object',
  additionalProperties: false,
  required: ['value'],
  properties: { value: { type: 'integer', minimum: 1, maximum: 5 }, comment: { type: 'string', maxLength: MAX_COMMENT_LENGTH } },
} as const;

/** support and status take no body: an empty JSON object is tolerated, anything else refused. */
function requireNoBody(body: unknown): void {
  if (body === undefined || body === null) return;
  if (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0) return;
  throw new AppError('VALIDATION_FAILED', 'this request takes no body', [{ path: '', message: 'must be empty' }]);
}

/** The ride's states after which it can no longer be cancelled (our BPP refuses: 50001). */
const notCancellable = new Set(['RIDE_STARTED', 'RIDE_ENDED', 'RIDE_CANCELLED']);

/** The rider app's routes once a booking is confirmed: follow it, track the driver, change the drop, cancel, rate, ask for support, refresh. */
export function rideRoutes(deps: BapDeps, auth: RiderAuth): RouteSpec[] {
  const { sequelize, sender, settings } = deps;

  const ownBooking = async (req: Request, id: string): Promise<RideBooking> => {
    const booking = isUuid(id) ? await findRiderBooking(sequelize, id, auth.riderOf(req)) : null;
    if (!booking) throw new AppError('NOT_FOUND', `booking ${id} not found`);
    return booking;
  };
  const orderIdOf = (booking: RideBooking): string => {
    if (!booking.bpp_order_id || booking.ride_id === null) throw new AppError('CONFLICT', `the booking is ${booking.status}: it has no confirmed order yet`);
    return booking.bpp_order_id;
  };
  const requestTo = (booking: RideBooking, action: RequestInput['action'], message: unknown): RequestInput => ({
    action,
    context: {
      domain: booking.domain,
      version: versionOfDomain(booking.domain),
      location: { city: { code: booking.city_code }, country: { code: settings.countryCode } },
      transaction_id: booking.transaction_id,
      bpp_id: booking.bpp_id,
      bpp_uri: booking.bpp_uri,
      ttl: settings.requestTtl,
    },
    message,
  });
  /** Sends now (committed at once, so the BPP can answer while we wait) and waits for the answer. */
  const ask = (booking: RideBooking, action: RequestInput['action'], message: unknown, timeoutMs = REPLY_WAIT_MS) =>
    sendAndAwait(deps, booking.id, () => sender.sendRequest(requestTo(booking, action, message)), timeoutMs);
  const refused = (reply: Reply): never => {
    throw new AppError('CONFLICT', `the provider refused: ${reply.error?.message || reply.error?.code}`, { bppCode: reply.error?.code });
  };
  const view = async (req: Request, bookingId: string) => {
    const current = await readBookingView(deps, bookingId, auth.riderOf(req));
    if (!current) throw new AppError('NOT_FOUND', `booking ${bookingId} not found`);
    return current;
  };
  const common = {
    tag: RIDER_APP_TAG,
    security: RIDER_SECURITY,
    authorize: (req: Request) => auth.requireRider(req),
  };

  return [
    {
      ...common,
      method: 'get',
      path: '/rider/bookings/:id/events',
      summary: 'Server-sent events: a `booking` event (the booking view) on each change of its state, `end` once completed or cancelled',
      responses: { 200: { description: 'text/event-stream', contentType: 'text/event-stream' }, 404: { description: 'No such booking of this rider' } },
      handler: async ({ params, req }, res) => {
        const booking = await ownBooking(req, params.id as string);
        const personId = auth.riderOf(req);
        await streamView(deps, req, res, bookingChannel(booking.id), async () => {
          const current = await readBookingView(deps, booking.id, personId);
          if (!current) return { items: [], done: true };
          const key = [current.status, current.ride?.state ?? '-', current.ride?.history.length ?? 0, current.cancellation?.status ?? '-'].join(':');
          return { items: [{ key, event: 'booking', data: current }], done: current.status === 'COMPLETED' || current.status === 'CANCELLED' || current.status === 'FAILED' };
        });
      },
    },
    {
      ...common,
      method: 'get',
      path: '/rider/bookings/:id/track',
      summary: "The driver's position: asked from the BPP (track), or the last known one marked stale when it does not answer in time",
      responses: { 200: { description: '{bookingId, status, location: {lat, lon, at} | null, stale}' }, 404: { description: 'No such booking' }, 409: { description: 'The ride is not on' } },
      handler: async ({ params, req }, res) => {
        const booking = await ownBooking(req, params.id as string);
        const orderId = orderIdOf(booking);
        if (booking.status !== 'CONFIRMED') throw new AppError('CONFLICT', `the booking is ${booking.status}: there is no ride to track`);
        const { reply } = await ask(booking, 'track', { order_id: orderId }, TRACK_WAIT_MS);
        const data = reply?.data as { status?: string | null; location?: { lat: number; lon: number; at: string } | null } | undefined;
        if (data?.location) {
          res.json({ bookingId: booking.id, status: data.status ?? 'active', location: data.location, stale: false });
          return;
        }
        const last = await findRiderBooking(sequelize, booking.id, auth.riderOf(req));
        const known =
          last && last.driver_lat !== null && last.driver_lon !== null && last.driver_location_at
            ? { lat: last.driver_lat, lon: last.driver_lon, at: new Date(last.driver_location_at).toISOString() }
            : null;
        res.json({ bookingId: booking.id, status: data?.status ?? (reply?.error ? 'error' : 'unknown'), location: known, stale: true });
      },
    },
    {
      ...common,
      method: 'post',
      path: '/rider/bookings/:id/cancel',
      summary:
        'Cancels in two steps: confirm=false asks the fee (SOFT_CANCEL), confirm=true cancels (CONFIRM_CANCEL) and answers the cancelled booking; a booking still awaiting its payment is cancelled at no fee with its payment order',
      request: { body: cancelBodySchema },
      responses: {
        200: { description: 'confirm=false: {bookingId, status: FEE_QUOTED, fee}; confirm=true: the cancelled booking', schema: cancelAnswerSchema },
        202: { description: 'Sent; the provider has not answered yet', schema: requestPendingSchema },
        400: { description: 'Not a rider cancellation reason of the booking domain' },
        404: { description: 'No such booking' },
        409: { description: 'The ride started, ended or was cancelled, or the provider refused' },
      },
      handler: async ({ params, body, req }, res) => {
        const { reasonCode, confirm } = body as { reasonCode: string; confirm: boolean };
        const booking = await ownBooking(req, params.id as string);
        if (!riderCancelReasonsOf(booking.domain).includes(reasonCode)) {
          throw new AppError('VALIDATION_FAILED', `reasonCode must be one of ${riderCancelReasonsOf(booking.domain).join(', ')}`, [{ path: 'reasonCode', message: 'unknown reason' }]);
        }
        await runIdempotentWaiting(sequelize, req, res, auth.riderOf(req), async () => {
          const current = (await findRiderBooking(sequelize, booking.id, auth.riderOf(req))) ?? booking;
          if (current.status === 'AWAITING_PAYMENT') {
            // Not confirmed yet, so there is no order at the provider to cancel: the booking and its payment order end here.
            if (!confirm) return { status: 200, body: { bookingId: current.id, status: 'FEE_QUOTED', reasonCode, fee: null } };
            const ended = await endUnpaidBooking(deps, current.id, 'CANCELLED');
            if (!ended.ended && ended.status !== 'CANCELLED') throw new AppError('CONFLICT', `the booking is ${ended.status}: cancel it again to cancel the ride`);
            return { status: 200, body: await view(req, current.id) };
          }
          const orderId = orderIdOf(current);
          if (current.status !== 'CONFIRMED' || (current.ride_state !== null && notCancellable.has(current.ride_state))) {
            throw new AppError('CONFLICT', `the booking is ${current.status} (${current.ride_state ?? 'no ride'}): it can no longer be cancelled`);
          }
          const step = confirm ? 'CONFIRM_CANCEL' : 'SOFT_CANCEL';
          await keepRiderCancelReason(sequelize, current.id, reasonCode);
          const { messageId, reply } = await ask(current, 'cancel', {
            order_id: orderId,
            cancellation_reason_id: reasonCode,
            descriptor: { code: step, name: 'Ride Cancellation' },
          });
          if (!reply) return { status: 202, body: { bookingId: current.id, status: 'PENDING', step, messageId } };
          if (reply.error) return refused(reply);
          if (!confirm) {
            const { fee } = reply.data as { fee: { value: string; currency: string } | null };
            return { status: 200, body: { bookingId: current.id, status: 'FEE_QUOTED', reasonCode, fee } };
          }
          return { status: 200, body: await view(req, current.id) };
        });
      },
    },
    {
      ...common,
      method: 'post',
      path: '/rider/bookings/:id/drop',
      summary: "Changes the drop of a ride not yet ended (Beckn update of the fulfillment's END stop); answers the fare the provider recomputed",
      request: { body: dropBodySchema },
      responses: {
        200: { description: '{bookingId, drop: {lat, lon}, fare: {value, currency} | null}' },
        202: { description: 'Sent; the provider has not answered yet' },
        404: { description: 'No such booking' },
        409: { description: 'The ride ended or was cancelled, or the provider refused' },
      },
      handler: async ({ params, body, req }, res) => {
        const drop = body as { lat: number; lon: number };
        const booking = await ownBooking(req, params.id as string);
        await runIdempotentWaiting(sequelize, req, res, auth.riderOf(req), async () => {
          const current = (await findRiderBooking(sequelize, booking.id, auth.riderOf(req))) ?? booking;
          const orderId = orderIdOf(current);
          if (current.status !== 'CONFIRMED') throw new AppError('CONFLICT', `the booking is ${current.status}: its drop can no longer change`);
          const { messageId, reply } = await ask(current, 'update', {
            update_target: 'fulfillments',
            order: {
              id: orderId,
              fulfillments: [{ ...(current.fulfillment_id ? { id: current.fulfillment_id } : {}), stops: [{ type: 'END', location: { gps: `${drop.lat.toFixed(6)}, ${drop.lon.toFixed(6)}` } }] }],
            },
          });
          if (!reply) return { status: 202, body: { bookingId: current.id, status: 'PENDING', messageId } };
          if (reply.error) return refused(reply);
          const { fare } = (reply.data ?? {}) as { fare?: { value: string; currency: string } | null };
          return { status: 200, body: { bookingId: current.id, drop: { lat: drop.lat, lon: drop.lon }, fare: fare ?? null } };
        });
      },
    },
    {
      ...common,
      method: 'post',
      path: '/rider/bookings/:id/rating',
      summary: 'Rates a completed ride 1 to 5 (Beckn rating of the driver); the provider acknowledges it later',
      request: { body: ratingBodySchema },
      responses: { 201: { description: '{bookingId, value, comment, messageId}' }, 404: { description: 'No such booking' }, 409: { description: 'The ride has not completed' } },
      handler: async ({ params, body, req }, res) => {
        const { value, comment } = body as { value: number; comment?: string };
        const booking = await ownBooking(req, params.id as string);
        await runIdempotent(sequelize, req, res, auth.riderOf(req), async (transaction) => {
          const current = (await findRiderBooking(sequelize, booking.id, auth.riderOf(req), transaction)) ?? booking;
          if (current.status !== 'COMPLETED') throw new AppError('CONFLICT', `the booking is ${current.status}: only a completed ride can be rated`);
          const feedback = comment?.trim() ? { feedback: comment.trim() } : {};
          const { messageId } = await sender.sendRequest(
            requestTo(current, 'rating', { ratings: [{ rating_category: 'Agent', id: orderIdOf(current), value: String(value), ...feedback }] }),
            transaction,
          );
          await sequelize.query(
            `INSERT INTO ${BAP_SCHEMA}.rating (booking_id, value, comment, message_id) VALUES ($1, $2, $3, $4)
             ON CONFLICT (booking_id) DO UPDATE SET value = EXCLUDED.value, comment = EXCLUDED.comment, message_id = EXCLUDED.message_id,
               acknowledged_at = NULL, created_at = now()`,
            { bind: [current.id, value, comment?.trim() || null, messageId], transaction },
          );
          return { status: 201, body: { bookingId: current.id, value, comment: comment?.trim() || null, messageId } };
        });
      },
    },
    {
      ...common,
      method: 'post',
      path: '/rider/bookings/:id/support',
      summary: "The provider's support contact for the booking (Beckn support)",
      responses: { 200: { description: '{bookingId, support: {phone, email, url}}' }, 202: { description: 'Sent; not answered yet' }, 404: { description: 'No such booking' }, 409: { description: 'Refused' } },
      handler: async ({ params, body, req }, res) => {
        requireNoBody(body);
        const booking = await ownBooking(req, params.id as string);
        await runIdempotentWaiting(sequelize, req, res, auth.riderOf(req), async () => {
          const { messageId, reply } = await ask(booking, 'support', { ref_id: orderIdOf(booking) });
          if (!reply) return { status: 202, body: { bookingId: booking.id, status: 'PENDING', messageId } };
          if (reply.error) return refused(reply);
          const { ref_id: _ref, ...support } = (reply.data ?? {}) as Record<string, unknown>;
          return { status: 200, body: { bookingId: booking.id, support } };
        });
      },
    },
    {
      ...common,
      method: 'post',
      path: '/rider/bookings/:id/status',
      summary: 'Asks the provider for the order status (Beckn status); the answer updates the booking, which is returned',
      responses: { 200: { description: 'The booking, with refreshed=true once the provider answered', schema: statusRefreshedSchema }, 404: { description: 'No such booking' }, 409: { description: 'Refused' } },
      handler: async ({ params, body, req }, res) => {
        requireNoBody(body);
        const booking = await ownBooking(req, params.id as string);
        await runIdempotentWaiting(sequelize, req, res, auth.riderOf(req), async () => {
          const { reply } = await ask(booking, 'status', { order_id: orderIdOf(booking) });
          if (reply?.error) return refused(reply);
          return { status: 200, body: { ...(await view(req, booking.id)), refreshed: reply !== null } };
        });
      },
    },
  ];
}
