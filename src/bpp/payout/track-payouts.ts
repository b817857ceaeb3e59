import { periodicJob, type Scheduler } from '../../infra/scheduler/index.js';
import { PaymentGatewayError } from '../../payments/gateway/index.js';
import type { PayoutOrderStatus } from '../../payments/index.js';
import { movePayoutStatus } from './payout-status.js';
import type { PayoutDeps } from './payout-deps.js';
import { duePayouts, markStatusChecked, recordGatewayOrderId, type UnsettledPayout } from './payout-store.js';
import { payoutRequest } from './run-payouts.js';

export const PAYOUT_STATUS_JOB = 'bpp.payout-status';

export interface PayoutTracking {
  /** How often the scheduler looks for payouts due a status check. */
  intervalMs: number;
  /** A payout the gateway has not settled this long after it was created goes to MANUAL_REVIEW. */
  reviewAfterMs: number;
  /** The longest wait between two checks of one payout, however old it is. */
  maxGapMs: number;
}

/** Payouts checked per sweep; the rest wait for the next one. */
const SWEEP_LIMIT = 100;

/**
 * What the gateway says now: a payout it never answered for is sent again
 * under its own key (the gateway pays it once), any other is asked for.
 */
async function askGateway(deps: PayoutDeps, payout: UnsettledPayout): Promise<PayoutOrderStatus> {
  if (payout.payout_service_order_id !== null) return (await deps.gateway.payoutStatus(payout.id)).status;
  const answer = await deps.gateway.createPayout(
    payoutRequest({ id: payout.id, driverId: payout.customer_id, driverName: payout.driver_name, amount: payout.amount, currency: payout.currency }),
  );
  await recordGatewayOrderId(deps.sequelize, payout.id, answer.payoutOrderId);
  return answer.status;
}

/**
 * Checks one unsettled payout: its status moves through the guarded
 * transition in the transaction that records the check, so a webhook
 * applying the same status at once changes nothing twice. Past the bound a
 * payout still unsettled, or one the gateway cannot be asked about, goes to
 * MANUAL_REVIEW, which keeps its rides: money may have moved.
 */
async function checkPayout(deps: PayoutDeps, payout: UnsettledPayout, reviewAfterMs: number): Promise<void> {
  const { sequelize, logger } = deps;
  let status: PayoutOrderStatus = payout.status;
  try {
    status = await askGateway(deps, payout);
  } catch (error) {
    if (!(error instanceof PaymentGatewayError)) throw error;
    logger.warn({ payoutOrderId: payout.id, kind: error.kind }, 'payout status check got no usable answer');
    // Only a payout the gateway never accepted can be refused; nothing was paid.
    if (error.kind === 'rejected' && payout.payout_service_order_id === null) status = 'FAILURE';
  }
  const unsettled = status === 'INITIATED' || status === 'PENDING';
  const to: PayoutOrderStatus = unsettled && payout.age_ms >= reviewAfterMs ? 'MANUAL_REVIEW' : status;
  await sequelize.transaction(async (transaction) => {
    await markStatusChecked(sequelize, payout.id, transaction);
    if (to !== payout.status && to !== 'INITIATED') await movePayoutStatus(sequelize, logger, transaction, payout.id, to);
  });
  if (to === 'MANUAL_REVIEW') logger.warn({ payoutOrderId: payout.id, ageMs: payout.age_ms }, 'payout unsettled past its bound, left to manual review');
}

/** One sweep over the payouts due a check; returns how many were checked. A payout whose check fails waits for the next sweep. */
export async function checkDuePayouts(deps: PayoutDeps, tracking: PayoutTracking): Promise<number> {
  const due = await duePayouts(deps.sequelize, tracking.maxGapMs, SWEEP_LIMIT);
  for (const payout of due) {
    try {
      await checkPayout(deps, payout, tracking.reviewAfterMs);
    } catch (error) {
      deps.logger.error({ err: error, payoutOrderId: payout.id }, 'payout status check failed');
    }
  }
  return due.length;
}

/** Registers the status sweep, a periodic job (at start, then every interval); a failed check waits for the next sweep. */
export function startPayoutTracking(scheduler: Scheduler, deps: PayoutDeps, tracking: PayoutTracking): void {
  const sweep = periodicJob(scheduler, PAYOUT_STATUS_JOB, tracking.intervalMs, async () => {
    await checkDuePayouts(deps, tracking);
  });
  sweep.register();
  sweep.start().catch((error: unknown) => deps.logger.error({ err: error }, 'could not schedule the payout status sweep'));
}
