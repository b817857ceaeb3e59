import type { Sequelize, Transaction } from 'sequelize';
import type { BecknContext } from '../../protocol/index.js';
import { findEstimate } from '../allocation/allocation-data.js';
import { findDropUpdate, withDropUpdate } from '../aftercare/drop-store.js';
import { formatMoney, parseMoney, subtract, zero, type FulfillmentState, type Money } from '../domain/index.js';
import { agreedCancellationFee, buildConfirmOrder, withoutAssignedDriver } from './booking-order.js';
import { findAssignedDriver, lockBookingOf } from './booking-store.js';
import type { Cancellation, LockedOrder } from './cancel-store.js';
import type { RideStatus } from './ride-lifecycle.js';

/** The fulfillment state a ride may still be cancelled in, which prices the fee; null once it has started. */
export function cancellableState(status: RideStatus, enroute = false): FulfillmentState | null {
  if (status === 'NEW') return enroute ? 'RIDE_ENROUTE_PICKUP' : 'RIDE_ASSIGNED';
  if (status === 'ARRIVED') return 'RIDE_ARRIVED_PICKUP';
  return null;
}

/** A confirmed order whose driver cancelled before the pickup, while another driver is looked for. */
export function isReallocating(order: Pick<LockedOrder, 'bookingStatus' | 'allocationStatus'>): boolean {
  return order.bookingStatus === 'CONFIRMED' && order.allocationStatus === 'SEARCHING';
}

/** The state an order may still be cancelled in: RIDE_CONFIRMED while it looks for a new driver, else as its ride allows. */
export function orderCancellableState(order: Pick<LockedOrder, 'bookingStatus' | 'allocationStatus' | 'rideStatus'> & Partial<Pick<LockedOrder, 'enroute'>>): FulfillmentState | null {
  return isReallocating(order) ? 'RIDE_CONFIRMED' : cancellableState(order.rideStatus, order.enroute ?? false);
}

export interface CancelOrderDeps {
  sequelize: Sequelize;
  quoteTtlSeconds: number;
}

type Order = Record<string, unknown> & { fulfillments: Record<string, unknown>[]; quote: { price: { currency: string; value: string }; breakup: unknown[] } };

/**
 * The order as on_confirm sent it, rebuilt from the stored rows, and the fee
 * its cancellation terms set in each state. Once a driver cancelled and no
 * other took the ride (the allocation is not ASSIGNED), it shows no driver.
 */
export async function loadConfirmedOrder(
  deps: CancelOrderDeps,
  transaction: Transaction,
  order: Pick<LockedOrder, 'bookingId' | 'allocationId' | 'estimateId' | 'bapId' | 'rideId' | 'driverId' | 'otp'> & Partial<Pick<LockedOrder, 'allocationStatus'>>,
): Promise<{ confirmed: Order; feeIn: (state: FulfillmentState) => Money }> {
  const estimate = await findEstimate(deps.sequelize, transaction, order.estimateId, order.bapId);
  const booking = await lockBookingOf(deps.sequelize, transaction, order.allocationId);
  const driver = await findAssignedDriver(deps.sequelize, transaction, order.driverId);
  if (!estimate || !booking || !driver) throw new Error(`order ${order.bookingId} lost its estimate, booking or driver`);
  // A drop changed by an update shows as the END stop and the quote the rider was last told.
  const drop = await findDropUpdate(deps.sequelize, transaction, order.rideId);
  const { order: assigned } = buildConfirmOrder(withDropUpdate(estimate, drop), booking, driver, order.otp, deps.quoteTtlSeconds) as { order: Order };
  const confirmed = order.allocationStatus === undefined || order.allocationStatus === 'ASSIGNED' ? assigned : (withoutAssignedDriver(assigned) as Order);
  return { confirmed, feeIn: (state) => agreedCancellationFee(booking.cancellationTerms, state, estimate.currency) };
}

/**
 * The order of an on_cancel, in the shape of the ONDC:TRV10 example: the
 * quote is what the rider owes, the fee as CANCELLATION_CHARGES after the
 * fare lines, refunded in full by a REFUND line. A soft cancel shows the fee
 * in the ride's current state (order SOFT_CANCEL); a cancelled order shows
 * RIDE_CANCELLED, who cancelled and why.
 */
export function buildCancelOrder(
  confirmed: Order,
  view: { status: 'SOFT_CANCEL' | 'CANCELLED'; state: FulfillmentState; fee: Money; cancellation?: Cancellation },
): Record<string, unknown> {
  const { fee, cancellation } = view;
  const fare = parseMoney(confirmed.quote.price.value, fee.currency);
  const price = (money: Money) => ({ currency: money.currency, value: formatMoney(money) });
  return {
    order: {
      ...confirmed,
      status: view.status,
      quote: {
        ...confirmed.quote,
        price: price(fee),
        breakup: [
          ...confirmed.quote.breakup,
          { title: 'CANCELLATION_CHARGES', price: price(fee) },
          { title: 'REFUND', price: price(subtract(zero(fee.currency), fare)) },
        ],
      },
      fulfillments: confirmed.fulfillments.map((fulfillment) => ({ ...fulfillment, state: { descriptor: { code: view.state } } })),
      ...(cancellation
        ? {
            cancellation: {
              time: cancellation.createdAt.toISOString(),
              cancelled_by: cancellation.source === 'BY_RIDER' ? 'CONSUMER' : 'PROVIDER',
              reason: { descriptor: { code: cancellation.reasonCode } },
            },
          }
        : {}),
      ...(cancellation ? { updated_at: cancellation.createdAt.toISOString() } : {}),
    },
  };
}

/** The context of a callback about the order in its transaction (the sender adds our BPP's id, uri and a message id). */
export function orderContext(order: LockedOrder, action: string): BecknContext {
  return {
    domain: order.domain,
    action,
    // The provider side answers ONDC:TRV10 at 2.0.1 and the Beckn mobility domain at core 1.1.0 (PROFILE.md).
    version: order.domain === 'ONDC:TRV10' ? '2.0.1' : '1.1.0',
    location: { city: { code: order.cityCode }, country: { code: 'IND' } },
    bap_id: order.bapId,
    bap_uri: order.bapUri,
    transaction_id: order.transactionId,
  };
}
