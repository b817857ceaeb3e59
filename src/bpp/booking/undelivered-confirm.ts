import { QueryTypes, type Sequelize } from 'sequelize';
import type { Logger } from '../../infra/logging/logger.js';
import type { DeadLetterListener, OutboxEntry } from '../../protocol/outbound/index.js';
import { zero } from '../domain/index.js';
import { BPP_SCHEMA } from '../models/index.js';
import { orderCancellableState } from './cancel-order.js';
import { lockOrderOfBap, recordCancellation } from './cancel-store.js';
import { isUuid } from '../../infra/validation/index.js';

export interface UndeliveredConfirmDeps {
  sequelize: Sequelize;
  logger: Logger;
}

/** ONDC:TRV10 cancellation reason `000`: a technical failure on the BAP's or the BPP's side. */
export const UNDELIVERED_CONFIRM_REASON = '000';


interface ConfirmedOrder {
  orderId: string;
  transactionId: string;
  bapId: string;
}

/** The order an on_confirm confirmed, or null when it confirmed nothing (an error callback). */
function confirmedOrderOf(entry: OutboxEntry): ConfirmedOrder | null {
  let body: { context?: { transaction_id?: unknown; bap_id?: unknown }; message?: { order?: { id?: unknown } } };
  try {
    body = JSON.parse(entry.body.toString('utf8')) as typeof body;
  } catch {
    return null;
  }
  const orderId = body.message?.order?.id;
  const transactionId = entry.transactionId ?? body.context?.transaction_id;
  const bapId = body.context?.bap_id;
  if (typeof orderId !== 'string' || !isUuid(orderId)) return null;
  if (typeof transactionId !== 'string' || typeof bapId !== 'string') return null;
  return { orderId, transactionId, bapId };
}

/**
 * Another on_confirm of the same transaction (the BAP confirmed again) that
 * reached the BAP, or is still being delivered, keeps the booking: the BAP
 * has the order or may yet get it, and should that one die too, its own dead
 * letter cancels the booking.
 */
const otherConfirmSql = `
  SELECT 1 FROM beckn_protocol.outbox
   WHERE role = 'bpp' AND action = 'on_confirm' AND transaction_id = $1 AND id <> $2 AND status IN ('pending', 'delivered')
   LIMIT 1`;

/**
 * An on_confirm the BAP never accepted (refused, unreachable through every
 * attempt, or unsignable) leaves a rider who does not know the ride exists:
 * the provider cancels the booking and its ride (reason 000, no fee) and the
 * driver reserved for it is free for other rides. Runs in the transaction
 * that moves the on_confirm to the dead letters. A ride the driver has
 * started or finished is kept, as is a booking no longer CONFIRMED, so a
 * second run changes nothing.
 */
export function createUndeliveredConfirmListener(deps: UndeliveredConfirmDeps): DeadLetterListener {
  const { sequelize, logger } = deps;
  return async (entry, transaction) => {
    if (entry.role !== 'bpp' || entry.action !== 'on_confirm') return;
    const confirmed = confirmedOrderOf(entry);
    if (!confirmed) return;
    const log = logger.child({ outboxId: entry.id, transactionId: confirmed.transactionId, bookingId: confirmed.orderId });

    const order = await lockOrderOfBap(sequelize, transaction, confirmed.orderId, confirmed.bapId);
    if (!order || order.transactionId !== confirmed.transactionId || order.bookingStatus !== 'CONFIRMED') return;
    const state = orderCancellableState(order);
    if (!state) {
      log.warn({ rideStatus: order.rideStatus, deadReason: entry.deadReason }, 'on_confirm undeliverable but the ride is under way; booking kept');
      return;
    }
    const others = await sequelize.query(otherConfirmSql, { type: QueryTypes.SELECT, bind: [confirmed.transactionId, entry.id], transaction });
    if (others.length > 0) return;

    const [booking] = await sequelize.query<{ currency: string }>(`SELECT currency FROM ${BPP_SCHEMA}.booking WHERE id = $1`, {
      type: QueryTypes.SELECT,
      bind: [order.bookingId],
      transaction,
    });
    if (!booking) throw new Error(`booking ${order.bookingId} vanished under its lock`);
    await recordCancellation(sequelize, transaction, order, {
      source: 'BY_PROVIDER',
      reasonCode: UNDELIVERED_CONFIRM_REASON,
      fee: zero(booking.currency),
      fulfillmentState: state,
    });
    log.warn(
      { rideId: order.rideId, driverId: order.driverId, deadReason: entry.deadReason },
      'on_confirm undeliverable; booking and ride cancelled by the provider, driver freed',
    );
  };
}
