import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../../infra/logging/logger.js';
import { sameSecret } from '../constant-time.js';
import type { RefundStatus, TransactionStatus } from '../payment-gateway.js';
import type { Clock, WebhookAuth } from '../webhook-auth.js';
import { createSimulatorLedger, type LedgerAnswer, type OutcomeTarget, type SimulatedOutcome } from './simulator-ledger.js';
import { createWebhookSender, type WebhookControl } from './simulator-webhooks.js';

export interface PaymentSimulatorOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  apiKey: string;
  merchantId: string;
  /** Where webhooks go; without it events are recorded, not sent. */
  webhookUrl?: string;
  webhookAuth: WebhookAuth;
  clock?: Clock;
  logger: Logger;
}

export type SimulatedOperation = 'create order' | 'order status' | 'refund' | 'create payout' | 'payout status';

export interface PaymentSimulatorControl {
  /** The outcome of the next order paid, refund accepted or payout accepted; 'succeed' once the queue is empty. */
  nextOutcome(target: OutcomeTarget, outcome: SimulatedOutcome): void;
  /**
   * The next `count` calls of `operation` take effect but get no answer until
   * the client gives up (an answer lost on the way, past the client's
   * timeout) or `releaseHeld` sends it late.
   */
  holdNext(operation: SimulatedOperation, count?: number): void;
  /** The next `count` calls of `operation` answer `httpStatus` (503 unless given) without taking effect. */
  failNext(operation: SimulatedOperation, httpStatus?: number, count?: number): void;
  /** Writes the answers still held, as they were when their calls took effect. */
  releaseHeld(): void;
  /** The rider completes the payment page (what GET /pay/{orderId} does). */
  pay(orderId: string, outcome?: SimulatedOutcome): TransactionStatus;
  settle(orderId: string, status: TransactionStatus): void;
  settleRefund(orderId: string, refundId: string, status: RefundStatus): void;
  /** Sets a payout's gateway status (READY_FOR_FULFILLMENT, FULFILLMENTS_SUCCESSFUL, FULFILLMENTS_FAILURE, ...). */
  settlePayout(payoutOrderId: string, gatewayStatus: string): void;
  stats(): { orders: number; refunds: number; payouts: number };
  webhooks: WebhookControl;
}

export interface PaymentSimulator {
  url: string;
  control: PaymentSimulatorControl;
  close(): Promise<void>;
}

const maxBodyBytes = 64 * 1024;

class BodyTooLarge extends Error {}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJsonObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const unauthorized: LedgerAnswer = { status: 401, body: { status: 'error', error_code: 'access_denied', error_message: 'API key or merchant id not recognised' } };
function answer(response: ServerResponse, { status, body }: LedgerAnswer): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const notFound: LedgerAnswer = { status: 404, body: { status: 'error', error_code: 'not_found', error_message: 'no such resource' } };

/**
 * A Juspay-style payment gateway on a local port, for the tests and the
 * embedded profile: the same paths, authentication and answers as the API
 * the adapter is written against, with knobs for the outcomes a real
 * gateway produces only by chance.
 */
