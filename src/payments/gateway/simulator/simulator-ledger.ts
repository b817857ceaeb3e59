import { randomBytes, randomUUID } from 'node:crypto';
import { isDecimalAmount, toMinorUnits } from '../decimal-amount.js';
import type { RefundStatus, TransactionStatus } from '../payment-gateway.js';
import type { Clock } from '../webhook-auth.js';

/** What happens to the next order when paid, the next refund or payout once accepted. */
export type SimulatedOutcome = 'succeed' | 'decline' | 'pending';
export type OutcomeTarget = 'order' | 'refund' | 'payout';

/** An HTTP answer the server writes as it is. */
export interface LedgerAnswer {
  status: number;
  body: unknown;
}

type Json = Record<string, unknown>;

interface SimulatedRefund {
  id: string;
  uniqueRequestId: string;
  amount: string;
  status: RefundStatus;
  created: string;
}

interface SimulatedOrder {
  id: string;
  orderId: string;
  amount: string;
  currency: string;
  customerId: string;
  status: TransactionStatus;
  fate: SimulatedOutcome;
  attempts: number;
  txnId?: string;
  txnUuid?: string;
  bankError?: { code: string; message: string };
  refunds: SimulatedRefund[];
  created: string;
  sessionAnswer: Json;
}

interface SimulatedPayout {
  orderId: string;
  amount: string;
  status: string;
  customerId: string;
  created: string;
}

export interface LedgerOptions {
  merchantId: string;
  /** The payment page link of an order. */
  paymentPageUrl(orderId: string): string;
  clock: Clock;
  emit(eventName: string, content: unknown): void;
}

const tokenLifetimeMs = 15 * 60_000;
const failedOrderStatuses: readonly TransactionStatus[] = ['AUTHENTICATION_FAILED', 'AUTHORIZATION_FAILED', 'JUSPAY_DECLINED'];

function error(status: number, code: string, message: string): LedgerAnswer {
  return { status, body: { status: 'error', error_code: code, error_message: message } };
}

// Juspay writes amounts as JSON numbers; the simulator does too, so the adapter's reading of them is exercised.
const wireAmount = (amount: string): number => Number(amount);

function orderEventName(status: TransactionStatus): string {
  if (status === 'CHARGED') return 'ORDER_SUCCEEDED';
  if (failedOrderStatuses.includes(status)) return 'ORDER_FAILED';
  if (status === 'AUTO_REFUNDED') return 'AUTO_REFUND_SUCCEEDED';
  return 'TXN_CREATED';
}

/**
 * The simulated gateway's books: orders with their refunds, and payouts.
 * It plays an external system, so it keeps them in memory. It enforces
 * what a real gateway enforces (one order per order_id, one refund per
 * unique_request_id, refunds within the charge, one payout per idempotency
 * key) so beckn-ride's mistakes show up against it as they would in production.
 */
