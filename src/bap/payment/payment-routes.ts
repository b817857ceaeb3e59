import { AppError, type RouteSpec } from '../../infra/http/index.js';
import { isUuid } from '../../infra/validation/index.js';
import { RIDER_PAYMENTS_SCHEMA, createPaymentOrder, recordGatewaySession } from '../../payments/index.js';
import { RIDER_APP_TAG, RIDER_SECURITY, type BapDeps } from '../bap-deps.js';
import type { RiderAuth } from '../rider-auth.js';
import { paymentCollectorOf } from '../booking/booking-store.js';
import { findBookingToPay, findOrderOfBooking, lockOrder, paymentView } from './payment-store.js';
import { scheduleStatusCheck } from './status-check.js';

/** A booking in these states is not paid for. */
const UNPAYABLE = new Set(['CANCELLED', 'FAILED']);

/**
 * The rider pays for a booking: the first call creates the payment order
 * and the gateway's session and hands the rider app the client auth token,
 * exactly once; every later call (a double click, a retry after a lost
 * answer) returns the same order without it.
 */
export function paymentRoutes(deps: BapDeps, auth: RiderAuth): RouteSpec[] {
  const { sequelize, cipher, payments } = deps;
  const rider = { tag: RIDER_APP_TAG, security: RIDER_SECURITY, authorize: (req: Parameters<RiderAuth['requireRider']>[0]) => auth.requireRider(req) };

  return [
    {
      method: 'post',
      path: '/rider/bookings/:id/payment',
      summary: "Creates (or returns) the booking's payment order at the gateway: status, amount, payment links, and on the first answer only the client auth token",
      ...rider,
      responses: {
        201: { description: 'The new payment order with clientAuthToken (shown this once)' },
        200: { description: 'The payment order made earlier (no token)' },
        404: { description: 'No such booking of this rider' },
        409: { description: 'The booking is cancelled or failed, has no agreed fare yet, or its provider collects the payment' },
      },
      handler: async ({ params, req }, res) => {
        const personId = auth.riderOf(req);
        const bookingId = params.id as string;
        const booking = isUuid(bookingId) ? await findBookingToPay(sequelize, bookingId, personId) : null;
        if (!booking) throw new AppError('NOT_FOUND', `booking ${bookingId} not found`);
        if (UNPAYABLE.has(booking.status)) throw new AppError('CONFLICT', `booking ${bookingId} is ${booking.status}`);
        if (booking.status === 'INITIATING') throw new AppError('CONFLICT', `booking ${bookingId} has no agreed fare yet: the provider has not answered its init`);
        if ((await paymentCollectorOf(sequelize, bookingId)) !== 'BAP') {
          throw new AppError('CONFLICT', `the provider collects the payment of booking ${bookingId} at the end of the ride`);
        }
        const { order } = await createPaymentOrder(sequelize, RIDER_PAYMENTS_SCHEMA, {
          bookingId,
          personId,
          merchantId: payments.merchantId,
          amount: booking.amount,
          currency: booking.currency,
        });
        if (order.payment_service_order_id !== null) {
          res.status(200).json(paymentView(order));
          return;
        }
        // The gateway keys the order by our id, so racing calls (or a retry after a lost answer) get one gateway order.
        const session = await payments.gateway.createOrder({
          orderId: order.id,
          shortId: order.short_id,
          amount: order.amount,
          currency: order.currency,
          customer: { id: personId },
          returnUrl: `${payments.publicUrl}/rider/bookings/${bookingId}/payment`,
        });
        // Under the row lock only one of racing calls records the session, and only that one shows the token.
        const recorded = await sequelize.transaction(async (transaction) => {
          const current = await lockOrder(sequelize, order.id, transaction);
          if (!current || current.payment_service_order_id !== null) return null;
          await recordGatewaySession(sequelize, cipher, RIDER_PAYMENTS_SCHEMA, {
            orderId: order.id,
            paymentServiceOrderId: session.gatewayOrderId,
            paymentLinkWeb: session.paymentLinks.web,
            paymentLinkDeepLink: session.paymentLinks.deepLink,
            clientAuthToken: session.clientAuthToken,
            clientAuthTokenExpiry: new Date(session.clientAuthTokenExpiry),
            transaction,
          });
          await scheduleStatusCheck(deps, transaction, order.id, 0);
          return lockOrder(sequelize, order.id, transaction);
        });
        const latest = recorded ?? (await findOrderOfBooking(sequelize, bookingId, personId));
        if (!latest) throw new Error(`payment order ${order.id} vanished`);
        if (!recorded) {
          res.status(200).json(paymentView(latest));
          return;
        }
        res.status(201).json({ ...paymentView(latest), clientAuthToken: session.clientAuthToken });
      },
    },
    {
      method: 'get',
      path: '/rider/bookings/:id/payment',
      summary: "The booking's payment order: status, amount and payment links (never the client auth token)",
      ...rider,
      responses: { 200: { description: 'The payment order' }, 404: { description: 'No such booking of this rider, or no payment order yet' } },
      handler: async ({ params, req }, res) => {
        const bookingId = params.id as string;
        const order = isUuid(bookingId) ? await findOrderOfBooking(sequelize, bookingId, auth.riderOf(req)) : null;
        if (!order) throw new AppError('NOT_FOUND', `no payment of booking ${bookingId}`);
        res.json(paymentView(order));
      },
    },
  ];
}
