import { DataTypes, type Model, type ModelStatic, type Optional, type Sequelize } from 'sequelize';
import { tableOptions } from './model-options.js';

export interface MerchantOperatingCityAttributes {
  id: string;
  merchantId: string;
  /** Beckn city code, e.g. `std:080`. */
  cityCode: string;
  currency: string;
  createdAt: Date;
  updatedAt: Date;
}

export type MerchantOperatingCityModel = ModelStatic<
  Model<MerchantOperatingCityAttributes, Optional<MerchantOperatingCityAttributes, 'createdAt' | 'updatedAt'>>
>;

export function defineMerchantOperatingCity(sequelize: Sequelize): MerchantOperatingCityModel {
  return sequelize.define(
    'MerchantOperatingCity',
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      merchantId: { type: DataTypes.UUID, allowNull: false },
      cityCode: { type: DataTypes.TEXT, allowNull: false },
      currency: { type: DataTypes.CHAR(3), allowNull: false },
      createdAt: { type: DataTypes.DATE, allowNull: false },
      updatedAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('merchant_operating_city'),
  );
}
