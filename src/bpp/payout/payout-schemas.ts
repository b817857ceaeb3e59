import { PAYOUT_ORDER_STATUSES } from '../../payments/index.js';

export const payoutListQuerySchema = {
  $id: 'beckn-ride/bpp/operator-payout-list-query',
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: [...PAYOUT_ORDER_STATUSES] },
    driverId: { type: 'string', format: 'uuid' },
    limit: { type: 'integer', minimum: 1, maximum: 200 },
  },
} as const;

export interface PayoutListQuery {
  status?: string;
  driverId?: string;
  limit?: number;
}

/** Payouts listed when the query names no limit. */
export const DEFAULT_PAYOUT_LIST_LIMIT = 50;
