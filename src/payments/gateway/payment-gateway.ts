/**
 * The payment gateway port: what beckn-ride asks of a gateway that collects
 * a rider's payment, refunds it and pays drivers out. The Juspay-style HTTP
 * adapter implements it; the simulator speaks the same HTTP API, so tests
 * and the embedded profile go through the real adapter.
 *
 * Amounts are decimal strings in the currency's major unit ("150.00"),
 * never floats. Every money-moving call takes a key that makes a repeat
 * harmless; the adapter says per call which key the gateway honours.
 * A declined payment is an order status (AUTHORIZATION_FAILED, ...), not an
 * error: errors are for calls that got no usable answer (see gateway-errors.ts).
 */

import {
  PAYOUT_ORDER_STATUSES,
  REFUND_STATUSES,
  TRANSACTION_STATUSES,
  type PayoutOrderStatus as StoredPayoutStatus,
  type RefundStatus as StoredRefundStatus,
  type TransactionStatus as StoredTransactionStatus,
} from '../statuses.js';

/**
 * Order statuses a gateway reports: the stored set (../statuses.ts, the one
 * list) without CANCELLED and MANUAL_REVIEW, which only beckn-ride decides.
 */
export type TransactionStatus = Exclude<StoredTransactionStatus, 'CANCELLED' | 'MANUAL_REVIEW'>;
export const transactionStatuses: readonly TransactionStatus[] = TRANSACTION_STATUSES.filter(
  (status): status is TransactionStatus => status !== 'CANCELLED' && status !== 'MANUAL_REVIEW',
);

export const refundStatuses = REFUND_STATUSES;
export type RefundStatus = StoredRefundStatus;

/** A payout's state as beckn-ride reasons about it; `gatewayStatus` keeps the gateway's own word. */
export const payoutStatuses = PAYOUT_ORDER_STATUSES;
export type PayoutStatus = StoredPayoutStatus;

export interface Money {
  /** Decimal string in the major unit, e.g. "150.00". */
  amount: string;
  /** ISO 4217 code, e.g. "INR". */
  currency: string;
}

export interface PaymentCustomer {
  id: string;
  phone?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
}

export interface CreateOrderRequest extends Money {
  /** beckn-ride's payment_order id; the gateway keys the order by it, so a repeated create returns the same order. */
  orderId: string;
  shortId?: string;
  customer: PaymentCustomer;
  /** Where the payment page sends the rider back. */
  returnUrl: string;
  description?: string;
}

export interface CreatedOrder {
  /** The gateway's own id of the order (payment_service_order_id). */
  gatewayOrderId: string;
  orderId: string;
  status: TransactionStatus;
  paymentLinks: { web?: string; deepLink?: string; expiry?: string };
  /** Secret handed once to the rider app's SDK: store it encrypted, never log it. */
  clientAuthToken: string;
  clientAuthTokenExpiry: string;
}

export interface GatewayRefund {
  /** Our refund id, sent as the gateway's idempotency key. */
  refundId: string;
  /** The gateway's id of the refund, once it assigned one. */
  gatewayRefundId?: string;
  amount: string;
  status: RefundStatus;
  errorMessage?: string;
}

export interface OrderStatus extends Money {
  orderId: string;
  gatewayOrderId: string;
  status: TransactionStatus;
  txnId?: string;
  txnUuid?: string;
  paymentMethodType?: string;
  paymentMethod?: string;
  bankErrorCode?: string;
  bankErrorMessage?: string;
  refunds: GatewayRefund[];
  /** The gateway's answer byte for byte (juspay_response): a jsonb column keeps its numbers exact. */
  rawJson: string;
}

export interface RefundRequest {
  orderId: string;
  /** beckn-ride's refund id; the gateway refunds once per id however often it is sent. */
  refundId: string;
  amount: string;
}

export interface PayoutRequest extends Money {
  /** beckn-ride's payout_order id. */
  payoutOrderId: string;
  customer: PaymentCustomer & { name: string; vpa: string };
  /** Sent as the gateway's idempotency key: the same key never pays twice. */
  idempotencyKey: string;
  remark?: string;
}

export interface PayoutOrderStatus extends Money {
  payoutOrderId: string;
  status: PayoutStatus;
  gatewayStatus: string;
  rawJson: string;
}

/** What a verified webhook reports; the caller confirms with a status read before moving money on it. */
export interface GatewayEvent {
  eventId: string;
  eventName: string;
  subject: { kind: 'order'; orderId: string; status: TransactionStatus } | { kind: 'payout'; payoutOrderId: string; status: PayoutStatus };
  rawJson: string;
}

/**
 * Why a webhook was refused: `forged` (credentials or signature wrong or
 * missing), `stale` (signed outside the tolerance window), `replayed` (event
 * id already seen), `malformed` (authentic but not an event we understand).
 */
export type WebhookRefusal = 'forged' | 'stale' | 'replayed' | 'malformed';

export type WebhookVerdict = { ok: true; event: GatewayEvent } | { ok: false; reason: WebhookRefusal };

export type WebhookHeaders = Record<string, string | string[] | undefined>;

export interface PaymentGateway {
  createOrder(request: CreateOrderRequest): Promise<CreatedOrder>;
  orderStatus(orderId: string): Promise<OrderStatus>;
  refund(request: RefundRequest): Promise<GatewayRefund>;
  refundStatus(orderId: string, refundId: string): Promise<GatewayRefund>;
  createPayout(request: PayoutRequest): Promise<PayoutOrderStatus>;
  payoutStatus(payoutOrderId: string): Promise<PayoutOrderStatus>;
  /** Authenticates a webhook from its headers (lower-case names, as node:http gives them) and the body exactly as received. Never throws on bad input. */
  verifyWebhook(headers: WebhookHeaders, rawBody: Buffer): Promise<WebhookVerdict>;
}

/**
 * Remembers webhook event ids. `seenEvent` answers false the first time it
 * is given an id and true ever after; it records the id in the same step,
 * so two deliveries racing get one false. A Postgres implementation inserts
 * into a table keyed by the id (INSERT ... ON CONFLICT DO NOTHING); a caller
 * that records ids in the transaction applying the event gives the verifier
 * no SeenEvents at all (see webhook-verifier.ts).
 */
export interface SeenEvents {
  seenEvent(eventId: string): Promise<boolean>;
}
