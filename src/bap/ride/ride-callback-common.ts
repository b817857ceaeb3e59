import type { Sequelize, Transaction } from 'sequelize';
import type { CorrelationStore } from '../../infra/correlation/index.js';
import type { FieldCipher } from '../../infra/crypto/field-cipher.js';
import type { Logger } from '../../infra/logging/logger.js';
import { NackError } from '../../protocol/errors/index.js';
import type { AcceptedMessage } from '../../protocol/index.js';
import { recordApplied } from '../callback-record.js';
import { sealPhone } from './driver-phone.js';
import { keepReply } from './replies.js';
import { rideStateOf, type RideDetails, type RideState } from './ride-state.js';
import { findCallbackBooking, type RideBooking } from './ride-store.js';

/** What the BAP's ride callbacks (on_status, on_update, on_cancel, on_track, on_rating, on_support) share. */

export interface RideCallbackDeps {
  sequelize: Sequelize;
  /** Seals the driver's phone number before it is stored. */
  cipher: FieldCipher;
  correlation: CorrelationStore;
  logger: Logger;
}

export interface Price {
  currency?: string;
  value?: string;
}
export interface OrderMessage {
  id?: string;
  status?: string;
  quote?: { price?: Price; breakup?: { title?: string; price?: Price }[] };
  fulfillments?: {
    id?: string;
    state?: { descriptor?: { code?: string } };
    agent?: { person?: { name?: string }; contact?: { phone?: string } };
    vehicle?: { registration?: string; variant?: string };
    stops?: { type?: string; authorization?: { token?: string } }[];
  }[];
  cancellation?: { cancelled_by?: string; reason?: { descriptor?: { code?: string } } };
  updated_at?: string;
}

export const decimal = /^-?[0-9]+(\.[0-9]+)?$/;

export function orderOf(callback: AcceptedMessage): OrderMessage | null {
  const order = (callback.message as { order?: unknown } | null)?.order;
  return typeof order === 'object' && order !== null ? (order as OrderMessage) : null;
}

export function errorOf(callback: AcceptedMessage): { code: string; message: string } | null {
  if (!callback.error) return null;
  const error = callback.error as { code?: unknown; message?: unknown };
  return { code: String(error.code ?? ''), message: typeof error.message === 'string' ? error.message : '' };
}

/** The booking a callback is about; a transaction or order this BAP never booked is NACKed (20008). */
export async function bookingOf(deps: RideCallbackDeps, transaction: Transaction, callback: AcceptedMessage, orderId?: string | null): Promise<RideBooking> {
  const transactionId = callback.context.transaction_id ?? '';
  const bppId = callback.context.bpp_id ?? callback.sender ?? '';
  const booking = await findCallbackBooking(deps.sequelize, transaction, { transactionId, bppId, orderId: orderId ?? null });
  if (booking) return booking;
  if (orderId && (await findCallbackBooking(deps.sequelize, transaction, { transactionId, bppId }))) {
    throw new NackError('UNKNOWN_TRANSACTION', `order ${orderId} is not an order of this transaction`, '/message/order/id');
  }
  throw new NackError('UNKNOWN_TRANSACTION', `${callback.action} for a transaction in which this BAP booked nothing with ${bppId}`, '/context/transaction_id');
}

/** An error the BPP answered with: recorded, and handed to the rider request that asked. */
export async function keepError(deps: RideCallbackDeps, transaction: Transaction, callback: AcceptedMessage, bookingId: string, error: { code: string; message: string }): Promise<void> {
  await recordApplied(deps.sequelize, transaction, callback, `error ${error.code}`);
  keepReply(deps, transaction, bookingId, callback.context.message_id, { action: callback.action, error });
}

/**
 * The booking and order an on_status, on_update or on_cancel carries; null
 * when the BPP answered with an error, which is kept as the reply.
 */
export async function orderCallbackOf(deps: RideCallbackDeps, transaction: Transaction, callback: AcceptedMessage): Promise<{ booking: RideBooking; order: OrderMessage } | null> {
  const error = errorOf(callback);
  const order = orderOf(callback);
  const booking = await bookingOf(deps, transaction, callback, error ? null : (order?.id ?? null));
  if (error) {
    await keepError(deps, transaction, callback, booking.id, error);
    return null;
  }
  if (!order) throw new NackError('INVALID_RESPONSE', `${callback.action} carries no order`, '/message/order');
  return { booking, order };
}

/** The ride state an order reports: its fulfillment's state, or what the order status implies. */
export function reportedState(order: OrderMessage): RideState | null {
  const code = order.fulfillments?.[0]?.state?.descriptor?.code;
  const fromFulfillment = rideStateOf(code);
  if (fromFulfillment) return fromFulfillment;
  const status = (order.status ?? '').toUpperCase();
  if (status === 'CANCELLED') return 'RIDE_CANCELLED';
  if (status === 'COMPLETED' || status === 'COMPLETE') return 'RIDE_ENDED';
  return null;
}

/**
 * The provider's id of the ride: the fulfillment's id (ONDC:TRV10 names the
 * ride by its fulfillment), or a ride id the order carries alongside.
 */
export function bppRideIdOf(order: OrderMessage): string | null {
  const fulfillment = order.fulfillments?.[0];
  const id = fulfillment?.id ?? (order as { ride_id?: unknown }).ride_id;
  return typeof id === 'string' && id.length > 0 ? id : null;
}

/** The driver and vehicle an order names, the driver's phone sealed, and the ride's start OTP. */
export function detailsOf(cipher: FieldCipher, order: OrderMessage): RideDetails {
  const fulfillment = order.fulfillments?.[0];
  const start = fulfillment?.stops?.find((stop) => (stop.type ?? '').toUpperCase() === 'START');
  return {
    driverName: fulfillment?.agent?.person?.name ?? null,
    driverPhone: sealPhone(cipher, fulfillment?.agent?.contact?.phone),
    vehicleNumber: fulfillment?.vehicle?.registration ?? null,
    vehicleVariant: fulfillment?.vehicle?.variant ?? null,
    otp: start?.authorization?.token ?? null,
    bppRideId: bppRideIdOf(order),
  };
}

/**
 * When the provider says the order changed: its updated_at, else the
 * context's timestamp; null when neither is a time. Kept beside our own
 * receipt time, never in its place: a provider's clock may be wrong.
 */
export function providerAtOf(order: OrderMessage, callback: AcceptedMessage): Date | null {
  const stamp = order.updated_at ?? callback.context.timestamp;
  const at = stamp ? new Date(stamp) : null;
  return at && !Number.isNaN(at.getTime()) ? at : null;
}
