/**
 * Juspay's answers read into the port's types. Readers are strict about what
 * the port promises (ids, statuses, amounts) and lenient about the rest: an
 * unknown optional field is left out, an unknown status is a malformed answer.
 */
import { amountFromWire } from './decimal-amount.js';
import { PaymentGatewayError } from './gateway-errors.js';
import {
  refundStatuses,
  transactionStatuses,
  type GatewayRefund,
  type OrderStatus,
  type PayoutOrderStatus,
  type PayoutStatus,
  type RefundStatus,
  type TransactionStatus,
} from './payment-gateway.js';

type Json = Record<string, unknown>;

/** Juspay payout order statuses, mapped onto the ones beckn-ride acts on. */
export const payoutStatusByGatewayStatus: Readonly<Record<string, PayoutStatus>> = {
  CREATED: 'INITIATED',
  READY_FOR_FULFILLMENT: 'INITIATED',
  FULFILLMENTS_SCHEDULED: 'PENDING',
  FULFILLMENTS_SUCCESSFUL: 'SUCCESS',
  SUCCESS: 'SUCCESS',
  FULFILLMENTS_FAILURE: 'FAILURE',
  FAILURE: 'FAILURE',
  ERROR: 'FAILURE',
  FULFILLMENTS_MANUAL_REVIEW: 'MANUAL_REVIEW',
  FULFILLMENTS_CANCELLED: 'CANCELLED',
  CANCELLED: 'CANCELLED',
};

function malformed(what: string): never {
  throw new PaymentGatewayError('malformed', `gateway answer has ${what}`);
}

function optionalString(body: Json, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function requiredString(body: Json, name: string): string {
  return optionalString(body, name) ?? malformed(`no ${name}`);
}

function requiredAmount(body: Json, name: string): string {
  return amountFromWire(body[name]) ?? malformed(`no decimal ${name}`);
}

function oneOf<T extends string>(allowed: readonly T[], value: unknown, what: string): T {
  return allowed.includes(value as T) ? (value as T) : malformed(`an unknown ${what} ${JSON.stringify(value)}`);
}

export function readTransactionStatus(value: unknown): TransactionStatus {
  return oneOf(transactionStatuses, value, 'order status');
}

export function readPayoutStatus(value: unknown): PayoutStatus {
  const status = typeof value === 'string' ? payoutStatusByGatewayStatus[value] : undefined;
  return status ?? malformed(`an unknown payout status ${JSON.stringify(value)}`);
}

function readRefund(body: Json): GatewayRefund {
  const errorMessage = optionalString(body, 'error_message');
  const gatewayRefundId = optionalString(body, 'id');
  return {
    refundId: requiredString(body, 'unique_request_id'),
    ...(gatewayRefundId ? { gatewayRefundId } : {}),
    amount: requiredAmount(body, 'amount'),
    status: oneOf<RefundStatus>(refundStatuses, body.status, 'refund status'),
    ...(errorMessage ? { errorMessage } : {}),
  };
}

/** The order status object: GET /orders/{id} answers it, and so does a refund. */
export function readOrderStatus(body: Json, rawJson: string): OrderStatus {
  const refunds = Array.isArray(body.refunds) ? body.refunds : [];
  const optional = {
    txnId: optionalString(body, 'txn_id'),
    txnUuid: optionalString(body, 'txn_uuid'),
    paymentMethodType: optionalString(body, 'payment_method_type'),
    paymentMethod: optionalString(body, 'payment_method'),
    bankErrorCode: optionalString(body, 'bank_error_code'),
    bankErrorMessage: optionalString(body, 'bank_error_message'),
  };
  return {
    orderId: requiredString(body, 'order_id'),
    gatewayOrderId: requiredString(body, 'id'),
    status: readTransactionStatus(body.status),
    amount: requiredAmount(body, 'amount'),
    currency: requiredString(body, 'currency'),
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
    refunds: refunds.map((refund) => readRefund(refund !== null && typeof refund === 'object' ? (refund as Json) : malformed('a refund that is not an object'))),
    rawJson,
  };
}

/** A payout order as POST and GET /payout/merchant/v1/orders answer it (camelCase, as Juspay's payout API writes). */
export function readPayoutOrder(body: Json, rawJson: string): PayoutOrderStatus {
  return {
    payoutOrderId: requiredString(body, 'orderId'),
    status: readPayoutStatus(body.status),
    gatewayStatus: requiredString(body, 'status'),
    amount: requiredAmount(body, 'amount'),
    // Juspay pays out in INR only and may leave the field out.
    currency: optionalString(body, 'currency') ?? 'INR',
    rawJson,
  };
}
