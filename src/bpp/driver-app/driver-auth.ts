import { randomBytes, randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { FieldCipher } from '../../infra/crypto/field-cipher.js';
import { AppError, bearerToken } from '../../infra/http/index.js';
import { BPP_SCHEMA } from '../models/index.js';

export interface AuthenticatedDriver {
  driverId: string;
  merchantId: string;
}

export interface IssuedDriverToken {
  id: string;
  driverId: string;
  /** The bearer token itself: returned once, never stored. */
  token: string;
  createdAt: Date;
}

export interface DriverAuth {
  /** Route `authorize` hook: 401 unless the bearer token is an active driver token. */
  requireDriver(req: Request): Promise<void>;
  /** The driver `requireDriver` resolved for this request. */
  driverOf(req: Request): AuthenticatedDriver;
  /** A new token for the driver, or null when there is no such driver. */
  issue(driverId: string): Promise<IssuedDriverToken | null>;
  /** Revokes every active token of the driver; null when there is no such driver. */
  revokeAll(driverId: string): Promise<number | null>;
}

const TOKEN_BYTES = 32;

const issueSql = `
  INSERT INTO ${BPP_SCHEMA}.driver_token (id, driver_id, token_hash)
  SELECT $1, d.id, $3 FROM ${BPP_SCHEMA}.driver d WHERE d.id = $2
  RETURNING created_at`;

const revokeSql = `
  WITH revoked AS (
    UPDATE ${BPP_SCHEMA}.driver_token SET revoked_at = now()
     WHERE driver_id = $1 AND revoked_at IS NULL
    RETURNING id
  )
  SELECT (SELECT count(*) FROM revoked)::int AS revoked,
         EXISTS (SELECT 1 FROM ${BPP_SCHEMA}.driver WHERE id = $1) AS driver_exists`;

const resolveSql = `
  SELECT d.id AS driver_id, d.merchant_id
    FROM ${BPP_SCHEMA}.driver_token t JOIN ${BPP_SCHEMA}.driver d ON d.id = t.driver_id
   WHERE t.token_hash = $1 AND t.revoked_at IS NULL`;

/**
 * Driver bearer tokens. Every request resolves its token in the database (no
 * cache), so a revocation takes effect on the very next request.
 */
export function createDriverAuth({ sequelize, cipher }: { sequelize: Sequelize; cipher: FieldCipher }): DriverAuth {
  const resolved = new WeakMap<Request, AuthenticatedDriver>();

  return {
    async requireDriver(req) {
      const token = bearerToken(req.get('authorization'));
      if (token === null) throw new AppError('UNAUTHORIZED', 'this route needs Authorization: Bearer <driver token>');
      const [row] = await sequelize.query<{ driver_id: string; merchant_id: string }>(resolveSql, {
        type: QueryTypes.SELECT,
        bind: [cipher.hash(token)],
      });
      if (!row) throw new AppError('UNAUTHORIZED', 'the bearer token is not an active driver token');
      resolved.set(req, { driverId: row.driver_id, merchantId: row.merchant_id });
    },
    driverOf(req) {
      const driver = resolved.get(req);
      if (!driver) throw new Error('driverOf() called on a request requireDriver() did not authorize');
      return driver;
    },
    async issue(driverId) {
      const id = randomUUID();
      const token = randomBytes(TOKEN_BYTES).toString('base64url');
      const [row] = await sequelize.query<{ created_at: Date }>(issueSql, {
        type: QueryTypes.SELECT,
        bind: [id, driverId, cipher.hash(token)],
      });
      return row ? { id, driverId, token, createdAt: row.created_at } : null;
    },
    async revokeAll(driverId) {
      const [row] = await sequelize.query<{ revoked: number; driver_exists: boolean }>(revokeSql, {
        type: QueryTypes.SELECT,
        bind: [driverId],
      });
      return row?.driver_exists ? row.revoked : null;
    },
  };
}
