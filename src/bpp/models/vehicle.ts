import { DataTypes, type Model, type ModelStatic, type Optional, type Sequelize } from 'sequelize';
import { VEHICLE_CATEGORIES, VEHICLE_VARIANTS, tableOptions, type VehicleCategory, type VehicleVariant } from './model-options.js';

export interface VehicleAttributes {
  id: string;
  /** One vehicle per driver. */
  driverId: string;
  registrationNo: string;
  category: VehicleCategory;
  variant: VehicleVariant;
  capacity: number;
  /** Maker and model as the operator registered them (ONDC vehicle.make / vehicle.model). */
  make: string | null;
  model: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type VehicleModel = ModelStatic<Model<VehicleAttributes, Optional<VehicleAttributes, 'make' | 'model' | 'createdAt' | 'updatedAt'>>>;

export function defineVehicle(sequelize: Sequelize): VehicleModel {
  return sequelize.define(
    'Vehicle',
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      driverId: { type: DataTypes.UUID, allowNull: false, unique: true },
      registrationNo: { type: DataTypes.TEXT, allowNull: false, unique: true },
      category: { type: DataTypes.TEXT, allowNull: false, validate: { isIn: [VEHICLE_CATEGORIES] } },
      variant: { type: DataTypes.TEXT, allowNull: false, validate: { isIn: [VEHICLE_VARIANTS] } },
      capacity: { type: DataTypes.INTEGER, allowNull: false },
      make: { type: DataTypes.TEXT, allowNull: true },
      model: { type: DataTypes.TEXT, allowNull: true },
      createdAt: { type: DataTypes.DATE, allowNull: false },
      updatedAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('vehicle'),
  );
}
