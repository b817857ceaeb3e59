import { randomBytes, randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { registerBap } from '../../src/bap/index.js';
import type { RawEnv } from '../../src/config/index.js';
import { startPaymentSimulator, type PaymentSimulator, type WebhookAuth } from '../../src/payments/gateway/index.js';
import { capturedLogger } from '../payments/gateway-fixture.js';
import { riderBooking } from '../payments/payment-fixtures.js';
import { freePort, fullProfileEnv, startTestApp, type TestApp } from '../support/test-app.js';

export interface PaymentRig {
  app: TestApp;
  simulator: PaymentSimulator;
  /** The app's log lines (info and up). */
  logLines: string[];
  /** A rider with a booking of their own and a bearer token. */
  riderWithBooking(): Promise<{ token: string; bookingId: string; personId: string }>;
  call(method: string, path: string, token: string): Promise<{ status: number; body: any }>;
  /** The payment order row as stored, every column. */
  orderRow(bookingId: string): Promise<Record<string, any> | undefined>;
  close(): Promise<void>;
}

/**
 * The app as a real gateway would see it: the simulator on its own port as
 * PAYMENT_GATEWAY_URL with its credentials, sending webhooks to the app's
 * real webhook route; real Postgres, Redis, Kafka and ClickHouse.
 */
export async function startPaymentRig(webhookAuth: WebhookAuth, extra: RawEnv = {}): Promise<PaymentRig> {
  const port = await freePort();
  const apiKey = randomBytes(18).toString('base64url');
  const merchantId = 'beckn-ride-payment-test';
  const simulator = await startPaymentSimulator({
    port: 0,
    apiKey,
    merchantId,
    webhookAuth,
    webhookUrl: `http://127.0.0.1:${port}/payments/webhook/juspay`,
    logger: capturedLogger().logger,
  });
  const webhookEnv: RawEnv =
    webhookAuth.scheme === 'basic'
      ? { PAYMENT_WEBHOOK_USERNAME: webhookAuth.username, PAYMENT_WEBHOOK_PASSWORD: webhookAuth.password }
      : { PAYMENT_WEBHOOK_HMAC_SECRET: webhookAuth.secret };
  const logLines: string[] = [];
  const app = await startTestApp(
    fullProfileEnv({
      PORT: String(port),
      LOG_LEVEL: 'info',
      PAYMENT_GATEWAY_URL: simulator.url,
      PAYMENT_GATEWAY_API_KEY: apiKey,
      PAYMENT_GATEWAY_MERCHANT_ID: merchantId,
      PAYMENT_GATEWAY_TIMEOUT_MS: '10000',
      ...webhookEnv,
      ...extra,
    }),
    {},
    { write: (line: string) => void logLines.push(line) },
    (ctx) => registerBap(ctx, ctx.bap),
  );
  const { sequelize, cipher } = app.ctx.bap;
  return {
    app,
    simulator,
    logLines,
    async riderWithBooking() {
      const { bookingId, personId } = await riderBooking(sequelize);
      const token = randomBytes(32).toString('base64url');
      await sequelize.query(`INSERT INTO atlas_app.rider_token (id, person_id, token_hash) VALUES ($1, $2, $3)`, { bind: [randomUUID(), personId, cipher.hash(token)] });
      return { token, bookingId, personId };
    },
    async call(method, path, token) {
      const response = await fetch(app.baseUrl + path, { method, headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, body: (await response.json()) as any };
    },
    async orderRow(bookingId) {
      const [row] = await sequelize.query<Record<string, any>>(`SELECT * FROM atlas_app.payment_order WHERE booking_id = $1`, { type: QueryTypes.SELECT, bind: [bookingId] });
      return row;
    },
    async close() {
      await app.close();
      await simulator.close();
    },
  };
}
