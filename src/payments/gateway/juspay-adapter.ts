import type { Logger } from '../../infra/logging/logger.js';
import { isDecimalAmount } from './decimal-amount.js';
import { PaymentGatewayError } from './gateway-errors.js';
import { createJuspayHttp } from './juspay-http-client.js';
import { readOrderStatus, readPayoutOrder, readTransactionStatus } from './juspay-wire.js';
import type { CreatedOrder, PaymentGateway, SeenEvents } from './payment-gateway.js';
import type { Clock, WebhookAuth } from './webhook-auth.js';
import { createWebhookVerifier } from './webhook-verifier.js';

export interface JuspayGatewayOptions {
  baseUrl: string;
  apiKey: string;
  merchantId: string;
  /** The payment page's client id (Juspay's `payment_page_client_id`). */
  paymentPageClientId: string;
  webhookAuth: WebhookAuth;
  /** Replay refusal during verification; see WebhookVerifierOptions for when to leave it out. */
  seenEvents?: SeenEvents;
  logger: Logger;
  /** Bound on each attempt; 10 s unless given. */
  timeoutMs?: number;
  /** Further attempts of idempotent calls; 2 unless given. */
  retries?: number;
  /** First retry delay; 200 ms unless given. */
  backoffMs?: number;
  clock?: Clock;
}

type Json = Record<string, unknown>;

function object(value: unknown): Json {
  return value !== null && typeof value === 'object' ? (value as Json) : {};
}

function checkAmount(amount: string): void {
  if (!isDecimalAmount(amount)) throw new RangeError(`amount must be a decimal string with at most two decimals, got ${JSON.stringify(amount)}`);
}

function path(template: string, id: string): string {
  return template.replace(':id', encodeURIComponent(id));
}

/**
 * The adapter for a Juspay-style gateway. What makes each call safe to retry:
 * - `POST /session` is keyed by our order_id: Juspay answers a repeat with
 *   the order it already holds, so a retry creates nothing new.
 * - `POST /orders/{id}/refunds` carries `unique_request_id` (our refund id)
 *   in its form body; Juspay refunds once per id.
 * - `POST /payout/merchant/v1/orders` carries `x-idempotency-key`; the
 *   payout order id is unique per merchant as well, so a repeat never pays twice.
 * - GETs change nothing.
 * Hence every call retries on timeouts, connection failures and 5xx; a 4xx
 * is final.
 */
export function createJuspayGateway(options: JuspayGatewayOptions): PaymentGateway {
  const { logger } = options;
  const call = createJuspayHttp({
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    merchantId: options.merchantId,
    timeoutMs: options.timeoutMs ?? 10_000,
    retries: options.retries ?? 2,
    backoffMs: options.backoffMs ?? 200,
    logger,
  });
  const verifyWebhook = createWebhookVerifier({ auth: options.webhookAuth, seenEvents: options.seenEvents, clock: options.clock });

  const orderStatus: PaymentGateway['orderStatus'] = async (orderId) => {
    const answer = await call({ operation: 'order status', method: 'GET', path: path('/orders/:id', orderId), idempotent: true });
    return readOrderStatus(answer.json, answer.text);
  };

  return {
    async createOrder(request) {
      checkAmount(request.amount);
      const { customer } = request;
      const answer = await call({
        operation: 'create order',
        method: 'POST',
        path: '/session',
        idempotent: true,
        body: {
          json: {
            order_id: request.orderId,
            amount: request.amount,
            currency: request.currency,
            customer_id: customer.id,
            customer_email: customer.email,
            customer_phone: customer.phone,
            first_name: customer.firstName,
            last_name: customer.lastName,
            payment_page_client_id: options.paymentPageClientId,
            action: 'paymentPage',
            return_url: request.returnUrl,
            description: request.description ?? (request.shortId ? `beckn-ride ${request.shortId}` : undefined),
          },
        },
      });
      const links = object(answer.json.payment_links);
      const sdk = object(object(answer.json.sdk_payload).payload);
      const created: CreatedOrder = {
        gatewayOrderId: typeof answer.json.id === 'string' ? answer.json.id : '',
        orderId: request.orderId,
        status: readTransactionStatus(answer.json.status),
        paymentLinks: {
          ...(typeof links.web === 'string' ? { web: links.web } : {}),
          ...(typeof links.deep_link === 'string' ? { deepLink: links.deep_link } : {}),
          ...(typeof links.expiry === 'string' ? { expiry: links.expiry } : {}),
        },
        clientAuthToken: typeof sdk.clientAuthToken === 'string' ? sdk.clientAuthToken : '',
        clientAuthTokenExpiry: typeof sdk.clientAuthTokenExpiry === 'string' ? sdk.clientAuthTokenExpiry : '',
      };
      if (!created.gatewayOrderId || !created.clientAuthToken || !created.clientAuthTokenExpiry) {
        throw new PaymentGatewayError('malformed', 'create order (POST /session) answered without an order id or client auth token', answer.status);
      }
      logger.info({ orderId: request.orderId, gatewayOrderId: created.gatewayOrderId }, 'payment order created at the gateway');
      return created;
    },

    orderStatus,

    async refund(request) {
      checkAmount(request.amount);
      const answer = await call({
        operation: 'refund',
        method: 'POST',
        path: path('/orders/:id/refunds', request.orderId),
        idempotent: true,
        body: { form: { unique_request_id: request.refundId, amount: request.amount } },
      });
      const refund = readOrderStatus(answer.json, answer.text).refunds.find((candidate) => candidate.refundId === request.refundId);
      if (!refund) throw new PaymentGatewayError('malformed', `refund (POST /orders/.../refunds) answer lists no refund ${request.refundId}`, answer.status);
      logger.info({ orderId: request.orderId, refundId: request.refundId, status: refund.status }, 'refund requested at the gateway');
      return refund;
    },

    async refundStatus(orderId, refundId) {
      // Juspay has no refund resource of its own: the order status lists the order's refunds.
      const refund = (await orderStatus(orderId)).refunds.find((candidate) => candidate.refundId === refundId);
      if (!refund) throw new PaymentGatewayError('rejected', `order ${orderId} has no refund ${refundId} at the gateway`);
      return refund;
    },

    async createPayout(request) {
      checkAmount(request.amount);
      const { customer } = request;
      const answer = await call({
        operation: 'create payout',
        method: 'POST',
        path: '/payout/merchant/v1/orders',
        idempotent: true,
        headers: { 'x-idempotency-key': request.idempotencyKey },
        body: {
          json: {
            orderId: request.payoutOrderId,
            amount: request.amount,
            currency: request.currency,
            customerId: customer.id,
            customerPhone: customer.phone,
            customerEmail: customer.email,
            type: 'FULFILL_ONLY',
            remark: request.remark,
            fulfillments: [{ amount: request.amount, beneficiaryDetails: { type: 'UPI_ID', details: { name: customer.name, vpa: customer.vpa } } }],
          },
        },
      });
      const payout = readPayoutOrder(answer.json, answer.text);
      logger.info({ payoutOrderId: request.payoutOrderId, status: payout.gatewayStatus }, 'payout requested at the gateway');
      return payout;
    },

    async payoutStatus(payoutOrderId) {
      const answer = await call({
        operation: 'payout status',
        method: 'GET',
        path: `${path('/payout/merchant/v1/orders/:id', payoutOrderId)}?expand=fulfillment`,
        idempotent: true,
      });
      return readPayoutOrder(answer.json, answer.text);
    },

    verifyWebhook,
  };
}
