export { operatorRoutes, type OperatorDeps } from './operator/index.js';
export { driverRoutes, type DriverAppDeps } from './driver-app/index.js';
export { defineBppModels, BPP_SCHEMA, VEHICLE_CATEGORIES, VEHICLE_VARIANTS, DRIVER_STATUSES } from './models/index.js';
export type { BppModels, VehicleCategory, VehicleVariant, DriverStatus } from './models/index.js';
export { haversineRoutePlanner, type RoutePlanner } from './domain/index.js';
export { createSearchHandler, SEARCH_ERRORS, type SearchHandlerDeps } from './search/index.js';
export { createSelectHandler, SELECT_ERRORS, type SelectHandlerDeps } from './allocation/index.js';
export { registerBpp, type BppOptions, type BppRuntime } from './register-bpp.js';
export { createInitHandler, createConfirmHandler, BOOKING_ERRORS, type BookingHandlerDeps, type BookingStatus } from './booking/index.js';
