import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * Money on the provider side (the BPP collects when the agreed terms say so,
 * and pays its drivers): payment orders, one transaction row per attempt
 * with the gateway's answer kept whole, refunds against an order, the
 * webhook events already applied, and driver payouts.
 *
 * Statuses are CHECKed against the sets in src/payments/statuses.ts, written
 * out here so this migration keeps meaning what it meant when applied.
 *
 * A ride is paid out at most once, by the database: `payout_order_entity`
 * holds one row per (entity, payout order), derived by a trigger from
 * `payout_order.entity_ids` on insert, and `live` follows the order's status
 * (INITIATED, PENDING, SUCCESS, or MANUAL_REVIEW, whose money may have
 * moved). A partial unique index allows one live row per entity, so a second
 * payout claiming a ride already in flight or paid fails its INSERT. A
 * FAILURE or CANCELLED order's rows stop being live and a retry batch may
 * claim its rides; moving such an order back to a live status fails if a
 * retry holds them. entity_ids cannot change after the insert.
 */
const S = 'atlas_driver_offer_bpp';

export const TRANSACTION_STATUSES =
  `('NEW', 'PENDING_VBV', 'CHARGED', 'AUTHENTICATION_FAILED', 'AUTHORIZATION_FAILED', 'JUSPAY_DECLINED', 'AUTHORIZING', 'COD_INITIATED', 'STARTED', 'AUTO_REFUNDED', 'CLIENT_AUTH_TOKEN_EXPIRED', 'CANCELLED', 'MANUAL_REVIEW')`;
const REFUND_STATUSES = `('PENDING', 'SUCCESS', 'FAILURE', 'MANUAL_REVIEW')`;
const PAYOUT_STATUSES = `('INITIATED', 'PENDING', 'SUCCESS', 'FAILURE', 'MANUAL_REVIEW', 'CANCELLED')`;
const LIVE_PAYOUT_STATUSES = `('INITIATED', 'PENDING', 'SUCCESS', 'MANUAL_REVIEW')`;

const money = (name: string, nullable = true) => `${name} numeric(30, 10)${nullable ? '' : ' NOT NULL'}`;
const currency = (name: string) => `${name} char(3) NOT NULL CHECK (${name} ~ '^[A-Z]{3}$')`;

/** How each side names the payer, the merchant and the booking an order pays. */
export interface PaymentOrderOwners {
  personId: string;
  merchantId: string;
  bookingId: string;
}

/**
 * The tables both sides keep alike (payment_order, payment_transaction,
 * refunds, payment_event_seen); migration 0022 makes the rider side's
 * from this same definition.
 */
