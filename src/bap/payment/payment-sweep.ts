import { QueryTypes } from 'sequelize';
import { periodicJob, type PeriodicJob } from '../../infra/scheduler/index.js';
import { RIDER_PAYMENTS_SCHEMA } from '../../payments/index.js';
import { BAP_SCHEMA, type BapDeps } from '../bap-deps.js';
import { STATUS_CHECK_MAX_DELAY_MS } from './payment-timing.js';
import { PAYMENT_STATUS_CHECK_JOB } from './status-check.js';
import { endUnpaidBooking, PAYMENT_WINDOW_MS } from './unpaid-booking.js';

/** The scheduler job that finds payments whose status check, and bookings whose payment window, were never scheduled. */
export const PAYMENT_SWEEP_JOB = 'bap-payment-sweep';
export const PAYMENT_SWEEP_INTERVAL_MS = 5 * 60_000;
/** How far past its latest possible check an order must be before the sweep checks it: its own job, if any, goes first. */
export const PAYMENT_SWEEP_LAG_MS = 5 * 60_000;
/** A NEW order is looked at for this long: a rider who never opened the payment page is not asked about for ever. */
const NEW_ORDER_HORIZON = '1 hour';
/** An order in progress is looked at for this long; its counted checks end it in MANUAL_REVIEW well before. */
const IN_PROGRESS_HORIZON = '1 day';
const BATCH = 100;

type SweepDeps = Pick<BapDeps, 'sequelize' | 'logger' | 'scheduler' | 'correlation' | 'now' | 'paymentWindowMs'>;

/**
 * Payment orders the gateway may have settled while nothing here will ask:
 * their status check was lost between a commit and its scheduling (a crash)
 * and their webhooks never came. Each gets its next status check now, under
 * the id the check chain would use, so a check still pending is not doubled.
 */
export async function sweepLostPaymentChecks(deps: SweepDeps): Promise<number> {
  const stale = await deps.sequelize.query<{ id: string; status_check_attempts: number }>(
    `SELECT id, status_check_attempts FROM ${RIDER_PAYMENTS_SCHEMA}.payment_order
      WHERE payment_service_order_id IS NOT NULL
        AND COALESCE(last_status_checked_at, created_at) < now() - ($1 * interval '1 millisecond')
        AND ((status = 'NEW' AND created_at > now() - interval '${NEW_ORDER_HORIZON}')
          OR (status IN ('STARTED', 'PENDING_VBV', 'AUTHORIZING') AND created_at > now() - interval '${IN_PROGRESS_HORIZON}'))
      ORDER BY created_at LIMIT ${BATCH}`,
    { type: QueryTypes.SELECT, bind: [STATUS_CHECK_MAX_DELAY_MS + PAYMENT_SWEEP_LAG_MS] },
  );
  const runAt = (deps.now ?? Date.now)();
  let scheduled = 0;
  for (const order of stale) {
    const id = `${PAYMENT_STATUS_CHECK_JOB}:${order.id}:${order.status_check_attempts}`;
    if ((await deps.scheduler.schedule({ id, type: PAYMENT_STATUS_CHECK_JOB, payload: { orderId: order.id }, runAt })).created) scheduled += 1;
  }
  return scheduled;
}

/** Bookings still awaiting their payment past the window whose closing job was lost: each is failed as the job would have. */
export async function sweepExpiredPaymentWindows(deps: SweepDeps): Promise<number> {
  const expired = await deps.sequelize.query<{ id: string }>(
    `SELECT id FROM ${BAP_SCHEMA}.booking WHERE status = 'AWAITING_PAYMENT' AND updated_at < now() - ($1 * interval '1 millisecond') ORDER BY updated_at LIMIT ${BATCH}`,
    { type: QueryTypes.SELECT, bind: [(deps.paymentWindowMs ?? PAYMENT_WINDOW_MS) + PAYMENT_SWEEP_LAG_MS] },
  );
  let ended = 0;
  for (const booking of expired) if ((await endUnpaidBooking(deps, booking.id, 'FAILED')).ended) ended += 1;
  return ended;
}

export function paymentSweep(deps: SweepDeps): PeriodicJob {
  return periodicJob(deps.scheduler, PAYMENT_SWEEP_JOB, PAYMENT_SWEEP_INTERVAL_MS, async () => {
    const checks = await sweepLostPaymentChecks(deps);
    const windows = await sweepExpiredPaymentWindows(deps);
    if (checks + windows > 0) deps.logger.warn({ checks, windows }, 'the payment sweep found payments nothing was watching');
  });
}
