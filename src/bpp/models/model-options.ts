import type { ModelOptions } from 'sequelize';

export const BPP_SCHEMA = 'atlas_driver_offer_bpp';

/** Tables are created by migrations (never sync()); attributes are camelCase over snake_case columns. */
export function tableOptions(tableName: string): ModelOptions {
  return { schema: BPP_SCHEMA, tableName, underscored: true, timestamps: true };
}

export const VEHICLE_CATEGORIES = ['AUTO_RICKSHAW', 'CAB'] as const;
export type VehicleCategory = (typeof VEHICLE_CATEGORIES)[number];

export const VEHICLE_VARIANTS = ['SEDAN', 'SUV', 'HATCHBACK', 'AUTO_RICKSHAW'] as const;
export type VehicleVariant = (typeof VEHICLE_VARIANTS)[number];

export const DRIVER_STATUSES = ['OFFLINE', 'ONLINE', 'ON_RIDE'] as const;
export type DriverStatus = (typeof DRIVER_STATUSES)[number];

/**
 * Sequelize has no native-geometry type outside PostGIS; these columns hold
 * Postgres `polygon`/`point` values in their text form, e.g. `((77.1,12.9),(77.2,12.9),…)`.
 */
export const POLYGON = 'POLYGON';
export const POINT = 'POINT';
