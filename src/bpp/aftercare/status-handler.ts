import type { RequestHandler } from '../../protocol/index.js';
import { buildCancelOrder, loadConfirmedOrder } from '../booking/cancel-order.js';
import { findCancellation } from '../booking/cancel-store.js';
import { type AftercareDeps, readOrderRef } from './aftercare-deps.js';
import { AFTERCARE_ERRORS, domainCodes } from './aftercare-errors.js';
import { buildCurrentOrder, buildDraftOrder, findConfirmedOrder, findDraftOrder, isCancelled } from './order-lookup.js';

/**
 * status -> on_status: the order named by `order_id` (or `ref_id`) as it
 * stands now, in the shape of the lifecycle's pushes; a cancelled order as
 * on_cancel answered it. Before confirm, `ref_id` may be the transaction id
 * (ONDC:TRV10): the draft init made is answered as it stands
 * (buildDraftOrder), or the order once the transaction's booking is
 * confirmed. An order this BAP never confirmed nor initialised is answered
 * with an order-not-found error.
 */
export function createStatusHandler(deps: Pick<AftercareDeps, 'sequelize' | 'quoteTtlSeconds' | 'logger'>): RequestHandler {
  return async (request, transaction) => {
    const named = readOrderRef(request.message, ['order_id', 'ref_id']);
    if (!named) return { error: { code: AFTERCARE_ERRORS.invalidRequest, message: 'the request names no order', paths: 'message.order_id' } };
    const bapId = request.context.bap_id ?? '';
    let order = await findConfirmedOrder(deps.sequelize, transaction, { ref: named.ref, bapId });
    if (!order && named.ref === request.context.transaction_id) {
      const draft = await findDraftOrder(deps.sequelize, transaction, { transactionId: named.ref, bapId });
      if (draft && 'confirmedId' in draft) order = await findConfirmedOrder(deps.sequelize, transaction, { ref: draft.confirmedId, bapId });
      else if (draft) {
        const drafted = await buildDraftOrder(deps, transaction, draft, bapId);
        if (drafted) return { message: drafted };
      }
    }
    if (!order) return { error: { code: domainCodes(request.context.domain).orderNotFound, message: `order ${named.ref} not found`, paths: named.path } };
    deps.logger?.debug({ orderId: order.bookingId, ride: order.ride.status }, 'status answered');
    const cancellation = isCancelled(order) ? await findCancellation(deps.sequelize, transaction, order.bookingId) : null;
    if (cancellation) {
      // A cancelled order is answered as on_cancel answered it: the fee charged, the refund, who cancelled and why.
      const { confirmed } = await loadConfirmedOrder(deps, transaction, { ...order, rideId: order.ride.id, driverId: order.ride.driverId, otp: order.ride.otp });
      return { message: buildCancelOrder(confirmed, { status: 'CANCELLED', state: 'RIDE_CANCELLED', fee: cancellation.fee, cancellation }) };
    }
    return { message: await buildCurrentOrder(deps, transaction, order) };
  };
}
