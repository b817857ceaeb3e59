import { DataTypes, type Model, type ModelStatic, type Optional, type Sequelize } from 'sequelize';
import { tableOptions } from './model-options.js';

export interface MerchantAttributes {
  id: string;
  name: string;
  /** The Beckn BPP subscriber id; an inbound request is routed to its merchant by it. */
  subscriberId: string;
  createdAt: Date;
  updatedAt: Date;
}

export type MerchantModel = ModelStatic<Model<MerchantAttributes, Optional<MerchantAttributes, 'createdAt' | 'updatedAt'>>>;

export function defineMerchant(sequelize: Sequelize): MerchantModel {
  return sequelize.define(
    'Merchant',
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      name: { type: DataTypes.TEXT, allowNull: false },
      subscriberId: { type: DataTypes.TEXT, allowNull: false, unique: true },
      createdAt: { type: DataTypes.DATE, allowNull: false },
      updatedAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('merchant'),
  );
}
