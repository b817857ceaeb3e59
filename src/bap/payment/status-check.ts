import type { Transaction } from 'sequelize';
import { backoffCeilingMs } from '../../infra/backoff/index.js';
import type { JobHandler } from '../../infra/scheduler/index.js';
import { RIDER_PAYMENTS_SCHEMA, recordStatusCheck } from '../../payments/index.js';
import type { BapDeps } from '../bap-deps.js';
import { applyGatewayStatus, IN_PROGRESS_STATUSES } from './apply-order-status.js';
import type { ChargeDeps } from './order-charged.js';
import { STATUS_CHECK_MAX_DELAY_MS } from './payment-timing.js';
import { orderStatusOf } from './payment-store.js';

/** The scheduler job that asks the gateway about a payment the webhooks have not settled. */
export const PAYMENT_STATUS_CHECK_JOB = 'bap-payment-status-check';
export { STATUS_CHECK_MAX_DELAY_MS };

type CheckDeps = ChargeDeps & Pick<BapDeps, 'payments'>;

/**
 * Schedules the check after `attempts` checks so far, once `transaction`
 * commits. The job id names the order and the attempt, so the create call,
 * a webhook and the previous check asking for the same next check schedule
 * it once.
 */
export function scheduleStatusCheck(deps: Pick<CheckDeps, 'scheduler' | 'logger' | 'payments' | 'now'>, transaction: Transaction, orderId: string, attempts: number): void {
  const delay = backoffCeilingMs(attempts + 1, { baseBackoffMs: deps.payments.statusCheck.baseDelayMs, maxBackoffMs: STATUS_CHECK_MAX_DELAY_MS });
  const id = `${PAYMENT_STATUS_CHECK_JOB}:${orderId}:${attempts}`;
  transaction.afterCommit(() =>
    deps.scheduler.schedule({ id, type: PAYMENT_STATUS_CHECK_JOB, payload: { orderId }, runAt: (deps.now ?? Date.now)() + delay }).then(
      () => undefined,
      (error: unknown) => deps.logger.warn({ err: error, jobId: id }, 'could not schedule a payment status check'),
    ),
  );
}

/**
 * One check of an order not yet settled: it is read at the gateway and moved
 * to what the gateway says, in the transaction that counts the check
 * (last_status_checked_at, status_check_attempts). While the payment is in
 * progress (STARTED, PENDING_VBV, AUTHORIZING) the next check is scheduled
 * with the delay doubled; after PAYMENT_STATUS_CHECK_MAX_ATTEMPTS checks it
 * goes to MANUAL_REVIEW for a person to settle with the gateway. An order
 * the gateway still holds as NEW stops being checked, uncounted: the rider
 * has not started paying, and the webhook of an attempt starts the checks
 * again. A gateway that does not answer fails the job, which the scheduler
 * retries.
 */
export function createPaymentStatusCheckJob(deps: CheckDeps): JobHandler {
  return async (job) => {
    const orderId = (job.payload as { orderId?: unknown } | null)?.orderId;
    if (typeof orderId !== 'string') {
      deps.logger.warn({ jobId: job.id, payload: job.payload }, 'payment status check without an order; ignored');
      return;
    }
    const current = await orderStatusOf(deps.sequelize, orderId);
    if (!current || (current.status !== 'NEW' && !IN_PROGRESS_STATUSES.includes(current.status))) return;
    const reported = await deps.payments.gateway.orderStatus(orderId);
    if (reported.status === 'NEW') return;
    await deps.sequelize.transaction(async (transaction) => {
      const attempts = await recordStatusCheck(deps.sequelize, RIDER_PAYMENTS_SCHEMA, orderId, transaction);
      const outcome = await applyGatewayStatus(deps, transaction, orderId, reported.status, reported);
      // Refused: a webhook already moved the order past what this read saw.
      if (outcome.outcome === 'refused' || !IN_PROGRESS_STATUSES.includes(reported.status)) return;
      if (attempts < deps.payments.statusCheck.maxAttempts) {
        scheduleStatusCheck(deps, transaction, orderId, attempts);
        return;
      }
      deps.logger.warn({ paymentOrderId: orderId, status: reported.status, attempts }, 'payment still unsettled after the last status check; given up to manual review');
      await applyGatewayStatus(deps, transaction, orderId, 'MANUAL_REVIEW');
    });
  };
}
