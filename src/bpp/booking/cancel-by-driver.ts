import type { Sequelize } from 'sequelize';
import { AppError } from '../../infra/http/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import type { MessageSender } from '../../protocol/index.js';
import { zero } from '../domain/index.js';
import { buildCancelOrder, cancellableState, loadConfirmedOrder, orderContext } from './cancel-order.js';
import { lockOrderOfDriver, recordCancellation } from './cancel-store.js';

export interface DriverCancelDeps {
  sequelize: Sequelize;
  sender: MessageSender;
  quoteTtlSeconds: number;
  nightShiftTimeZone: string;
  logger?: Logger;
}

export interface DriverCancelledRide {
  rideId: string;
  bookingId: string;
  messageId: string;
}

/**
 * The driver cancels their ride before it starts. The booking is cancelled
 * with it (BY_DRIVER, no fee for the rider), the driver is free again, and
 * the BAP is told by an unsolicited on_cancel queued in the same database
 * transaction. Another driver's ride is reported as missing.
 */
export async function cancelRideByDriver(
  deps: DriverCancelDeps,
  input: { rideId: string; driverId: string; reasonCode: string },
): Promise<DriverCancelledRide> {
  const cancelled = await deps.sequelize.transaction(async (transaction) => {
    const order = await lockOrderOfDriver(deps.sequelize, transaction, input.rideId, input.driverId);
    if (!order) throw new AppError('NOT_FOUND', `ride ${input.rideId} not found`);
    const state = cancellableState(order.rideStatus);
    if (!state || order.bookingStatus !== 'CONFIRMED') {
      throw new AppError('CONFLICT', `the ride is ${order.rideStatus}; only a ride not yet started can be cancelled`);
    }
    const { confirmed } = await loadConfirmedOrder(deps, transaction, order);
    const fee = zero(confirmed.quote.price.currency);
    const cancellation = await recordCancellation(deps.sequelize, transaction, order, {
      source: 'BY_DRIVER',
      reasonCode: input.reasonCode,
      fee,
      fulfillmentState: state,
    });
    const { messageId } = await deps.sender.sendCallback(
      {
        action: 'on_cancel',
        context: orderContext(order, 'on_cancel'),
        reply: { message: buildCancelOrder(confirmed, { status: 'CANCELLED', state: 'RIDE_CANCELLED', fee, cancellation }) },
        unsolicited: true,
      },
      transaction,
    );
    return { rideId: order.rideId, bookingId: order.bookingId, messageId };
  });
  deps.logger?.debug(cancelled, 'ride cancelled by the driver');
  return cancelled;
}
