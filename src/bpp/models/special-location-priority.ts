import { DataTypes, type Model, type ModelStatic, type Optional, type Sequelize } from 'sequelize';
import { tableOptions } from './model-options.js';

export interface SpecialLocationPriorityAttributes {
  id: string;
  merchantId: string;
  merchantOperatingCityId: string;
  category: string;
  pickupPriority: number;
  dropPriority: number;
  createdAt: Date;
  updatedAt: Date;
}

export type SpecialLocationPriorityModel = ModelStatic<
  Model<SpecialLocationPriorityAttributes, Optional<SpecialLocationPriorityAttributes, 'createdAt' | 'updatedAt'>>
>;

export function defineSpecialLocationPriority(sequelize: Sequelize): SpecialLocationPriorityModel {
  return sequelize.define(
    'SpecialLocationPriority',
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      merchantId: { type: DataTypes.UUID, allowNull: false },
      merchantOperatingCityId: { type: DataTypes.UUID, allowNull: false },
      category: { type: DataTypes.TEXT, allowNull: false },
      pickupPriority: { type: DataTypes.INTEGER, allowNull: false },
      dropPriority: { type: DataTypes.INTEGER, allowNull: false },
      createdAt: { type: DataTypes.DATE, allowNull: false },
      updatedAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('special_location_priority'),
  );
}