export function paymentTables(schema: string, owners: PaymentOrderOwners): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${schema}.payment_order (
      id uuid PRIMARY KEY,
      short_id text NOT NULL UNIQUE,
      person_id ${owners.personId},
      merchant_id ${owners.merchantId},
      booking_id ${owners.bookingId} UNIQUE,
      ${money('amount', false)} CHECK (amount > 0),
      ${currency('currency')},
      status text NOT NULL CHECK (status IN ${TRANSACTION_STATUSES}),
      payment_service_order_id text UNIQUE,
      payment_link_web text,
      payment_link_deep_link text,
      client_auth_token_encrypted text,
      client_auth_token_hash text,
      client_auth_token_expiry timestamptz,
      mandate_id text,
      mandate_status text CHECK (mandate_status IN ('CREATED', 'ACTIVE', 'PAUSED', 'REVOKED', 'FAILURE', 'EXPIRED')),
      mandate_start_date timestamptz,
      mandate_end_date timestamptz,
      ${money('mandate_max_amount')} CHECK (mandate_max_amount > 0),
      mandate_frequency text,
      last_status_checked_at timestamptz,
      status_check_attempts integer NOT NULL DEFAULT 0 CHECK (status_check_attempts >= 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((client_auth_token_encrypted IS NULL) = (client_auth_token_hash IS NULL))
    )`,
    `CREATE INDEX IF NOT EXISTS payment_order_status_check_idx ON ${schema}.payment_order (last_status_checked_at)
       WHERE status IN ('NEW', 'STARTED', 'PENDING_VBV', 'AUTHORIZING')`,
    `CREATE TABLE IF NOT EXISTS ${schema}.payment_transaction (
      id uuid PRIMARY KEY,
      order_id uuid NOT NULL REFERENCES ${schema}.payment_order (id),
      txn_uuid text NOT NULL UNIQUE,
      txn_id text,
      status text NOT NULL CHECK (status IN ${TRANSACTION_STATUSES}),
      ${money('amount', false)} CHECK (amount > 0),
      ${currency('currency')},
      payment_method_type text,
      payment_method text,
      gateway_reference_id text,
      bank_error_code text,
      bank_error_message text,
      juspay_response jsonb,
      retry_count integer NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX IF NOT EXISTS payment_transaction_order_idx ON ${schema}.payment_transaction (order_id)`,
    `CREATE TABLE IF NOT EXISTS ${schema}.refunds (
      id uuid PRIMARY KEY,
      short_id text NOT NULL UNIQUE,
      order_id uuid NOT NULL REFERENCES ${schema}.payment_order (id),
      ${money('refund_amount', false)} CHECK (refund_amount > 0),
      status text NOT NULL CHECK (status IN ${REFUND_STATUSES}),
      id_assigned_by_service_provider text UNIQUE,
      error_code text,
      error_message text,
      idempotency_key text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX IF NOT EXISTS refunds_order_idx ON ${schema}.refunds (order_id)`,
    // A webhook event applied once: a replay finds its (gateway, event_id) here and is refused.
    `CREATE TABLE IF NOT EXISTS ${schema}.payment_event_seen (
      gateway text NOT NULL,
      event_id text NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (gateway, event_id)
    )`,
  ];
}

const payoutTables: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS ${S}.payout_order (
    id uuid PRIMARY KEY,
    customer_id uuid NOT NULL REFERENCES ${S}.driver (id),
    status text NOT NULL CHECK (status IN ${PAYOUT_STATUSES}),
    entity_name text NOT NULL CHECK (entity_name IN ('RIDE')),
    entity_ids text[] NOT NULL CHECK (cardinality(entity_ids) > 0),
    ${money('amount', false)} CHECK (amount > 0),
    ${currency('currency')},
    payout_service_order_id text UNIQUE,
    last_status_checked_at timestamptz,
    retried_order_id uuid REFERENCES ${S}.payout_order (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX IF NOT EXISTS payout_order_customer_idx ON ${S}.payout_order (customer_id, status)`,
  `CREATE TABLE IF NOT EXISTS ${S}.payout_order_entity (
    entity_name text NOT NULL,
    entity_id text NOT NULL,
    payout_order_id uuid NOT NULL REFERENCES ${S}.payout_order (id) ON DELETE CASCADE,
    live boolean NOT NULL,
    PRIMARY KEY (payout_order_id, entity_name, entity_id)
  )`,
  `CREATE UNIQUE INDEX IF NOT EXISTS payout_order_entity_live_idx ON ${S}.payout_order_entity (entity_name, entity_id) WHERE live`,
  `CREATE OR REPLACE FUNCTION ${S}.payout_order_claim_entities() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP = 'INSERT' THEN
       INSERT INTO ${S}.payout_order_entity (entity_name, entity_id, payout_order_id, live)
         SELECT DISTINCT NEW.entity_name, e, NEW.id, NEW.status IN ${LIVE_PAYOUT_STATUSES} FROM unnest(NEW.entity_ids) AS e;
     ELSIF NEW.entity_ids IS DISTINCT FROM OLD.entity_ids OR NEW.entity_name IS DISTINCT FROM OLD.entity_name THEN
       RAISE EXCEPTION 'the entities of payout order % cannot change', OLD.id USING ERRCODE = 'check_violation';
     ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
       UPDATE ${S}.payout_order_entity SET live = NEW.status IN ${LIVE_PAYOUT_STATUSES} WHERE payout_order_id = NEW.id;
     END IF;
     RETURN NULL;
   END $$`,
  `DROP TRIGGER IF EXISTS payout_order_claim_entities ON ${S}.payout_order`,
  `CREATE TRIGGER payout_order_claim_entities AFTER INSERT OR UPDATE ON ${S}.payout_order
     FOR EACH ROW EXECUTE FUNCTION ${S}.payout_order_claim_entities()`,
];

const statements: readonly string[] = [
  ...paymentTables(S, {
    // The BPP knows the rider only as the BAP named them in the order, if at all.
    personId: 'text',
    merchantId: `uuid NOT NULL REFERENCES ${S}.merchant (id)`,
    bookingId: `uuid NOT NULL REFERENCES ${S}.booking (id)`,
  }),
  ...payoutTables,
];

export async function up({ context }: MigrationParams): Promise<void> {
  for (const statement of statements) await context.sequelize.query(statement);
}

export async function down({ context }: MigrationParams): Promise<void> {
  for (const table of ['payout_order_entity', 'payout_order', 'payment_event_seen', 'refunds', 'payment_transaction', 'payment_order']) {
    await context.sequelize.query(`DROP TABLE IF EXISTS ${S}.${table}`);
  }
  await context.sequelize.query(`DROP FUNCTION IF EXISTS ${S}.payout_order_claim_entities()`);
}
