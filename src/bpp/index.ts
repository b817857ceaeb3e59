export { operatorRoutes, type OperatorDeps } from './operator/index.js';
export { defineBppModels, BPP_SCHEMA, VEHICLE_CATEGORIES, VEHICLE_VARIANTS, DRIVER_STATUSES } from './models/index.js';
export type { BppModels, VehicleCategory, VehicleVariant, DriverStatus } from './models/index.js';