export async function startPaymentSimulator(options: PaymentSimulatorOptions): Promise<PaymentSimulator> {
  const { apiKey, merchantId, logger } = options;
  const clock = options.clock ?? Date.now;
  const webhooks = createWebhookSender({ url: options.webhookUrl, auth: options.webhookAuth, clock, logger });
  const holds = new Map<SimulatedOperation, true[]>();
  const failures = new Map<SimulatedOperation, number[]>();
  const heldResponses = new Map<ServerResponse, LedgerAnswer>();
  // Known once listening; the payment links are only made after that.
  let publicUrl = '';
  const ledger = createSimulatorLedger({
    merchantId,
    clock,
    emit: webhooks.emit,
    paymentPageUrl: (orderId) => `${publicUrl}/pay/${encodeURIComponent(orderId)}`,
  });

  const authenticated = (request: IncomingMessage): boolean => {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(request.headers.authorization ?? '');
    const credentials = match ? Buffer.from(match[1] as string, 'base64').toString('utf8') : '';
    const merchantOk = sameSecret(String(request.headers['x-merchantid'] ?? ''), merchantId);
    return sameSecret(credentials, `${apiKey}:`) && merchantOk;
  };

  type Routed = { operation?: SimulatedOperation; perform: () => LedgerAnswer };
  const done = (fixed: LedgerAnswer): Routed => ({ perform: () => fixed });

  const route = async (request: IncomingMessage): Promise<Routed> => {
    const url = new URL(request.url ?? '/', 'http://simulator');
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = request.method ?? 'GET';
    // The payment page is the rider's browser, not the merchant: it carries no API key.
    if (segments[0] === 'pay' && segments.length === 2) {
      const orderId = segments[1] as string;
      const known = ledger.orderStatus(orderId);
      return done(known.status === 200 ? { status: 200, body: { order_id: orderId, status: ledger.pay(orderId) } } : known);
    }
    if (!authenticated(request)) return done(unauthorized);
    const body = await readBody(request);
    if (method === 'POST' && url.pathname === '/session') return { operation: 'create order', perform: () => ledger.createSession(parseJsonObject(body)) };
    if (segments[0] === 'orders' && segments.length === 2 && method === 'GET') return { operation: 'order status', perform: () => ledger.orderStatus(segments[1] as string) };
    if (segments[0] === 'orders' && segments[2] === 'refunds' && segments.length === 3 && method === 'POST') {
      return { operation: 'refund', perform: () => ledger.refund(segments[1] as string, new URLSearchParams(body)) };
    }
    if (url.pathname === '/payout/merchant/v1/orders' && method === 'POST') {
      const key = request.headers['x-idempotency-key'];
      return { operation: 'create payout', perform: () => ledger.createPayout(typeof key === 'string' ? key : undefined, parseJsonObject(body)) };
    }
    if (url.pathname.startsWith('/payout/merchant/v1/orders/') && segments.length === 5 && method === 'GET') {
      return { operation: 'payout status', perform: () => ledger.payoutStatus(segments[4] as string) };
    }
    return done(notFound);
  };

  /** Takes the first instruction queued for `operation`, if any. */
  const take = <T>(queues: Map<SimulatedOperation, T[]>, operation: SimulatedOperation | undefined): T | undefined =>
    operation ? queues.get(operation)?.shift() : undefined;
  const queue = <T>(queues: Map<SimulatedOperation, T[]>, operation: SimulatedOperation, item: T, count: number): void => {
    queues.set(operation, [...(queues.get(operation) ?? []), ...Array<T>(count).fill(item)]);
  };

  const server = createServer((request, response) => {
    route(request)
      .then(({ operation, perform }) => {
        const failure = take(failures, operation);
        // A failing gateway answers before doing anything.
        if (failure) return answer(response, { status: failure, body: { status: 'error', error_code: 'internal_error', error_message: 'simulated gateway failure' } });
        const routed = perform();
        if (take(holds, operation)) {
          // The effect happened; the answer waits until released or the client gives up and closes the socket.
          heldResponses.set(response, routed);
          response.on('close', () => heldResponses.delete(response));
          return;
        }
        answer(response, routed);
      })
      .catch((error: unknown) => {
        const tooLarge = error instanceof BodyTooLarge;
        if (!tooLarge) logger.error({ err: (error as Error).message }, 'payment simulator failed a request');
        answer(response, { status: tooLarge ? 413 : 500, body: { status: 'error', error_code: tooLarge ? 'body_too_large' : 'internal_error' } });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  publicUrl = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;

  return {
    url: publicUrl,
    control: {
      nextOutcome: ledger.nextOutcome,
      holdNext(operation, count = 1) {
        queue(holds, operation, true, count);
      },
      failNext(operation, httpStatus = 503, count = 1) {
        queue(failures, operation, httpStatus, count);
      },
      releaseHeld() {
        for (const [response, routed] of heldResponses) answer(response, routed);
        heldResponses.clear();
      },
      pay: ledger.pay,
      settle: ledger.settle,
      settleRefund: ledger.settleRefund,
      settlePayout: ledger.settlePayout,
      stats: ledger.stats,
      webhooks,
    },
    async close() {
      for (const response of heldResponses.keys()) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await webhooks.idle();
    },
  };
}
