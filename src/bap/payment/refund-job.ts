import { QueryTypes, type Transaction } from 'sequelize';
import { fullJitterDelayMs } from '../../infra/backoff/index.js';
import { trimDecimal } from '../../infra/postgres/index.js';
import { periodicJob, type JobHandler, type PeriodicJob } from '../../infra/scheduler/index.js';
import { PaymentGatewayError, type GatewayRefund } from '../../payments/gateway/index.js';
import { RIDER_PAYMENTS_SCHEMA, transitionRefund, type RefundStatus } from '../../payments/index.js';
import type { BapDeps } from '../bap-deps.js';
import { STATUS_CHECK_MAX_DELAY_MS } from './payment-timing.js';
import { recordBapEvent, riderBookingPlace } from '../business-events.js';

/** The scheduler job that sends a refund to the gateway and follows it until the gateway settles it. */
export const PAYMENT_REFUND_JOB = 'bap-payment-refund';
/** The periodic job that finds refunds never sent, whose job was lost, and schedules them again. */
export const REFUND_SWEEP_JOB = 'bap-payment-refund-sweep';
export const REFUND_SWEEP_INTERVAL_MS = 5 * 60_000;
/** How old a PENDING refund the gateway has no id for must be before the sweep takes its job as lost: its own job goes first. */
export const REFUND_SWEEP_LAG_MS = 5 * 60_000;
/** Refunds the sweep schedules per run; the rest wait for the next one. */
const SWEEP_LIMIT = 100;
/**
 * Runs of one refund job before it gives up: a gateway down (or not
 * answering) this many times in a row, the scheduler's backoff doubling
 * from 1 s to 5 min between runs, leaves the refund to MANUAL_REVIEW.
 */
export const REFUND_JOB_MAX_ATTEMPTS = 12;

type RefundJobDeps = Pick<BapDeps, 'sequelize' | 'logger' | 'scheduler' | 'payments' | 'now'>;

interface RefundJobPayload {
  refundId: string;
  /** Status reads done before this run; 0 for the run that sends the refund. */
  checks: number;
}

const jobId = (refundId: string, checks: number) => `${PAYMENT_REFUND_JOB}:${refundId}:${checks}`;

function schedule(deps: Pick<RefundJobDeps, 'scheduler'>, payload: RefundJobPayload, runAt: number) {
  return deps.scheduler.schedule({ id: jobId(payload.refundId, payload.checks), type: PAYMENT_REFUND_JOB, payload, runAt, maxAttempts: REFUND_JOB_MAX_ATTEMPTS });
}

/**
 * Schedules the sending of a refund once `transaction` (which created it)
 * commits, so the job never reads a refund that may yet roll back. The job
 * id names the refund, so asking twice schedules it once.
 */
export function scheduleRefundJob(deps: Pick<RefundJobDeps, 'scheduler' | 'logger' | 'now'>, transaction: Transaction, refundId: string): void {
  transaction.afterCommit(() =>
    schedule(deps, { refundId, checks: 0 }, (deps.now ?? Date.now)()).then(
      () => undefined,
      (error: unknown) => deps.logger.error({ err: error, refundId }, 'could not schedule the sending of a refund'),
    ),
  );
}

interface StoredRefund {
  id: string;
  order_id: string;
  refund_amount: string;
  status: RefundStatus;
  id_assigned_by_service_provider: string | null;
}

async function refundOf(deps: RefundJobDeps, refundId: string): Promise<StoredRefund | null> {
  const [row] = await deps.sequelize.query<StoredRefund>(
    `SELECT id, order_id, refund_amount::text AS refund_amount, status, id_assigned_by_service_provider FROM ${RIDER_PAYMENTS_SCHEMA}.refunds WHERE id = $1`,
    { type: QueryTypes.SELECT, bind: [refundId] },
  );
  return row ? { ...row, refund_amount: trimDecimal(row.refund_amount) } : null;
}

