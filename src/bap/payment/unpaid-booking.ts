import { QueryTypes, type Transaction } from 'sequelize';
import type { JobHandler } from '../../infra/scheduler/index.js';
import { RIDER_PAYMENTS_SCHEMA, transitionPaymentOrder } from '../../payments/index.js';
import { bookingChannel, type BapDeps } from '../bap-deps.js';
import { announce } from '../callback-record.js';
import { lockBooking, updateBooking } from '../booking/booking-store.js';

/** The scheduler job that ends a booking still awaiting its payment when its payment window closes. */
export const PAYMENT_WINDOW_JOB = 'bap-payment-window';
/** How long a PRE-ORDER booking waits for its payment after on_init. */
export const PAYMENT_WINDOW_MS = 15 * 60_000;
/** The error a booking whose payment never came ends with. */
export const PAYMENT_NOT_RECEIVED = 'PAYMENT_NOT_RECEIVED';

type UnpaidDeps = Pick<BapDeps, 'sequelize' | 'logger' | 'correlation' | 'scheduler' | 'now'> & { paymentWindowMs?: number };

/** Schedules the end of the payment window of a booking that began awaiting its payment in `transaction`. */
export function schedulePaymentWindow(deps: UnpaidDeps, transaction: Transaction, bookingId: string): void {
  const runAt = (deps.now ?? Date.now)() + (deps.paymentWindowMs ?? PAYMENT_WINDOW_MS);
  const id = `${PAYMENT_WINDOW_JOB}:${bookingId}`;
  transaction.afterCommit(() =>
    deps.scheduler.schedule({ id, type: PAYMENT_WINDOW_JOB, payload: { bookingId }, runAt }).then(
      () => undefined,
      (error: unknown) => deps.logger.warn({ err: error, jobId: id }, 'could not schedule the end of a payment window'),
    ),
  );
}

export type UnpaidEnd = { ended: true } | { ended: false; status: string };

/**
 * Ends a booking still awaiting its payment: CANCELLED by the rider or
 * FAILED (PAYMENT_NOT_RECEIVED) when the window closed, its payment order
 * CANCELLED with it so no payment is taken afterwards. The order row is
 * locked before the booking, in the order a charge takes them, so a charge
 * and this never deadlock: whichever comes first wins, and a charge that
 * lands on the ended booking is refunded in full. A booking past
 * AWAITING_PAYMENT (paid meanwhile) is left as it is.
 */
export async function endUnpaidBooking(deps: UnpaidDeps, bookingId: string, end: 'CANCELLED' | 'FAILED'): Promise<UnpaidEnd> {
  const outcome = await deps.sequelize.transaction(async (transaction) => {
    const [order] = await deps.sequelize.query<{ id: string; status: string }>(
      `SELECT id, status FROM ${RIDER_PAYMENTS_SCHEMA}.payment_order WHERE booking_id = $1 FOR UPDATE`,
      { type: QueryTypes.SELECT, bind: [bookingId], transaction },
    );
    const booking = await lockBooking(deps.sequelize, transaction, bookingId);
    if (!booking) return { ended: false, status: 'MISSING' } as const;
    if (booking.status !== 'AWAITING_PAYMENT') return { ended: false, status: booking.status } as const;
    await updateBooking(
      deps.sequelize,
      transaction,
      bookingId,
      end === 'CANCELLED'
        ? { status: 'CANCELLED' }
        : { status: 'FAILED', error_code: PAYMENT_NOT_RECEIVED, error_message: 'the booking was not paid within its payment window' },
    );
    if (order) await transitionPaymentOrder(deps.sequelize, deps.logger, RIDER_PAYMENTS_SCHEMA, { id: order.id, to: 'CANCELLED', transaction });
    deps.logger.info({ bookingId, end, paymentOrderId: order?.id ?? null }, 'unpaid booking ended');
    transaction.afterCommit(() => announce(deps, bookingChannel(bookingId)));
    return { ended: true } as const;
  });
  return outcome;
}

export function createPaymentWindowJob(deps: UnpaidDeps): JobHandler {
  return async (job) => {
    const bookingId = (job.payload as { bookingId?: unknown } | null)?.bookingId;
    if (typeof bookingId !== 'string') {
      deps.logger.warn({ jobId: job.id, payload: job.payload }, 'payment window job without a booking; ignored');
      return;
    }
    await endUnpaidBooking(deps, bookingId, 'FAILED');
  };
}
