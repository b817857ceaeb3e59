import { DataTypes, type Model, type ModelStatic, type Optional, type Sequelize } from 'sequelize';
import { POINT, POLYGON, tableOptions } from './model-options.js';

export interface GateInfoAttributes {
  id: string;
  specialLocationId: string;
  name: string;
  /** Postgres point text `(lon,lat)`. */
  point: string;
  geom: string | null;
  canQueueUpOnGate: boolean;
  /** Decimal string the driver may add at this gate, in the city's currency. */
  defaultDriverExtra: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type GateInfoModel = ModelStatic<
  Model<GateInfoAttributes, Optional<GateInfoAttributes, 'geom' | 'defaultDriverExtra' | 'createdAt' | 'updatedAt'>>
>;

export function defineGateInfo(sequelize: Sequelize): GateInfoModel {
  return sequelize.define(
    'GateInfo',
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      specialLocationId: { type: DataTypes.UUID, allowNull: false },
      name: { type: DataTypes.TEXT, allowNull: false },
      point: { type: POINT, allowNull: false },
      geom: { type: POLYGON, allowNull: true },
      canQueueUpOnGate: { type: DataTypes.BOOLEAN, allowNull: false },
      defaultDriverExtra: { type: DataTypes.DECIMAL(30, 10), allowNull: true },
      createdAt: { type: DataTypes.DATE, allowNull: false },
      updatedAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('gate_info'),
  );
}
