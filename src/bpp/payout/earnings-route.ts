import type { Request } from 'express';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { RouteSpec } from '../../infra/http/index.js';
import { trimDecimal } from '../../infra/postgres/index.js';
import { PROVIDER_PAYMENTS_SCHEMA as P } from '../../payments/index.js';
import { DRIVER_APP_TAG, DRIVER_SECURITY } from '../driver-app/driver-app-deps.js';
import { BPP_SCHEMA as S } from '../models/index.js';
import { cashCollectedSql } from './payout-store.js';

/** The part of the driver app's token check this route uses. */
export interface EarningsAuth {
  requireDriver(req: Request): Promise<void>;
  driverOf(req: Request): { driverId: string };
}

/**
 * Each completed ride with the live payout holding it, if any: at most one
 * (payout_order_entity_live_idx). PAID once that payout succeeded,
 * IN_PAYOUT while it is on its way (or under manual review), UNPAID when
 * none holds it (also after a failed payout, until the next run),
 * CASH_COLLECTED when the driver took the fare in cash (never paid out).
 */
const ridesSql = `
  SELECT r.id, r.ended_at, r.final_fare::text AS final_fare, b.currency, p.id AS payout_order_id,
         CASE WHEN p.status = 'SUCCESS' THEN 'PAID' WHEN p.id IS NOT NULL THEN 'IN_PAYOUT' WHEN ${cashCollectedSql('b')} THEN 'CASH_COLLECTED' ELSE 'UNPAID' END AS payout_state
    FROM ${S}.ride r
    JOIN ${S}.booking b ON b.id = r.booking_id
    LEFT JOIN ${P}.payout_order_entity e ON e.entity_name = 'RIDE' AND e.entity_id = r.id::text AND e.live
    LEFT JOIN ${P}.payout_order p ON p.id = e.payout_order_id
   WHERE r.driver_id = $1 AND r.status = 'COMPLETED' AND r.final_fare IS NOT NULL`;

const listSql = `SELECT * FROM (${ridesSql}) rides ORDER BY ended_at DESC, id LIMIT 100`;

const totalsSql = `
  SELECT currency, sum(final_fare::numeric)::text AS earned,
         COALESCE(sum(final_fare::numeric) FILTER (WHERE payout_state = 'PAID'), 0)::text AS paid,
         COALESCE(sum(final_fare::numeric) FILTER (WHERE payout_state = 'IN_PAYOUT'), 0)::text AS in_payout,
         COALESCE(sum(final_fare::numeric) FILTER (WHERE payout_state = 'UNPAID'), 0)::text AS unpaid,
         COALESCE(sum(final_fare::numeric) FILTER (WHERE payout_state = 'CASH_COLLECTED'), 0)::text AS cash_collected
    FROM (${ridesSql}) rides GROUP BY currency ORDER BY currency`;

interface EarningRide {
  id: string;
  ended_at: Date | null;
  final_fare: string;
  currency: string;
  payout_order_id: string | null;
  payout_state: 'PAID' | 'IN_PAYOUT' | 'UNPAID' | 'CASH_COLLECTED';
}

interface EarningTotals {
  currency: string;
  earned: string;
  paid: string;
  in_payout: string;
  unpaid: string;
  cash_collected: string;
}

/** The driver's earnings: the latest 100 completed rides with their fares and payout state, and totals over all of them per currency. */
export function earningsRoutes({ sequelize }: { sequelize: Sequelize }, auth: EarningsAuth): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/driver/earnings',
      summary: "The driver's completed rides with their fares, which are paid, in a payout or unpaid, and the totals",
      tag: DRIVER_APP_TAG,
      security: DRIVER_SECURITY,
      authorize: (req) => auth.requireDriver(req),
      responses: { 200: { description: '{rides: [{id, ended_at, fare: {value, currency}, payout_state, payout_order_id}], totals: [{currency, earned, paid, in_payout, unpaid, cash_collected}]}; payout_state PAID, IN_PAYOUT, UNPAID or CASH_COLLECTED (taken in cash by the driver, never paid out)' } },
      handler: async ({ req }, res) => {
        const { driverId } = auth.driverOf(req);
        const [rides, totals] = await Promise.all([
          sequelize.query<EarningRide>(listSql, { type: QueryTypes.SELECT, bind: [driverId] }),
          sequelize.query<EarningTotals>(totalsSql, { type: QueryTypes.SELECT, bind: [driverId] }),
        ]);
        res.json({
          rides: rides.map((ride) => ({
            id: ride.id,
            ended_at: ride.ended_at === null ? null : new Date(ride.ended_at).toISOString(),
            fare: { value: trimDecimal(ride.final_fare), currency: ride.currency },
            payout_state: ride.payout_state,
            payout_order_id: ride.payout_order_id,
          })),
          totals: totals.map((total) => ({
            currency: total.currency,
            earned: trimDecimal(total.earned),
            paid: trimDecimal(total.paid),
            in_payout: trimDecimal(total.in_payout),
            unpaid: trimDecimal(total.unpaid),
            cash_collected: trimDecimal(total.cash_collected),
          })),
        });
      },
    },
  ];
}
