import { DataTypes, type Model, type ModelStatic, type Optional, type Sequelize } from 'sequelize';
import { DRIVER_STATUSES, tableOptions, type DriverStatus } from './model-options.js';

export interface DriverAttributes {
  id: string;
  merchantId: string;
  name: string;
  /** Sealed by the field cipher; never leaves the service decrypted except masked. */
  mobileNumberEncrypted: string;
  /** Keyed hash of the number, unique per merchant, for lookups. */
  mobileNumberHash: string;
  /** The number masked (`+91******3210`): the driver's contact in Beckn messages. */
  mobileNumberMasked: string | null;
  status: DriverStatus;
  /** Decimal string (0–5) or null before the first rating. */
  rating: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type DriverModel = ModelStatic<
  Model<DriverAttributes, Optional<DriverAttributes, 'status' | 'rating' | 'mobileNumberMasked' | 'createdAt' | 'updatedAt'>>
>;

export function defineDriver(sequelize: Sequelize): DriverModel {
  return sequelize.define(
    'Driver',
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      merchantId: { type: DataTypes.UUID, allowNull: false },
      name: { type: DataTypes.TEXT, allowNull: false },
      mobileNumberEncrypted: { type: DataTypes.TEXT, allowNull: false },
      mobileNumberHash: { type: DataTypes.TEXT, allowNull: false },
      mobileNumberMasked: { type: DataTypes.TEXT, allowNull: true },
      status: { type: DataTypes.TEXT, allowNull: false, validate: { isIn: [DRIVER_STATUSES] }, defaultValue: 'OFFLINE' },
      rating: { type: DataTypes.DECIMAL(3, 2), allowNull: true },
      createdAt: { type: DataTypes.DATE, allowNull: false },
      updatedAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('driver'),
  );
}
