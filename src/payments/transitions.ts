import type { PayoutOrderStatus, RefundStatus, StatusKind, StatusOf, TransactionStatus } from './statuses.js';

type TransitionTable<S extends string> = Readonly<Record<S, readonly S[]>>;

const FAILED_ATTEMPT = ['STARTED', 'PENDING_VBV', 'AUTHORIZING', 'CHARGED', 'AUTHENTICATION_FAILED', 'AUTHORIZATION_FAILED', 'JUSPAY_DECLINED', 'CANCELLED'] as const;

/**
 * Where a payment order (or one attempt, payment_transaction) may go from
 * each status. A declined attempt is not final: the rider may pay again on
 * the same order, so the failure statuses lead back into an attempt. A
 * charge the gateway reports late is recorded whatever the order's state
 * (even CANCELLED, MANUAL_REVIEW or a failure), since money that moved must
 * be seen to be refunded; only AUTO_REFUNDED is final, and CHARGED leads
 * only there.
 */
const TRANSACTION: TransitionTable<TransactionStatus> = {
  NEW: ['STARTED', 'PENDING_VBV', 'AUTHORIZING', 'CHARGED', 'AUTHENTICATION_FAILED', 'AUTHORIZATION_FAILED', 'JUSPAY_DECLINED', 'COD_INITIATED', 'CLIENT_AUTH_TOKEN_EXPIRED', 'CANCELLED', 'MANUAL_REVIEW'],
  STARTED: ['PENDING_VBV', 'AUTHORIZING', 'CHARGED', 'AUTHENTICATION_FAILED', 'AUTHORIZATION_FAILED', 'JUSPAY_DECLINED', 'CANCELLED', 'MANUAL_REVIEW'],
  PENDING_VBV: ['AUTHORIZING', 'CHARGED', 'AUTHENTICATION_FAILED', 'AUTHORIZATION_FAILED', 'JUSPAY_DECLINED', 'CANCELLED', 'MANUAL_REVIEW'],
  AUTHORIZING: ['CHARGED', 'AUTHORIZATION_FAILED', 'JUSPAY_DECLINED', 'CANCELLED', 'MANUAL_REVIEW'],
  AUTHENTICATION_FAILED: FAILED_ATTEMPT.filter((status) => status !== 'AUTHENTICATION_FAILED'),
  AUTHORIZATION_FAILED: FAILED_ATTEMPT.filter((status) => status !== 'AUTHORIZATION_FAILED'),
  JUSPAY_DECLINED: FAILED_ATTEMPT.filter((status) => status !== 'JUSPAY_DECLINED'),
  CLIENT_AUTH_TOKEN_EXPIRED: ['NEW', 'STARTED', 'PENDING_VBV', 'AUTHORIZING', 'CHARGED', 'CANCELLED'],
  COD_INITIATED: ['CHARGED', 'CANCELLED'],
  CANCELLED: ['CHARGED'],
  MANUAL_REVIEW: ['CHARGED', 'AUTHENTICATION_FAILED', 'AUTHORIZATION_FAILED', 'JUSPAY_DECLINED', 'CANCELLED'],
  CHARGED: ['AUTO_REFUNDED'],
  AUTO_REFUNDED: [],
};

/** A refund the gateway could not settle either way waits in MANUAL_REVIEW; a failed one is retried as a new refund. */
const REFUND: TransitionTable<RefundStatus> = {
  PENDING: ['SUCCESS', 'FAILURE', 'MANUAL_REVIEW'],
  MANUAL_REVIEW: ['SUCCESS', 'FAILURE'],
  SUCCESS: [],
  FAILURE: [],
};

/**
 * A failed or cancelled payout is final: its rides go to a new payout order
 * (retried_order_id pointing back), never back to this one.
 */
const PAYOUT: TransitionTable<PayoutOrderStatus> = {
  INITIATED: ['PENDING', 'SUCCESS', 'FAILURE', 'MANUAL_REVIEW', 'CANCELLED'],
  PENDING: ['SUCCESS', 'FAILURE', 'MANUAL_REVIEW'],
  MANUAL_REVIEW: ['SUCCESS', 'FAILURE'],
  SUCCESS: [],
  FAILURE: [],
  CANCELLED: [],
};

const TABLES: { readonly [K in StatusKind]: TransitionTable<StatusOf[K]> } = { transaction: TRANSACTION, refund: REFUND, payout: PAYOUT };

/** True when a row of this kind may move from `from` to `to`; staying put is not a transition. */
export function checkTransition<K extends StatusKind>(kind: K, from: StatusOf[K], to: StatusOf[K]): boolean {
  const table: TransitionTable<StatusOf[K]> = TABLES[kind];
  return table[from].includes(to);
}

/** The statuses a row may be in to move to `to`. */
export function allowedFrom<K extends StatusKind>(kind: K, to: StatusOf[K]): StatusOf[K][] {
  const table: TransitionTable<StatusOf[K]> = TABLES[kind];
  return (Object.keys(table) as StatusOf[K][]).filter((from) => table[from].includes(to));
}
