import { DataTypes, type Model, type ModelStatic, type Optional, type Sequelize } from 'sequelize';
import { POLYGON, tableOptions } from './model-options.js';

/**
 * How a pickup inside the location is allocated. `Open`: drivers queued at
 * the gates of the location (or of those it links) are offered the ride
 * first, then any driver nearby. `Closed`: only those queued drivers are.
 */
export const SPECIAL_LOCATION_TYPES = ['Open', 'Closed'] as const;
export type SpecialLocationType = (typeof SPECIAL_LOCATION_TYPES)[number];

export interface SpecialLocationAttributes {
  id: string;
  merchantOperatingCityId: string;
  locationName: string;
  /** e.g. `SureAirport`, `SureMetro`; matches special_location_priority.category. */
  category: string;
  /** Postgres polygon text, vertices as (lon,lat). */
  geom: string;
  linkedLocationsIds: string[];
  locationType: SpecialLocationType;
  createdAt: Date;
  updatedAt: Date;
}

export type SpecialLocationModel = ModelStatic<
  Model<SpecialLocationAttributes, Optional<SpecialLocationAttributes, 'linkedLocationsIds' | 'locationType' | 'createdAt' | 'updatedAt'>>
>;

export function defineSpecialLocation(sequelize: Sequelize): SpecialLocationModel {
  return sequelize.define(
    'SpecialLocation',
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      merchantOperatingCityId: { type: DataTypes.UUID, allowNull: false },
      locationName: { type: DataTypes.TEXT, allowNull: false },
      category: { type: DataTypes.TEXT, allowNull: false },
      geom: { type: POLYGON, allowNull: false },
      linkedLocationsIds: { type: DataTypes.ARRAY(DataTypes.TEXT), allowNull: false, defaultValue: [] },
      locationType: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'Open', validate: { isIn: [[...SPECIAL_LOCATION_TYPES]] } },
      createdAt: { type: DataTypes.DATE, allowNull: false },
      updatedAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('special_location'),
  );
}
