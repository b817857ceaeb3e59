import type { Sequelize } from 'sequelize';
import { ForeignKeyConstraintError, UniqueConstraintError } from 'sequelize';
import type { FieldCipher } from '../../infra/crypto/field-cipher.js';
import { AppError } from '../../infra/http/index.js';
import type { BppModels } from '../models/index.js';
import type { PayoutDeps } from '../payout/payout-deps.js';

export interface OperatorDeps {
  models: BppModels;
  sequelize: Sequelize;
  /** config.secrets.adminToken */
  adminToken: string;
  cipher: FieldCipher;
  /** Present when a payment gateway is configured; without it the payout routes answer 503. */
  payouts?: PayoutDeps;
}

export const OPERATOR_TAG = 'Provider operator';

/**
 * Turns constraint violations into API errors: the database is the one place
 * uniqueness and references are decided, so concurrent requests cannot both pass.
 */
export function translateDatabaseError(error: unknown, conflict: string, missing: string): unknown {
  if (error instanceof UniqueConstraintError) return new AppError('CONFLICT', conflict);
  if (error instanceof ForeignKeyConstraintError) return new AppError('NOT_FOUND', missing);
  return error;
}
