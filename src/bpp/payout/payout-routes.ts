import { AppError, type RouteSpec } from '../../infra/http/index.js';
import { requireOperator } from '../operator/admin-auth.js';
import { OPERATOR_TAG } from '../operator/operator-deps.js';
import type { PayoutDeps } from './payout-deps.js';
import { DEFAULT_PAYOUT_LIST_LIMIT, payoutListQuerySchema, type PayoutListQuery } from './payout-schemas.js';
import { listPayouts, type PayoutRow } from './payout-store.js';
import { runPayouts } from './run-payouts.js';

export interface PayoutRouteDeps {
  adminToken: string;
  /** Absent when no payment gateway is configured: the routes then answer 503. */
  payouts?: PayoutDeps;
}

function configured(payouts: PayoutDeps | undefined): PayoutDeps {
  // The catalogue's one 503 code; its message says which dependency is missing.
  if (!payouts) throw new AppError('UNAVAILABLE', 'payment gateway not configured');
  return payouts;
}

const iso = (value: Date | null) => (value === null ? null : new Date(value).toISOString());

function payoutJson(row: PayoutRow) {
  return {
    id: row.id,
    driver_id: row.customer_id,
    driver_name: row.driver_name,
    status: row.status,
    entity_name: row.entity_name,
    entity_ids: row.entity_ids,
    amount: { value: row.amount, currency: row.currency },
    payout_service_order_id: row.payout_service_order_id,
    retried_order_id: row.retried_order_id,
    last_status_checked_at: iso(row.last_status_checked_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** The operator's view of driver payouts, and a payout run on demand. */
export function payoutRoutes({ adminToken, payouts }: PayoutRouteDeps): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/provider/payouts',
      summary: 'Lists driver payouts, newest first, optionally of one status and one driver',
      tag: OPERATOR_TAG,
      security: 'adminToken',
      authorize: (req) => requireOperator(req, adminToken),
      request: { query: payoutListQuerySchema },
      responses: {
        200: { description: '{payouts: [{id, driver_id, status, entity_ids, amount: {value, currency}, retried_order_id, ...}]}' },
        503: { description: 'No payment gateway is configured' },
      },
      handler: async ({ query }, res) => {
        const { sequelize } = configured(payouts);
        const { status, driverId, limit } = query as PayoutListQuery;
        const rows = await listPayouts(sequelize, { ...(status ? { status } : {}), ...(driverId ? { driverId } : {}), limit: limit ?? DEFAULT_PAYOUT_LIST_LIMIT });
        res.json({ payouts: rows.map(payoutJson) });
      },
    },
    {
      method: 'post',
      path: '/provider/payouts/run',
      summary: "Pays each driver's unpaid completed rides now, one payout order per driver",
      tag: OPERATOR_TAG,
      security: 'adminToken',
      authorize: (req) => requireOperator(req, adminToken),
      responses: {
        200: { description: '{created: [{id, driver_id, ride_ids, amount, currency, status, retried_order_id}], skipped: [{driver_id, ride_ids, reason}]}' },
        503: { description: 'No payment gateway is configured' },
      },
      handler: async (_input, res) => {
        res.json(await runPayouts(configured(payouts)));
      },
    },
  ];
}
