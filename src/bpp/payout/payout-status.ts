import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { Logger } from '../../infra/logging/logger.js';
import { PROVIDER_PAYMENTS_SCHEMA as P, transitionPayoutOrder, type PayoutOrderStatus, type TransitionOutcome } from '../../payments/index.js';
import { driverPlace, eventMoney, recordBppEvent } from '../business-events.js';
import { parseMoney } from '../domain/index.js';
import { BPP_SCHEMA as S } from '../models/index.js';

/**
 * Moves a payout order's status through the guarded transition in
 * `transaction`; the move that settles it (SUCCESS applied) records
 * payout.settled with it, so a replayed status or a check that lost the
 * race records nothing.
 */
export async function movePayoutStatus(
  sequelize: Sequelize,
  logger: Logger,
  transaction: Transaction,
  id: string,
  to: PayoutOrderStatus,
): Promise<TransitionOutcome<PayoutOrderStatus>> {
  const moved = await transitionPayoutOrder(sequelize, logger, { id, to, transaction });
  if (moved.outcome === 'applied' && to === 'SUCCESS') await recordPayoutSettled(sequelize, transaction, id);
  return moved;
}

async function recordPayoutSettled(sequelize: Sequelize, transaction: Transaction, id: string): Promise<void> {
  const [payout] = await sequelize.query<{ customer_id: string; amount: string; currency: string; ride_count: number; city_code: string | null }>(
    `SELECT p.customer_id, p.amount::text AS amount, p.currency, cardinality(p.entity_ids) AS ride_count,
            (SELECT c.city_code FROM ${S}.ride r
               JOIN ${S}.booking b ON b.id = r.booking_id
               JOIN ${S}.allocation a ON a.id = b.allocation_id
               JOIN ${S}.search_request s ON s.id = a.search_request_id
               JOIN ${S}.merchant_operating_city c ON c.id = s.merchant_operating_city_id
              WHERE r.id::text = p.entity_ids[1]) AS city_code
       FROM ${P}.payout_order p WHERE p.id = $1`,
    { type: QueryTypes.SELECT, bind: [id], transaction },
  );
  if (!payout) throw new Error(`payout order ${id} vanished in its own transition`);
  const driver = await driverPlace(sequelize, transaction, payout.customer_id);
  const city = payout.city_code ?? driver?.city;
  if (!driver || !city) throw new Error(`payout order ${id}: its driver ${payout.customer_id} has no merchant city`);
  const currency = payout.currency.trim();
  await recordBppEvent(sequelize, transaction, 'payout.settled', { ...driver, city }, id, {
    payout_order_id: id,
    driver_id: payout.customer_id,
    amount: eventMoney(parseMoney(payout.amount, currency)),
    ride_count: payout.ride_count,
  });
}
