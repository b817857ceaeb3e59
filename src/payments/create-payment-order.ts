import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { FieldCipher } from '../infra/crypto/field-cipher.js';
import { trimDecimal } from '../infra/postgres/index.js';
import type { PaymentsSchema } from './payment-schemas.js';
import { shortId } from './short-id.js';
import type { TransactionStatus } from './statuses.js';

export interface PaymentOrderRequest {
  bookingId: string;
  /** The payer: the rider's person id on the rider side; on the provider side whatever the BAP named them, if anything. */
  personId: string | null;
  merchantId: string;
  /** Decimal amount, e.g. "146.5"; never a float. */
  amount: string;
  currency: string;
  transaction?: Transaction;
}

/** A payment order as callers see it: the client auth token is never read back, only whether one is held. */
export interface PaymentOrderRow {
  id: string;
  short_id: string;
  booking_id: string;
  amount: string;
  currency: string;
  status: TransactionStatus;
  payment_service_order_id: string | null;
  payment_link_web: string | null;
  payment_link_deep_link: string | null;
  client_auth_token_expiry: Date | null;
}

const COLUMNS = `id, short_id, booking_id, amount::text AS amount, currency, status, payment_service_order_id,
  payment_link_web, payment_link_deep_link, client_auth_token_expiry`;

/**
 * The booking's payment order, created NEW on the first call. One order per
 * booking is a unique index, so a double click or a retried request that
 * races the first gets the order the first made (`created: false`).
 */
export async function createPaymentOrder(
  sequelize: Sequelize,
  schema: PaymentsSchema,
  request: PaymentOrderRequest,
): Promise<{ created: boolean; order: PaymentOrderRow }> {
  const options = { type: QueryTypes.SELECT, ...(request.transaction ? { transaction: request.transaction } : {}) } as const;
  const [inserted] = await sequelize.query<PaymentOrderRow>(
    `INSERT INTO ${schema}.payment_order (id, short_id, person_id, merchant_id, booking_id, amount, currency, status)
     VALUES ($1, $2, $3, $4, $5, $6::numeric, $7, 'NEW') ON CONFLICT (booking_id) DO NOTHING RETURNING ${COLUMNS}`,
    { ...options, bind: [randomUUID(), shortId(), request.personId, request.merchantId, request.bookingId, request.amount, request.currency] },
  );
  if (inserted) return { created: true, order: tidy(inserted) };
  const [existing] = await sequelize.query<PaymentOrderRow>(`SELECT ${COLUMNS} FROM ${schema}.payment_order WHERE booking_id = $1`, { ...options, bind: [request.bookingId] });
  if (!existing) throw new Error(`payment order of booking ${request.bookingId} neither created nor found`);
  return { created: false, order: tidy(existing) };
}

export interface GatewaySession {
  orderId: string;
  paymentServiceOrderId: string;
  paymentLinkWeb?: string;
  paymentLinkDeepLink?: string;
  /** The client auth token the gateway issued; stored only encrypted and as a keyed hash. */
  clientAuthToken: string;
  clientAuthTokenExpiry: Date;
  transaction?: Transaction;
}

/** Keeps what the gateway's create-order answered on the order: its id, the links, and the sealed client token. */
export async function recordGatewaySession(sequelize: Sequelize, cipher: FieldCipher, schema: PaymentsSchema, session: GatewaySession): Promise<void> {
  await sequelize.query(
    `UPDATE ${schema}.payment_order
        SET payment_service_order_id = $2, payment_link_web = $3, payment_link_deep_link = $4,
            client_auth_token_encrypted = $5, client_auth_token_hash = $6, client_auth_token_expiry = $7, updated_at = now()
      WHERE id = $1`,
    {
      bind: [
        session.orderId,
        session.paymentServiceOrderId,
        session.paymentLinkWeb ?? null,
        session.paymentLinkDeepLink ?? null,
        cipher.encrypt(session.clientAuthToken),
        cipher.hash(session.clientAuthToken),
        session.clientAuthTokenExpiry,
      ],
      ...(session.transaction ? { transaction: session.transaction } : {}),
    },
  );
}

/** Notes one status check of a pending order (the scheduler's backoff and give-up bound read these). */
export async function recordStatusCheck(sequelize: Sequelize, schema: PaymentsSchema, orderId: string, transaction?: Transaction): Promise<number> {
  const [row] = await sequelize.query<{ status_check_attempts: number }>(
    `UPDATE ${schema}.payment_order SET last_status_checked_at = now(), status_check_attempts = status_check_attempts + 1 WHERE id = $1 RETURNING status_check_attempts`,
    { type: QueryTypes.SELECT, bind: [orderId], ...(transaction ? { transaction } : {}) },
  );
  if (!row) throw new Error(`payment order ${orderId} not found`);
  return row.status_check_attempts;
}

function tidy(row: PaymentOrderRow): PaymentOrderRow {
  return { ...row, amount: trimDecimal(row.amount) };
}
