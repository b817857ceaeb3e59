import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '../../src/infra/logging/logger.js';
import {
  createJuspayGateway,
  inMemorySeenEvents,
  startPaymentSimulator,
  type Clock,
  type JuspayGatewayOptions,
  type PaymentGateway,
  type PaymentSimulator,
  type WebhookAuth,
} from '../../src/payments/gateway/index.js';

export const apiKey = 'sim_key_7f3a9c2e5b8d4f1a6c0e';
export const merchantId = 'beckn-ride-test';

/** A logger whose lines the test reads back (to show what never reaches the logs). */
export function capturedLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger('debug', { write: (line: string) => void lines.push(line) }), lines };
}

const defaultWebhookAuth: WebhookAuth = { scheme: 'basic', username: 'hooks', password: 'hook-password-1' };

/** The Juspay adapter aimed at `baseUrl` with the test credentials; no retries unless asked. */
export function juspayAdapter(baseUrl: string, overrides: Partial<JuspayGatewayOptions> = {}): PaymentGateway {
  return createJuspayGateway({
    baseUrl,
    apiKey,
    merchantId,
    paymentPageClientId: 'beckn-ride',
    webhookAuth: defaultWebhookAuth,
    seenEvents: inMemorySeenEvents(),
    logger: capturedLogger().logger,
    timeoutMs: 2_000,
    retries: 0,
    backoffMs: 1,
    ...overrides,
  });
}

export interface GatewayRig {
  simulator: PaymentSimulator;
  gateway: PaymentGateway;
  logLines: string[];
  close(): Promise<void>;
}

/** The simulator on a free port and the Juspay adapter pointed at it. */
export async function startGatewayRig(
  options: {
    webhookAuth?: WebhookAuth;
    /** What the simulator signs with, when a test wants it to differ from what the adapter expects. */
    simulatorWebhookAuth?: WebhookAuth;
    webhookUrl?: string;
    /** The simulator's clock (timestamps of signed webhooks). */
    clock?: Clock;
    adapter?: Partial<JuspayGatewayOptions>;
  } = {},
): Promise<GatewayRig> {
  const { logger, lines } = capturedLogger();
  const webhookAuth = options.webhookAuth ?? defaultWebhookAuth;
  const simulator = await startPaymentSimulator({ port: 0, apiKey, merchantId, webhookAuth: options.simulatorWebhookAuth ?? webhookAuth, webhookUrl: options.webhookUrl, clock: options.clock, logger });
  const gateway = juspayAdapter(simulator.url, { webhookAuth, logger, ...options.adapter });
  return { simulator, gateway, logLines: lines, close: () => simulator.close() };
}

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

/**
 * A stand-in for beckn-ride's webhook endpoint: it records each delivery and
 * answers with what `answer` decides (the verdict's 200/401/409).
 */
export async function startWebhookReceiver(answer: (webhook: ReceivedWebhook) => Promise<number>) {
  const received: Array<ReceivedWebhook & { status: number }> = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const webhook = { headers: request.headers, rawBody: Buffer.concat(chunks) };
      void answer(webhook).then((status) => {
        received.push({ ...webhook, status });
        response.writeHead(status).end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/payments/webhook/juspay`,
    received,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
