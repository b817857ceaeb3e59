import { randomBytes, randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { FieldCipher } from '../infra/crypto/field-cipher.js';
import { AppError, bearerToken } from '../infra/http/index.js';
import { BAP_SCHEMA } from './bap-deps.js';

export interface RiderAuth {
  /** Route `authorize` hook: 401 unless the bearer token is an active rider token. */
  requireRider(req: Request): Promise<void>;
  /** The rider (person id) `requireRider` resolved for this request. */
  riderOf(req: Request): string;
  /** A new bearer token for the person: returned once, only its keyed hash is stored. */
  issue(personId: string, transaction?: Transaction): Promise<string>;
}

const TOKEN_BYTES = 32;

const resolveSql = `SELECT person_id FROM ${BAP_SCHEMA}.rider_token WHERE token_hash = $1 AND revoked_at IS NULL`;
const issueSql = `INSERT INTO ${BAP_SCHEMA}.rider_token (id, person_id, token_hash) VALUES ($1, $2, $3)`;

/** Rider bearer tokens, resolved in the database on every request so a revocation is immediate. */
export function createRiderAuth({ sequelize, cipher }: { sequelize: Sequelize; cipher: FieldCipher }): RiderAuth {
  const resolved = new WeakMap<Request, string>();
  return {
    async requireRider(req) {
      const token = bearerToken(req.get('authorization'));
      if (token === null) throw new AppError('UNAUTHORIZED', 'this route needs Authorization: Bearer <rider token>');
      const [row] = await sequelize.query<{ person_id: string }>(resolveSql, { type: QueryTypes.SELECT, bind: [cipher.hash(token)] });
      if (!row) throw new AppError('UNAUTHORIZED', 'the bearer token is not an active rider token');
      resolved.set(req, row.person_id);
    },
    riderOf(req) {
      const personId = resolved.get(req);
      if (!personId) throw new Error('riderOf() called on a request requireRider() did not authorize');
      return personId;
    },
    async issue(personId, transaction) {
      const token = randomBytes(TOKEN_BYTES).toString('base64url');
      await sequelize.query(issueSql, { bind: [randomUUID(), personId, cipher.hash(token)], ...(transaction ? { transaction } : {}) });
      return token;
    },
  };
}
