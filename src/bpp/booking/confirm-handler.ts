import { randomInt, randomUUID } from 'node:crypto';
import type { RequestHandler } from '../../protocol/index.js';
import { findEstimate } from '../allocation/allocation-data.js';
import { buildConfirmOrder } from './booking-order.js';
import { confirmBooking, findAssignedDriver, findRideOf, lockAllocationOf, lockBookingOf } from './booking-store.js';
import type { BookingHandlerDeps } from './init-handler.js';
import { BOOKING_ERRORS, readOrderRequest } from './order-request.js';
import { checkPrepaidConfirm, isPrepaidByBap } from './ride-payment.js';
import { bookingPlace, eventMoney, recordBppEvent, recordDriverAssigned } from '../business-events.js';
import { parseMoney } from '../domain/index.js';

/** A ride OTP: four decimal digits from a cryptographic source. */
export const newOtp = (): string => String(randomInt(0, 10_000)).padStart(4, '0');

/**
 * confirm -> on_confirm. The NEW booking an init made for the selected item
 * becomes CONFIRMED and its ride is created with the assigned driver and an
 * OTP. A confirm for a booking confirmed already answers from the stored
 * booking and ride, so the BAP gets the same on_confirm again.
 *
 * When the agreed payment is collected by the BAP before the order
 * (PRE-ORDER), the confirm must report it PAID with its transaction_id and
 * the quoted amount and currency; otherwise it is answered 40004 and nothing
 * changes. The PAID payment becomes the booking's payment terms in the
 * confirmation's statement, so every order built from the booking carries it.
 */
export function createConfirmHandler(deps: BookingHandlerDeps): RequestHandler {
  return async (request, transaction) => {
    const { itemId, payment, customer } = readOrderRequest(request.message);
    if (itemId === null) return { error: { code: BOOKING_ERRORS.invalidRequest, message: 'no item in the order', paths: 'message.order.items' } };
    const estimate = await findEstimate(deps.sequelize, transaction, itemId, request.context.bap_id ?? '');
    const allocation = estimate ? await lockAllocationOf(deps.sequelize, transaction, estimate.id) : null;
    const booking = allocation ? await lockBookingOf(deps.sequelize, transaction, allocation.id) : null;
    if (!estimate || !allocation || !booking) {
      return { error: { code: BOOKING_ERRORS.itemNotFound, message: 'no initialised order for this item', paths: 'message.order.items[0].id' } };
    }
    if (booking.status === 'CANCELLED') return { error: { code: BOOKING_ERRORS.businessError, message: 'the order is cancelled' } };

    let confirmed = booking;
    let ride: Awaited<ReturnType<typeof findRideOf>>;
    if (booking.status !== 'NEW') {
      // A repeated confirm answers the ride the first one created.
      ride = await findRideOf(deps.sequelize, transaction, booking.id);
    } else {
      let paymentTerms: Record<string, unknown> | undefined;
      if (isPrepaidByBap(booking)) {
        const checked = checkPrepaidConfirm(booking, payment);
        if ('refusal' in checked) return { error: { code: BOOKING_ERRORS.paymentNotSupported, message: checked.refusal, paths: 'message.order.payments[0]' } };
        paymentTerms = checked.terms;
      }
      if (allocation.status !== 'ASSIGNED' || allocation.driverId === null) {
        return { error: { code: BOOKING_ERRORS.driverNotAssigned, message: 'no driver assigned to the order' } };
      }
      ride = { id: randomUUID(), driverId: allocation.driverId, otp: newOtp() };
      confirmed = await confirmBooking(deps.sequelize, transaction, {
        bookingId: booking.id,
        rideId: ride.id,
        driverId: ride.driverId,
        otp: ride.otp,
        customer,
        ...(paymentTerms ? { paymentTerms } : {}),
      });
      // Recorded only where the booking moves from NEW: a repeated confirm answers above and records nothing.
      const place = await bookingPlace(deps.sequelize, transaction, booking.id);
      await recordBppEvent(deps.sequelize, transaction, 'booking.confirmed', place, booking.id, {
        booking_id: booking.id,
        estimated_fare: eventMoney(parseMoney(confirmed.quoteValue, confirmed.currency)),
        payment_type: typeof confirmed.paymentTerms.type === 'string' ? confirmed.paymentTerms.type : 'ON-FULFILLMENT',
        collected_by: confirmed.paymentCollectedBy,
      });
      await recordDriverAssigned(deps.sequelize, transaction, { bookingId: booking.id, rideId: ride.id, driverId: ride.driverId });
      deps.logger.debug({ transactionId: request.context.transaction_id, bookingId: booking.id, rideId: ride.id }, 'booking confirmed');
    }
    if (!ride) throw new Error(`confirmed booking ${booking.id} has no ride`);
    const driver = await findAssignedDriver(deps.sequelize, transaction, ride.driverId);
    if (!driver) throw new Error(`driver ${ride.driverId} of ride ${ride.id} has no vehicle`);
    return { message: buildConfirmOrder(estimate, confirmed, driver, ride.otp, deps.quoteTtlSeconds) };
  };
}
