import { PaymentGatewayError, type PayoutRequest } from '../../payments/gateway/index.js';
import { createPayoutOrder, type PayoutOrderStatus } from '../../payments/index.js';
import { movePayoutStatus } from './payout-status.js';
import type { PayoutDeps } from './payout-deps.js';
import { recordGatewayOrderId, unpaidBatches } from './payout-store.js';

export interface CreatedPayout {
  id: string;
  driver_id: string;
  ride_ids: string[];
  amount: string;
  currency: string;
  /** As the gateway's answer left it; INITIATED also when the gateway could not be reached (a status check sends it again). */
  status: PayoutOrderStatus;
  retried_order_id: string | null;
}

export interface SkippedBatch {
  driver_id: string;
  ride_ids: string[];
  /** Another payout claimed one of the rides first (a run at the same time). */
  reason: 'RIDE_ALREADY_CLAIMED';
}

export interface PayoutRun {
  created: CreatedPayout[];
  skipped: SkippedBatch[];
}

/** What the gateway is asked to pay for one payout order; sending it again with the same key never pays twice. */
export function payoutRequest(payout: { id: string; driverId: string; driverName: string; amount: string; currency: string }): PayoutRequest {
  return {
    payoutOrderId: payout.id,
    amount: payout.amount,
    currency: payout.currency,
    // The driver table keeps no UPI id yet: the gateway knows the beneficiary by customer id and name, and a
    // gateway that pays to a VPA needs that column before it is pointed at real money.
    customer: { id: payout.driverId, name: payout.driverName, vpa: '' },
    idempotencyKey: payout.id,
    remark: `beckn-ride earnings ${payout.id}`,
  };
}

/**
 * Pays each driver's unpaid completed rides in one payout order. The claim
 * is the database's (createPayoutOrder): when two runs pick the same rides
 * the second claim is refused and that batch skipped, so a ride is paid once
 * however many runs overlap. Only a claimed payout is sent to the gateway,
 * keyed by the payout order id.
 */
export async function runPayouts(deps: PayoutDeps): Promise<PayoutRun> {
  const { sequelize, logger } = deps;
  const run: PayoutRun = { created: [], skipped: [] };
  for (const batch of await unpaidBatches(sequelize)) {
    const claim = await sequelize.transaction((transaction) =>
      createPayoutOrder(sequelize, logger, {
        customerId: batch.driver_id,
        rideIds: batch.ride_ids,
        amount: batch.amount,
        currency: batch.currency,
        ...(batch.retried_order_id ? { retriedOrderId: batch.retried_order_id } : {}),
        transaction,
      }),
    );
    if (claim.outcome === 'refused') {
      run.skipped.push({ driver_id: batch.driver_id, ride_ids: batch.ride_ids, reason: claim.reason });
      continue;
    }
    const request = payoutRequest({ id: claim.id, driverId: batch.driver_id, driverName: batch.driver_name, amount: batch.amount, currency: batch.currency });
    const status = await sendPayout(deps, request);
    run.created.push({ id: claim.id, driver_id: batch.driver_id, ride_ids: batch.ride_ids, amount: batch.amount, currency: batch.currency, status, retried_order_id: batch.retried_order_id });
  }
  logger.info({ created: run.created.length, skipped: run.skipped.length }, 'payout run finished');
  return run;
}

/**
 * Asks the gateway to pay and records its answer. A refusal moved no money,
 * so the payout fails and frees its rides for the next run; a call that got
 * no answer may have paid, so the payout stays INITIATED for the status
 * check to send again under the same key.
 */
export async function sendPayout(deps: PayoutDeps, request: PayoutRequest): Promise<PayoutOrderStatus> {
  const { sequelize, logger, gateway } = deps;
  const id = request.payoutOrderId;
  try {
    const answer = await gateway.createPayout(request);
    await recordGatewayOrderId(sequelize, id, answer.payoutOrderId);
    if (answer.status === 'INITIATED') return 'INITIATED';
    // In a transaction of its own, so a SUCCESS and its payout.settled commit together.
    const moved = await sequelize.transaction((transaction) => movePayoutStatus(sequelize, logger, transaction, id, answer.status));
    return moved.outcome === 'refused' ? moved.from : answer.status;
  } catch (error) {
    if (!(error instanceof PaymentGatewayError)) throw error;
    logger.warn({ payoutOrderId: id, kind: error.kind, gatewayErrorCode: error.gatewayErrorCode }, 'payout request got no usable answer');
    if (error.kind !== 'rejected') return 'INITIATED';
    await sequelize.transaction((transaction) => movePayoutStatus(sequelize, logger, transaction, id, 'FAILURE'));
    return 'FAILURE';
  }
}
