import { fileURLToPath } from 'node:url';
import type { Sequelize } from 'sequelize';
import { Umzug } from 'umzug';
import type { FieldCipher } from '../crypto/field-cipher.js';
import type { Logger } from '../logging/logger.js';
import type { MigrationContext } from './migration-context.js';
import { loadMigrationFiles } from './migration-files.js';
import { withMigrationLock } from './migration-lock.js';
import { MigrationLog } from './migration-log.js';

export interface MigrationOptions {
  sequelize: Sequelize;
  logger: Logger;
  /** Folder of `NNNN-description.ts` files; defaults to the repository's `migrations/postgres/`. */
  dir?: string;
  /** Handed to the migrations that encrypt stored fields (MigrationContext.cipher). */
  cipher?: FieldCipher;
}

export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/postgres/', import.meta.url));

/**
 * Applies every pending migration in version order while holding the
 * migration lock, and returns the names applied (empty when up to date).
 * A failing migration rejects the run and is not recorded; the ones applied
 * before it stay recorded.
 */
export async function runMigrations(options: MigrationOptions): Promise<string[]> {
  const { sequelize, logger } = options;
  const log = new MigrationLog(sequelize);
  const umzug = createUmzug(options, log);
  return withMigrationLock(sequelize, logger, async () => {
    const started = Date.now();
    await log.ensureTable();
    const applied = (await umzug.up()).map((migration) => migration.name);
    logger.info({ applied, durationMs: Date.now() - started }, 'postgres migrations up to date');
    return applied;
  });
}

/** Names of the migrations not yet applied; reads only, takes no lock. */
export async function pendingMigrations(options: MigrationOptions): Promise<string[]> {
  const umzug = createUmzug(options, new MigrationLog(options.sequelize));
  return (await umzug.pending()).map((migration) => migration.name);
}

function createUmzug({ sequelize, logger, dir = DEFAULT_MIGRATIONS_DIR, cipher }: MigrationOptions, log: MigrationLog) {
  const context: MigrationContext = { sequelize, queryInterface: sequelize.getQueryInterface(), ...(cipher ? { cipher } : {}) };
  return new Umzug<MigrationContext>({
    migrations: () => loadMigrationFiles(dir),
    context,
    storage: log,
    logger: {
      info: (event) => {
        if (event.event === 'migrated') logger.info(event, 'postgres migration applied');
        else logger.debug(event, 'postgres migration');
      },
      warn: (event) => logger.warn(event, 'postgres migration'),
      error: (event) => logger.error(event, 'postgres migration'),
      debug: (event) => logger.debug(event, 'postgres migration'),
    },
  });
}