export function createSimulatorLedger(options: LedgerOptions) {
  const { merchantId, clock, emit } = options;
  const orders = new Map<string, SimulatedOrder>();
  const payouts = new Map<string, SimulatedPayout>();
  const payoutAnswers = new Map<string, { fingerprint: string; answer: LedgerAnswer }>();
  const outcomes: Record<OutcomeTarget, SimulatedOutcome[]> = { order: [], refund: [], payout: [] };
  const now = () => new Date(clock()).toISOString();
  const nextOutcome = (target: OutcomeTarget) => outcomes[target].shift() ?? 'succeed';

  const orderJson = (order: SimulatedOrder): Json => ({
    id: order.id,
    order_id: order.orderId,
    merchant_id: merchantId,
    customer_id: order.customerId,
    status: order.status,
    amount: wireAmount(order.amount),
    currency: order.currency,
    date_created: order.created,
    ...(order.txnId ? { txn_id: order.txnId, txn_uuid: order.txnUuid, payment_method_type: 'UPI', payment_method: 'UPI' } : {}),
    ...(order.bankError ? { bank_error_code: order.bankError.code, bank_error_message: order.bankError.message } : {}),
    refunds: order.refunds.map((refund) => ({
      id: refund.id,
      unique_request_id: refund.uniqueRequestId,
      amount: wireAmount(refund.amount),
      status: refund.status,
      created: refund.created,
    })),
  });
  const payoutJson = (payout: SimulatedPayout): Json => ({
    orderId: payout.orderId,
    status: payout.status,
    amount: wireAmount(payout.amount),
    customerId: payout.customerId,
    createdAt: payout.created,
  });

  const setOrderStatus = (order: SimulatedOrder, status: TransactionStatus): void => {
    order.status = status;
    emit(orderEventName(status), { order: orderJson(order) });
  };
  const setRefundStatus = (order: SimulatedOrder, refund: SimulatedRefund, status: RefundStatus): void => {
    refund.status = status;
    if (status === 'SUCCESS' || status === 'FAILURE') emit(status === 'SUCCESS' ? 'ORDER_REFUNDED' : 'REFUND_FAILED', { order: orderJson(order) });
  };
  const setPayoutStatus = (payout: SimulatedPayout, status: string): void => {
    payout.status = status;
    emit(`PAYOUT_${status}`, { payout: payoutJson(payout) });
  };
  const findOrder = (orderId: string): SimulatedOrder => {
    const order = orders.get(orderId);
    if (!order) throw new Error(`the simulator holds no order ${orderId}`);
    return order;
  };

  return {
    nextOutcome(target: OutcomeTarget, outcome: SimulatedOutcome): void {
      outcomes[target].push(outcome);
    },

    createSession(body: Json): LedgerAnswer {
      const { order_id: orderId, amount, currency, customer_id: customerId, return_url: returnUrl } = body;
      if (typeof orderId !== 'string' || !orderId || typeof amount !== 'string' || !isDecimalAmount(amount) || typeof currency !== 'string' || typeof customerId !== 'string' || typeof returnUrl !== 'string') {
        return error(400, 'invalid_request', 'order_id, amount (decimal string), currency, customer_id and return_url are required');
      }
      const existing = orders.get(orderId);
      if (existing) {
        // Juspay keys orders by the merchant's order_id: a repeat returns the order it holds, as it stands now.
        if (existing.amount === amount && existing.currency === currency) return { status: 200, body: { ...existing.sessionAnswer, status: existing.status } };
        return error(400, 'order_id_conflict', `order ${orderId} exists with another amount or currency`);
      }
      const id = `ordeh_${randomUUID().replaceAll('-', '')}`;
      const clientAuthToken = `tkn_${randomBytes(16).toString('hex')}`;
      const sessionAnswer: Json = {
        status: 'NEW',
        id,
        order_id: orderId,
        payment_links: { web: options.paymentPageUrl(orderId), deep_link: `upi://pay?tr=${id}`, expiry: new Date(clock() + tokenLifetimeMs).toISOString() },
        sdk_payload: {
          requestId: randomUUID(),
          service: 'in.juspay.hyperpay',
          payload: { action: 'paymentPage', orderId, amount, currency, clientAuthToken, clientAuthTokenExpiry: new Date(clock() + tokenLifetimeMs).toISOString() },
        },
      };
      orders.set(orderId, { id, orderId, amount, currency, customerId, status: 'NEW', fate: nextOutcome('order'), attempts: 0, refunds: [], created: now(), sessionAnswer });
      return { status: 200, body: sessionAnswer };
    },

    orderStatus(orderId: string): LedgerAnswer {
      const order = orders.get(orderId);
      return order ? { status: 200, body: orderJson(order) } : error(404, 'order_not_found', `no order ${orderId}`);
    },

    /** The rider completes the payment page: a new attempt whose result is the order's outcome unless one is given. */
    pay(orderId: string, outcome?: SimulatedOutcome): TransactionStatus {
      const order = findOrder(orderId);
      if (order.status === 'CHARGED') return order.status;
      order.attempts += 1;
      order.txnId = `${merchantId}-${orderId}-${order.attempts}`;
      order.txnUuid = randomUUID();
      const fate = outcome ?? order.fate;
      order.bankError = fate === 'decline' ? { code: 'NOT_SUFFICIENT_FUNDS', message: 'Insufficient funds in the account' } : undefined;
      setOrderStatus(order, fate === 'succeed' ? 'CHARGED' : fate === 'decline' ? 'AUTHORIZATION_FAILED' : 'PENDING_VBV');
      return order.status;
    },

    settle(orderId: string, status: TransactionStatus): void {
      const order = findOrder(orderId);
      if (status === 'CHARGED') order.bankError = undefined;
      setOrderStatus(order, status);
    },

    refund(orderId: string, form: URLSearchParams): LedgerAnswer {
      const order = orders.get(orderId);
      if (!order) return error(404, 'order_not_found', `no order ${orderId}`);
      const uniqueRequestId = form.get('unique_request_id');
      const amount = form.get('amount');
      if (!uniqueRequestId || !amount || !isDecimalAmount(amount)) return error(400, 'invalid_request', 'unique_request_id and a decimal amount are required');
      const earlier = order.refunds.find((refund) => refund.uniqueRequestId === uniqueRequestId);
      if (earlier) {
        if (toMinorUnits(earlier.amount) !== toMinorUnits(amount)) return error(400, 'duplicate_request_id', `unique_request_id ${uniqueRequestId} was used with another amount`);
        return { status: 200, body: orderJson(order) };
      }
      if (order.status !== 'CHARGED') return error(400, 'order_not_charged', `order ${orderId} is ${order.status}`);
      const committed = order.refunds.filter((refund) => refund.status !== 'FAILURE').reduce((sum, refund) => sum + toMinorUnits(refund.amount), 0n);
      if (committed + toMinorUnits(amount) > toMinorUnits(order.amount)) {
        return error(400, 'refund_amount_exceeds_order_amount', `refunds of order ${orderId} would exceed the ${order.amount} charged`);
      }
      const refund: SimulatedRefund = { id: `rfnd_${randomUUID().replaceAll('-', '')}`, uniqueRequestId, amount, status: 'PENDING', created: now() };
      order.refunds.push(refund);
      const fate = nextOutcome('refund');
      // Settles after the answer is written, as a gateway settles refunds asynchronously.
      if (fate !== 'pending') setImmediate(() => setRefundStatus(order, refund, fate === 'succeed' ? 'SUCCESS' : 'FAILURE'));
      return { status: 200, body: orderJson(order) };
    },

    settleRefund(orderId: string, uniqueRequestId: string, status: RefundStatus): void {
      const order = findOrder(orderId);
      const refund = order.refunds.find((candidate) => candidate.uniqueRequestId === uniqueRequestId);
      if (!refund) throw new Error(`the simulator holds no refund ${uniqueRequestId} of order ${orderId}`);
      setRefundStatus(order, refund, status);
    },

    createPayout(idempotencyKey: string | undefined, body: Json): LedgerAnswer {
      if (!idempotencyKey) return error(400, 'idempotency_key_missing', 'x-idempotency-key is required');
      const { orderId, amount, customerId } = body;
      if (typeof orderId !== 'string' || !orderId || typeof amount !== 'string' || !isDecimalAmount(amount) || typeof customerId !== 'string') {
        return error(400, 'invalid_request', 'orderId, amount (decimal string) and customerId are required');
      }
      const fingerprint = JSON.stringify([orderId, toMinorUnits(amount).toString(), customerId]);
      const earlier = payoutAnswers.get(idempotencyKey);
      if (earlier) return earlier.fingerprint === fingerprint ? earlier.answer : error(422, 'idempotency_key_reused', 'x-idempotency-key was used for another payout');
      if (payouts.has(orderId)) return error(400, 'duplicate_order_id', `payout order ${orderId} exists`);
      const payout: SimulatedPayout = { orderId, amount, customerId, status: 'READY_FOR_FULFILLMENT', created: now() };
      payouts.set(orderId, payout);
      const answer = { status: 200, body: payoutJson(payout) };
      payoutAnswers.set(idempotencyKey, { fingerprint, answer });
      const fate = nextOutcome('payout');
      setImmediate(() => setPayoutStatus(payout, fate === 'succeed' ? 'FULFILLMENTS_SUCCESSFUL' : fate === 'decline' ? 'FULFILLMENTS_FAILURE' : 'FULFILLMENTS_SCHEDULED'));
      return answer;
    },

    payoutStatus(orderId: string): LedgerAnswer {
      const payout = payouts.get(orderId);
      return payout ? { status: 200, body: payoutJson(payout) } : error(404, 'order_not_found', `no payout order ${orderId}`);
    },

    settlePayout(orderId: string, gatewayStatus: string): void {
      const payout = payouts.get(orderId);
      if (!payout) throw new Error(`the simulator holds no payout order ${orderId}`);
      setPayoutStatus(payout, gatewayStatus);
    },

    /** How much the simulated gateway holds, for tests that count refunds and payouts. */
    stats() {
      const refunds = [...orders.values()].reduce((sum, order) => sum + order.refunds.length, 0);
      return { orders: orders.size, refunds, payouts: payouts.size };
    },
  };
}

export type SimulatorLedger = ReturnType<typeof createSimulatorLedger>;
