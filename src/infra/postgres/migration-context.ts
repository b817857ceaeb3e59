import type { QueryInterface, Sequelize } from 'sequelize';
import type { FieldCipher } from '../crypto/field-cipher.js';

/**
 * What every migration under `migrations/postgres/` receives as `context`.
 *
 * Migrations run outside a transaction: PGlite serves one transaction at a
 * time and Sequelize cannot route `queryInterface` calls into one implicitly.
 * So each statement should be safe to re-run (IF NOT EXISTS / IF EXISTS); a
 * migration that needs atomicity opens `sequelize.transaction()` itself and
 * passes `{ transaction }` to every call inside it.
 */
export interface MigrationContext {
  sequelize: Sequelize;
  queryInterface: QueryInterface;
  /**
   * The field cipher under the service's encryption key, for a migration
   * that seals stored values; absent when the runner was given no key, and
   * such a migration then refuses rather than leave plain values behind.
   */
  cipher?: FieldCipher;
}

export interface MigrationParams {
  context: MigrationContext;
}

/** The shape of one migration file: `NNNN-description.ts` exporting `up` and `down`. */
export interface MigrationModule {
  up(params: MigrationParams): Promise<void>;
  down(params: MigrationParams): Promise<void>;
}
