import { DataTypes, type Model, type ModelStatic, type Optional, type Sequelize } from 'sequelize';
import { VEHICLE_VARIANTS, tableOptions, type VehicleVariant } from './model-options.js';

/** Money and rates are decimal strings (numeric columns), in `currency`. */
export interface FarePolicyAttributes {
  id: string;
  merchantOperatingCityId: string;
  vehicleVariant: VehicleVariant;
  baseDistanceMeters: number;
  baseFare: string;
  perKm: string;
  perMinute: string;
  /** `HH:MM:SS`; both null when the city has no night tariff. */
  nightShiftStart: string | null;
  nightShiftEnd: string | null;
  nightShiftMultiplier: string;
  waitingFreeMinutes: number;
  waitingChargePerMinute: string;
  pickupCharge: string;
  /** Fee by Beckn fulfillment state code, e.g. `{ "RIDE_ASSIGNED": "30" }`. */
  cancellationFees: Record<string, string>;
  currency: string;
  createdAt: Date;
  updatedAt: Date;
}

export type FarePolicyModel = ModelStatic<
  Model<FarePolicyAttributes, Optional<FarePolicyAttributes, 'createdAt' | 'updatedAt'>>
>;

const money = { type: DataTypes.DECIMAL(30, 10), allowNull: false } as const;

export function defineFarePolicy(sequelize: Sequelize): FarePolicyModel {
  return sequelize.define(
    'FarePolicy',
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      merchantOperatingCityId: { type: DataTypes.UUID, allowNull: false },
      vehicleVariant: { type: DataTypes.TEXT, allowNull: false, validate: { isIn: [VEHICLE_VARIANTS] } },
      baseDistanceMeters: { type: DataTypes.INTEGER, allowNull: false },
      baseFare: money,
      perKm: money,
      perMinute: money,
      nightShiftStart: { type: DataTypes.TIME, allowNull: true },
      nightShiftEnd: { type: DataTypes.TIME, allowNull: true },
      nightShiftMultiplier: { type: DataTypes.DECIMAL(10, 4), allowNull: false },
      waitingFreeMinutes: { type: DataTypes.INTEGER, allowNull: false },
      waitingChargePerMinute: money,
      pickupCharge: money,
      cancellationFees: { type: DataTypes.JSONB, allowNull: false },
      currency: { type: DataTypes.CHAR(3), allowNull: false },
      createdAt: { type: DataTypes.DATE, allowNull: false },
      updatedAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('fare_policy'),
  );
}
