import { DataTypes, type Model, type ModelStatic, type Optional, type Sequelize } from 'sequelize';
import { POLYGON, tableOptions } from './model-options.js';

export interface SpecialLocationAttributes {
  id: string;
  merchantOperatingCityId: string;
  name: string;
  /** e.g. `SureAirport`, `SureMetro`; matches special_location_priority.category. */
  category: string;
  /** Postgres polygon text, vertices as (lon,lat). */
  geom: string;
  linkedLocationIds: string[];
  createdAt: Date;
  updatedAt: Date;
}

export type SpecialLocationModel = ModelStatic<
  Model<SpecialLocationAttributes, Optional<SpecialLocationAttributes, 'linkedLocationIds' | 'createdAt' | 'updatedAt'>>
>;

export function defineSpecialLocation(sequelize: Sequelize): SpecialLocationModel {
  return sequelize.define(
    'SpecialLocation',
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      merchantOperatingCityId: { type: DataTypes.UUID, allowNull: false },
      name: { type: DataTypes.TEXT, allowNull: false },
      category: { type: DataTypes.TEXT, allowNull: false },
      geom: { type: POLYGON, allowNull: false },
      linkedLocationIds: { type: DataTypes.ARRAY(DataTypes.TEXT), allowNull: false, defaultValue: [] },
      createdAt: { type: DataTypes.DATE, allowNull: false },
      updatedAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('special_location'),
  );
}
