export { createSequelize, checkPostgres, poolStats } from './sequelize.js';
export type { SequelizeOptions, PoolStats } from './sequelize.js';
export { startEmbeddedPostgres } from './embedded-postgres.js';
export type { EmbeddedPostgres, EmbeddedPostgresOptions } from './embedded-postgres.js';
export { runMigrations, pendingMigrations, DEFAULT_MIGRATIONS_DIR } from './migrate.js';
export type { MigrationOptions } from './migrate.js';
export { MIGRATION_LOCK_KEY } from './migration-lock.js';
export { MIGRATION_TABLE } from './migration-log.js';
export type { MigrationContext, MigrationParams, MigrationModule } from './migration-context.js';