/** Keeps the gateway's id of the refund; the first one recorded stays. */
async function recordGatewayRefundId(deps: RefundJobDeps, refundId: string, gatewayRefundId: string): Promise<void> {
  await deps.sequelize.query(
    `UPDATE ${RIDER_PAYMENTS_SCHEMA}.refunds SET id_assigned_by_service_provider = $2, updated_at = now() WHERE id = $1 AND id_assigned_by_service_provider IS NULL`,
    { bind: [refundId, gatewayRefundId] },
  );
}

/** Moves the refund to a final (or MANUAL_REVIEW) status through the guarded transition, with the gateway's reason for a failure. */
async function settle(deps: RefundJobDeps, refundId: string, to: RefundStatus, error?: { code?: string; message?: string }): Promise<void> {
  await deps.sequelize.transaction(async (transaction) => {
    const outcome = await transitionRefund(deps.sequelize, deps.logger, RIDER_PAYMENTS_SCHEMA, { id: refundId, to, transaction });
    if (outcome.outcome !== 'applied') return;
    if (to === 'SUCCESS') await recordRefunded(deps, transaction, refundId);
    if (error) {
      await deps.sequelize.query(`UPDATE ${RIDER_PAYMENTS_SCHEMA}.refunds SET error_code = $2, error_message = $3 WHERE id = $1`, {
        bind: [refundId, error.code?.slice(0, 200) ?? null, error.message?.slice(0, 500) ?? null],
        transaction,
      });
    }
    const log = { refundId, status: to, ...(error ? { errorCode: error.code } : {}) };
    if (to === 'SUCCESS') deps.logger.info(log, 'refund settled');
    else deps.logger.warn(log, to === 'MANUAL_REVIEW' ? 'refund left to manual review' : 'refund failed at the gateway');
  });
}

/** payment.refunded, in the transaction that moved the refund to SUCCESS. */
async function recordRefunded(deps: RefundJobDeps, transaction: Transaction, refundId: string): Promise<void> {
  const [row] = await deps.sequelize.query<{ order_id: string; booking_id: string; refund_amount: string; currency: string }>(
    `SELECT r.order_id, o.booking_id, r.refund_amount::text AS refund_amount, o.currency
       FROM ${RIDER_PAYMENTS_SCHEMA}.refunds r JOIN ${RIDER_PAYMENTS_SCHEMA}.payment_order o ON o.id = r.order_id WHERE r.id = $1`,
    { type: QueryTypes.SELECT, bind: [refundId], transaction },
  );
  if (!row) throw new Error(`refund ${refundId} vanished in its own transition`);
  await recordBapEvent(deps.sequelize, transaction, 'payment.refunded', await riderBookingPlace(deps.sequelize, transaction, row.booking_id), refundId, {
    refund_id: refundId,
    order_id: row.order_id,
    booking_id: row.booking_id,
    amount: { value: trimDecimal(row.refund_amount), currency: row.currency.trim() },
  });
}

/**
 * One run for a PENDING refund. Not yet known to the gateway: it is sent
 * with our refund id as the gateway's idempotency key (a run retried after
 * a lost answer sends the same id, and the gateway refunds once), and the
 * gateway's refund id is recorded. Known: its status is read. No database
 * transaction is open during a gateway call. SUCCESS or FAILURE is applied
 * with transitionRefund; still PENDING, the next read is scheduled with a
 * full-jitter backoff, and past PAYMENT_STATUS_CHECK_MAX_ATTEMPTS reads the
 * refund goes to MANUAL_REVIEW. A gateway that does not answer fails the
 * run, which the scheduler retries; on the last run the refund goes to
 * MANUAL_REVIEW, since the gateway may have acted. A gateway that refuses
 * the refund (4xx) fails it: nothing was refunded.
 */
