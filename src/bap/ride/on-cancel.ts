import { findSentRequest } from '../../protocol/correlation/index.js';
import { NackError } from '../../protocol/errors/index.js';
import type { CallbackHandler } from '../../protocol/index.js';
import type { BapDeps } from '../bap-deps.js';
import { recordApplied } from '../callback-record.js';
import { settlePaymentOfCancelledBooking } from '../payment/cancel-payment.js';
import { keepReply } from './replies.js';
import { providerAtOf, decimal, orderCallbackOf, reportedState, type OrderMessage, type Price, type RideCallbackDeps } from './ride-callback-common.js';
import { applyRideChange } from './ride-state.js';
import { upsertCancellation } from './ride-store.js';

/** The cancellation fee an on_cancel order states: its CANCELLATION_CHARGES line, else its price. */
function feeOf(order: OrderMessage): Price | null {
  const line = order.quote?.breakup?.find((entry) => (entry.title ?? '').toUpperCase() === 'CANCELLATION_CHARGES')?.price;
  const price = line ?? order.quote?.price ?? null;
  if (!price) return null;
  if (!price.value || !decimal.test(price.value) || !price.currency) throw new NackError('INVALID_RESPONSE', 'the cancellation fee is not an amount', '/message/order/quote');
  return price;
}

/**
 * on_cancel. The answer to a SOFT_CANCEL quotes the fee and cancels
 * nothing (order SOFT_CANCEL, or ACTIVE in the core profile); a cancelled order cancels the booking and its ride and keeps
 * the fee. One the BPP pushes on its own is the driver cancelling. The
 * booking's payment is settled in the same transaction: a charged order
 * is refunded all but the fee (once, however often the on_cancel comes),
 * an unpaid one is cancelled.
 */
export function createOnCancelHandler(deps: RideCallbackDeps & Pick<BapDeps, 'scheduler' | 'now'>): CallbackHandler {
  return async (callback, transaction) => {
    const answer = await orderCallbackOf(deps, transaction, callback);
    if (!answer) return;
    const { booking, order } = answer;
    const status = (order.status ?? '').toUpperCase();
    const fee = feeOf(order);
    // Who cancelled: as the order says (CONSUMER or PROVIDER); else an answer to our cancel is the rider's, a push the driver's.
    const cancelledBy = (order.cancellation?.cancelled_by ?? '').toUpperCase();
    const solicited = (await findSentRequest(deps.correlation, callback.context.bap_id ?? '', callback.context.message_id ?? '')) !== null;
    const source = cancelledBy === 'CONSUMER' ? 'BY_RIDER' : cancelledBy === 'PROVIDER' ? 'BY_DRIVER' : solicited ? 'BY_RIDER' : 'BY_DRIVER';
    // The order's reason, else (the rider cancelling) the one the rider gave.
    const reasonCode = order.cancellation?.reason?.descriptor?.code ?? (source === 'BY_RIDER' ? booking.rider_cancel_reason : null);
    // ONDC's soft cancel answers SOFT_CANCEL; the core profile (nic2004:60221) has no such status and answers it
    // with the order still ACTIVE and its fee quoted (CANCELLATION_CHARGES): an on_cancel that cancels nothing quotes the fee.
    if (status === 'SOFT_CANCEL' || (status === 'ACTIVE' && reportedState(order) !== 'RIDE_CANCELLED')) {
      if (booking.status !== 'CONFIRMED') throw new NackError('INVALID_ORDER_STATE', `the booking is ${booking.status}; there is nothing to cancel`, '/message/order/status');
      await upsertCancellation(deps.sequelize, transaction, { bookingId: booking.id, source: 'BY_RIDER', reasonCode: reasonCode ?? booking.rider_cancel_reason, status: 'FEE_QUOTED', fee: fee?.value ?? null, currency: fee?.currency ?? null });
      await recordApplied(deps.sequelize, transaction, callback, `fee quoted ${fee?.value ?? ''}`.trim());
      keepReply(deps, transaction, booking.id, callback.context.message_id, { action: callback.action, data: { status, fee } });
      return;
    }
    const state = reportedState(order);
    if (status !== 'CANCELLED' && state !== 'RIDE_CANCELLED') {
      throw new NackError('INVALID_RESPONSE', `on_cancel with order status ${status || 'missing'}`, '/message/order/status');
    }
    const applied = await applyRideChange(deps, transaction, {
      bookingId: booking.id,
      state: 'RIDE_CANCELLED',
      messageId: callback.context.message_id ?? '',
      at: callback.receivedAt,
      providerAt: providerAtOf(order, callback),
    });
    if (applied.transition.kind === 'advance') {
      await upsertCancellation(deps.sequelize, transaction, { bookingId: booking.id, source, reasonCode, status: 'CONFIRMED', fee: fee?.value ?? null, currency: fee?.currency ?? null });
    }
    await settlePaymentOfCancelledBooking(deps, transaction, booking.id, fee?.value && fee.currency ? { value: fee.value, currency: fee.currency } : null);
    await recordApplied(deps.sequelize, transaction, callback, applied.transition.kind === 'advance' ? `cancelled ${source}` : 'cancelled again');
    keepReply(deps, transaction, booking.id, callback.context.message_id, { action: callback.action, data: { status: 'CANCELLED', fee } });
  };
}
