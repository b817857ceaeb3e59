import { randomUUID } from 'node:crypto';
import { NIGHT_SHIFT_TIME_ZONE } from '../bpp-settings.js';
import type { Sequelize } from 'sequelize';
import type { Logger } from '../../infra/logging/logger.js';
import type { RequestHandler } from '../../protocol/index.js';
import { hyphenatePaymentSpelling } from '../../protocol/inbound/index.js';
import { findEstimate } from '../allocation/allocation-data.js';
import { agreedPaymentTerms, buildInitOrder, cancellationTerms, type ProviderPaymentTerms } from './booking-order.js';
import { findEstimatePolicy, lockAllocationOf, lockBookingOf, saveNewBooking } from './booking-store.js';
import { BOOKING_ERRORS, readOrderRequest } from './order-request.js';

export interface BookingHandlerDeps {
  sequelize: Sequelize;
  /** Validity of the quote sent in on_init and on_confirm. */
  quoteTtlSeconds: number;
  logger: Logger;
  /** The provider's settlement terms and account (providerPaymentTermsOf); without them on_init names no account. */
  paymentTerms?: ProviderPaymentTerms;
}

/**
 * init -> on_init. The selected estimate must have a driver already (its
 * allocation ASSIGNED): the booking is made for that driver, so an init
 * before any accept is answered 90203. A repeated init while the booking is
 * NEW replaces its payment and cancellation terms. The payment terms stored
 * are those on_init sends (agreedPaymentTerms).
 */
export function createInitHandler(deps: BookingHandlerDeps): RequestHandler {
  return async (request, transaction) => {
    // The inbox keeps the bytes as received: the payment enums are read in their hyphenated spelling here too.
    hyphenatePaymentSpelling(request.context.domain, request.message);
    const { itemId, payment, customer } = readOrderRequest(request.message);
    if (itemId === null) return { error: { code: BOOKING_ERRORS.invalidRequest, message: 'no item in the order', paths: 'message.order.items' } };
    const collectedBy = payment?.collected_by;
    if (collectedBy !== 'BAP' && collectedBy !== 'BPP') {
      return { error: { code: BOOKING_ERRORS.paymentNotSupported, message: 'payment must be collected by BAP or BPP', paths: 'message.order.payments' } };
    }
    const bapId = request.context.bap_id ?? '';
    const estimate = await findEstimate(deps.sequelize, transaction, itemId, bapId);
    if (!estimate) return { error: { code: BOOKING_ERRORS.itemNotFound, message: 'item not found', paths: 'message.order.items[0].id' } };
    const allocation = await lockAllocationOf(deps.sequelize, transaction, estimate.id);
    if (allocation?.status !== 'ASSIGNED') return { error: { code: BOOKING_ERRORS.driverNotAssigned, message: 'no driver assigned to the selected ride yet' } };
    const existing = await lockBookingOf(deps.sequelize, transaction, allocation.id);
    if (existing && existing.status !== 'NEW') return { error: { code: BOOKING_ERRORS.businessError, message: `the order is ${existing.status} already` } };
    const policy = await findEstimatePolicy(deps.sequelize, transaction, estimate, NIGHT_SHIFT_TIME_ZONE);
    if (!policy) throw new Error(`no fare policy for estimate ${estimate.id}`);

    const bookingId = existing?.id ?? randomUUID();
    const paymentId = typeof payment?.id === 'string' && payment.id.length > 0 ? payment.id : `PA-${bookingId}`;
    const paymentTerms = agreedPaymentTerms(payment, collectedBy, paymentId, deps.paymentTerms?.account ?? null);
    const booking = await saveNewBooking(deps.sequelize, transaction, {
      id: bookingId,
      allocationId: allocation.id,
      transactionId: request.context.transaction_id ?? '',
      bapId,
      bapUri: request.context.bap_uri ?? '',
      estimate,
      paymentCollectedBy: collectedBy,
      paymentTerms,
      cancellationTerms: cancellationTerms(policy),
      customer,
    });
    deps.logger.debug({ transactionId: request.context.transaction_id, bookingId: booking.id }, 'booking initialised');
    return { message: buildInitOrder(estimate, booking, deps.quoteTtlSeconds) };
  };
}
