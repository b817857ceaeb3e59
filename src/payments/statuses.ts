/**
 * The status sets of money rows, as Namma Yatri's payment library names
 * them, so a Juspay-style gateway's statuses are stored as it sends them.
 *
 * beckn-ride adds two order statuses the gateway never sends:
 * CANCELLED (an unpaid order of a cancelled booking) and MANUAL_REVIEW (a
 * payment still pending after the bounded status checks, left to an operator).
 */
export const TRANSACTION_STATUSES = [
  'NEW',
  'PENDING_VBV',
  'CHARGED',
  'AUTHENTICATION_FAILED',
  'AUTHORIZATION_FAILED',
  'JUSPAY_DECLINED',
  'AUTHORIZING',
  'COD_INITIATED',
  'STARTED',
  'AUTO_REFUNDED',
  'CLIENT_AUTH_TOKEN_EXPIRED',
  'CANCELLED',
  'MANUAL_REVIEW',
] as const;
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

export const REFUND_STATUSES = ['PENDING', 'SUCCESS', 'FAILURE', 'MANUAL_REVIEW'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

export const PAYOUT_ORDER_STATUSES = ['INITIATED', 'PENDING', 'SUCCESS', 'FAILURE', 'MANUAL_REVIEW', 'CANCELLED'] as const;
export type PayoutOrderStatus = (typeof PAYOUT_ORDER_STATUSES)[number];

/** Payout statuses that hold their rides: the money is moving, moved, or may have (MANUAL_REVIEW). */
export const LIVE_PAYOUT_ORDER_STATUSES: readonly PayoutOrderStatus[] = ['INITIATED', 'PENDING', 'SUCCESS', 'MANUAL_REVIEW'];

export interface StatusOf {
  transaction: TransactionStatus;
  refund: RefundStatus;
  payout: PayoutOrderStatus;
}
export type StatusKind = keyof StatusOf;