export function createRefundJob(deps: RefundJobDeps): JobHandler {
  const { statusCheck } = deps.payments;
  return async (job) => {
    const payload = job.payload as Partial<RefundJobPayload> | null;
    const refundId = payload?.refundId;
    const checks = payload?.checks ?? 0;
    if (typeof refundId !== 'string' || !Number.isInteger(checks)) {
      deps.logger.warn({ jobId: job.id, payload: job.payload }, 'refund job without a refund; ignored');
      return;
    }
    const refund = await refundOf(deps, refundId);
    if (!refund || refund.status !== 'PENDING') return;

    let reported: GatewayRefund;
    try {
      if (refund.id_assigned_by_service_provider === null) {
        reported = await deps.payments.gateway.refund({ orderId: refund.order_id, refundId: refund.id, amount: refund.refund_amount });
        if (reported.gatewayRefundId) await recordGatewayRefundId(deps, refund.id, reported.gatewayRefundId);
      } else {
        reported = await deps.payments.gateway.refundStatus(refund.order_id, refund.id);
      }
    } catch (error) {
      if (!(error instanceof PaymentGatewayError)) throw error;
      const log = { refundId, kind: error.kind, attempt: job.attempt, gatewayErrorCode: error.gatewayErrorCode };
      if (error.kind === 'rejected' && refund.id_assigned_by_service_provider === null) {
        await settle(deps, refundId, 'FAILURE', { code: error.gatewayErrorCode ?? 'rejected', message: error.message });
        return;
      }
      if (job.attempt >= REFUND_JOB_MAX_ATTEMPTS) {
        deps.logger.error(log, 'refund got no usable answer from the gateway on its last attempt');
        await settle(deps, refundId, 'MANUAL_REVIEW', { code: error.kind, message: error.message });
        return;
      }
      deps.logger.warn(log, 'refund got no usable answer from the gateway; the job will retry');
      throw error;
    }

    if (reported.status === 'SUCCESS' || reported.status === 'FAILURE') {
      await settle(deps, refundId, reported.status, reported.status === 'FAILURE' ? { message: reported.errorMessage } : undefined);
      return;
    }
    if (reported.status === 'MANUAL_REVIEW' || checks >= statusCheck.maxAttempts) {
      deps.logger.warn({ refundId, checks, reported: reported.status }, 'refund still unsettled after the last status read');
      await settle(deps, refundId, 'MANUAL_REVIEW');
      return;
    }
    const delay = fullJitterDelayMs(checks + 1, { baseBackoffMs: statusCheck.baseDelayMs, maxBackoffMs: STATUS_CHECK_MAX_DELAY_MS });
    await schedule(deps, { refundId, checks: checks + 1 }, (deps.now ?? Date.now)() + delay);
  };
}

/**
 * Schedules again the sending of PENDING refunds the gateway gave no id
 * for, made more than `olderThanMs` ago: a refund whose job was never
 * scheduled (the scheduler unreachable when its transaction committed) or
 * was dead-lettered. A refund whose job is still pending or running keeps
 * it (the job id is the same, so scheduling it is a no-op), and sending
 * again is harmless: the gateway refunds once per refund id. Returns how
 * many jobs were scheduled anew.
 */
export async function resendLostRefunds(deps: Pick<RefundJobDeps, 'sequelize' | 'scheduler' | 'logger' | 'now'>, olderThanMs = REFUND_SWEEP_LAG_MS): Promise<number> {
  const lost = await deps.sequelize.query<{ id: string }>(
    `SELECT id FROM ${RIDER_PAYMENTS_SCHEMA}.refunds
      WHERE status = 'PENDING' AND id_assigned_by_service_provider IS NULL AND created_at < now() - $1 * interval '1 millisecond'
      ORDER BY created_at LIMIT ${SWEEP_LIMIT}`,
    { type: QueryTypes.SELECT, bind: [olderThanMs] },
  );
  let scheduled = 0;
  for (const { id } of lost) {
    if ((await schedule(deps, { refundId: id, checks: 0 }, (deps.now ?? Date.now)())).created) scheduled += 1;
  }
  if (scheduled > 0) deps.logger.warn({ scheduled }, 'refund sweep scheduled refunds whose job was lost');
  return scheduled;
}

/** The refund sweep, a periodic job (at start, then every REFUND_SWEEP_INTERVAL_MS). */
export function refundSweep(deps: Pick<RefundJobDeps, 'sequelize' | 'scheduler' | 'logger' | 'now'>): PeriodicJob {
  return periodicJob(deps.scheduler, REFUND_SWEEP_JOB, REFUND_SWEEP_INTERVAL_MS, async () => {
    await resendLostRefunds(deps);
  });
}
