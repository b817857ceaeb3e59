import type { Sequelize } from 'sequelize';
import { defineDriver, type DriverModel } from './driver.js';
import { defineFarePolicy, type FarePolicyModel } from './fare-policy.js';
import { defineGateInfo, type GateInfoModel } from './gate-info.js';
import { defineMerchantOperatingCity, type MerchantOperatingCityModel } from './merchant-operating-city.js';
import { defineMerchant, type MerchantModel } from './merchant.js';
import { defineSpecialLocationPriority, type SpecialLocationPriorityModel } from './special-location-priority.js';
import { defineSpecialLocation, type SpecialLocationModel } from './special-location.js';
import { defineVehicle, type VehicleModel } from './vehicle.js';

export interface BppModels {
  Merchant: MerchantModel;
  MerchantOperatingCity: MerchantOperatingCityModel;
  Driver: DriverModel;
  Vehicle: VehicleModel;
  FarePolicy: FarePolicyModel;
  SpecialLocation: SpecialLocationModel;
  GateInfo: GateInfoModel;
  SpecialLocationPriority: SpecialLocationPriorityModel;
}

/** Defines the provider side's models on `sequelize`; the tables come from migrations. */
export function defineBppModels(sequelize: Sequelize): BppModels {
  return {
    Merchant: defineMerchant(sequelize),
    MerchantOperatingCity: defineMerchantOperatingCity(sequelize),
    Driver: defineDriver(sequelize),
    Vehicle: defineVehicle(sequelize),
    FarePolicy: defineFarePolicy(sequelize),
    SpecialLocation: defineSpecialLocation(sequelize),
    GateInfo: defineGateInfo(sequelize),
    SpecialLocationPriority: defineSpecialLocationPriority(sequelize),
  };
}

export { BPP_SCHEMA, VEHICLE_CATEGORIES, VEHICLE_VARIANTS, DRIVER_STATUSES } from './model-options.js';
export type { VehicleCategory, VehicleVariant, DriverStatus } from './model-options.js';
export type { MerchantAttributes, MerchantModel } from './merchant.js';
export type { MerchantOperatingCityAttributes, MerchantOperatingCityModel } from './merchant-operating-city.js';
export type { DriverAttributes, DriverModel } from './driver.js';
export type { VehicleAttributes, VehicleModel } from './vehicle.js';
export type { FarePolicyAttributes, FarePolicyModel } from './fare-policy.js';
export { SPECIAL_LOCATION_TYPES, type SpecialLocationAttributes, type SpecialLocationModel, type SpecialLocationType } from './special-location.js';
export type { GateInfoAttributes, GateInfoModel } from './gate-info.js';
export type { SpecialLocationPriorityAttributes, SpecialLocationPriorityModel } from './special-location-priority.js';
