import type { RequestHandler } from '../../protocol/index.js';
import { domainCodes } from '../aftercare/aftercare-errors.js';
import { zero } from '../domain/index.js';
import { buildCancelOrder, isReallocating, loadConfirmedOrder, orderCancellableState } from './cancel-order.js';
import { isCancellationReason } from './cancel-reasons.js';
import { findCancellation, lockOrderOfBap, recordCancellation } from './cancel-store.js';
import type { BookingHandlerDeps } from './init-handler.js';
import { isUuid } from '../../infra/validation/index.js';

/** Cancellation not possible (ONDC and BECKN-005 agree); the other codes follow the request's domain. */
export const CANCEL_ERRORS = { notCancellable: '50001' } as const;

type CancelStep = 'SOFT_CANCEL' | 'CONFIRM_CANCEL';


/** What cancel reads; the inbound pipeline validated its shape. Without a descriptor (Beckn mobility) the cancel is final. */
function readCancelRequest(message: unknown): { orderId: string; reasonId: string | null; step: CancelStep } {
  const body = message as { order_id?: unknown; cancellation_reason_id?: unknown; descriptor?: { code?: unknown } } | null;
  return {
    orderId: typeof body?.order_id === 'string' ? body.order_id : '',
    reasonId: typeof body?.cancellation_reason_id === 'string' ? body.cancellation_reason_id : null,
    step: body?.descriptor?.code === 'SOFT_CANCEL' ? 'SOFT_CANCEL' : 'CONFIRM_CANCEL',
  };
}

/**
 * cancel -> on_cancel, ONDC's two steps. SOFT_CANCEL quotes the fee the
 * cancellation terms agreed at on_init set for the ride's current state
 * (not the fare policy's fee now) and changes nothing;
 * CONFIRM_CANCEL cancels the booking and ride, frees the driver and records
 * the fee. Once the ride has started it can no longer be cancelled (50001).
 * While a new driver is looked for after a driver cancelled, the fee is 0.
 * A cancel of an order cancelled already answers the stored cancellation,
 * so a repeat never charges twice.
 */
export function createCancelHandler(deps: BookingHandlerDeps): RequestHandler {
  return async (request, transaction) => {
    const { orderId, reasonId, step } = readCancelRequest(request.message);
    const codes = domainCodes(request.context.domain);
    if (reasonId === null || !isCancellationReason(request.context.domain ?? '', 'RIDER', reasonId)) {
      return { error: { code: codes.invalidCancelReason, message: 'not a reason a rider may cancel with', paths: 'message.cancellation_reason_id' } };
    }
    const order = isUuid(orderId) ? await lockOrderOfBap(deps.sequelize, transaction, orderId, request.context.bap_id ?? '') : null;
    if (!order) return { error: { code: codes.orderNotFound, message: `no confirmed order ${orderId}`, paths: 'message.order_id' } };

    const { confirmed, feeIn } = await loadConfirmedOrder(deps, transaction, order);
    if (order.bookingStatus === 'CANCELLED') {
      const cancellation = await findCancellation(deps.sequelize, transaction, order.bookingId);
      if (!cancellation) throw new Error(`cancelled booking ${order.bookingId} has no cancellation`);
      return { message: buildCancelOrder(confirmed, { status: 'CANCELLED', state: 'RIDE_CANCELLED', fee: cancellation.fee, cancellation }) };
    }
    const state = orderCancellableState(order);
    if (!state) return { error: { code: CANCEL_ERRORS.notCancellable, message: `the ride is ${order.rideStatus} and can no longer be cancelled` } };

    // While a new driver is looked for (the last one cancelled) the rider leaves for free.
    const fee = isReallocating(order) ? zero(confirmed.quote.price.currency) : feeIn(state);
    if (step === 'SOFT_CANCEL') return { message: buildCancelOrder(confirmed, { status: 'SOFT_CANCEL', state, fee }) };
    const cancellation = await recordCancellation(deps.sequelize, transaction, order, { source: 'BY_RIDER', reasonCode: reasonId, fee, fulfillmentState: state });
    deps.logger.debug({ transactionId: order.transactionId, bookingId: order.bookingId, rideId: order.rideId, state }, 'order cancelled by the rider');
    return { message: buildCancelOrder(confirmed, { status: 'CANCELLED', state: 'RIDE_CANCELLED', fee, cancellation }) };
  };
}
