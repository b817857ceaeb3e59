import { QueryTypes, type Sequelize } from 'sequelize';
import type { MigrationParams, UmzugStorage } from 'umzug';
import type { MigrationContext } from './migration-context.js';

export const MIGRATION_TABLE = 'public.beckn_ride_migrations';

/** Umzug storage: one row per applied migration in `public.beckn_ride_migrations`. */
export class MigrationLog implements UmzugStorage<MigrationContext> {
  constructor(private readonly sequelize: Sequelize) {}

  /** Called only under the migration lock: concurrent CREATE TABLE IF NOT EXISTS can still collide. */
  async ensureTable(): Promise<void> {
    await this.sequelize.query(
      `CREATE TABLE IF NOT EXISTS ${MIGRATION_TABLE} (
         name text PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
  }

  async logMigration({ name }: MigrationParams<MigrationContext>): Promise<void> {
    await this.sequelize.query(`INSERT INTO ${MIGRATION_TABLE} (name) VALUES ($1)`, { bind: [name] });
  }

  async unlogMigration({ name }: MigrationParams<MigrationContext>): Promise<void> {
    await this.sequelize.query(`DELETE FROM ${MIGRATION_TABLE} WHERE name = $1`, { bind: [name] });
  }

  /** Read-only: a database that has never been migrated simply has nothing executed. */
  async executed(): Promise<string[]> {
    const [table] = await this.sequelize.query<{ exists: boolean }>(
      `SELECT to_regclass($1) IS NOT NULL AS exists`,
      { bind: [MIGRATION_TABLE], type: QueryTypes.SELECT },
    );
    if (!table?.exists) return [];
    const rows = await this.sequelize.query<{ name: string }>(
      `SELECT name FROM ${MIGRATION_TABLE} ORDER BY name`,
      { type: QueryTypes.SELECT },
    );
    return rows.map((row) => row.name);
  }
}
