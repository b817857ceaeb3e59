import type { MigrationParams } from '../../src/infra/postgres/index.js';

/**
 * Special locations take the field names of the seed's data model:
 * `location_name` (was `name`), `linked_locations_ids` (was
 * `linked_location_ids`), and a new `location_type`: `Open` (a pickup inside
 * is offered to the drivers queued at its gates first, then to any driver
 * nearby; what every location did so far, hence the default) or `Closed`
 * (a pickup inside is offered only to drivers queued at the gates of the
 * location or of the locations it links).
 */
const S = 'atlas_driver_offer_bpp';

export async function up({ context }: MigrationParams): Promise<void> {
  await context.sequelize.transaction(async (transaction) => {
    const run = (sql: string) => context.sequelize.query(sql, { transaction });
    await run(`ALTER TABLE ${S}.special_location RENAME COLUMN name TO location_name`);
    await run(`ALTER TABLE ${S}.special_location RENAME COLUMN linked_location_ids TO linked_locations_ids`);
    await run(
      `ALTER TABLE ${S}.special_location ADD COLUMN location_type text NOT NULL DEFAULT 'Open'
         CONSTRAINT special_location_location_type_check CHECK (location_type IN ('Open', 'Closed'))`,
    );
  });
}

export async function down({ context }: MigrationParams): Promise<void> {
  await context.sequelize.transaction(async (transaction) => {
    const run = (sql: string) => context.sequelize.query(sql, { transaction });
    await run(`ALTER TABLE ${S}.special_location DROP COLUMN location_type`);
    await run(`ALTER TABLE ${S}.special_location RENAME COLUMN linked_locations_ids TO linked_location_ids`);
    await run(`ALTER TABLE ${S}.special_location RENAME COLUMN location_name TO name`);
  });
}
