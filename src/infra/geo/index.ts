export {
  MAX_GEO_LATITUDE,
  type DriverLocationStore,
  type DriverLocationStoreOptions,
  type LocationPoint,
  type NearbyDriver,
} from './driver-location-store.js';
export { haversineMeters, type LatLon } from './haversine.js';
export { createRedisDriverLocationStore, type RedisDriverLocationStoreOptions } from './redis-driver-location-store.js';
export {
  createMemoryDriverLocationBackend,
  createMemoryDriverLocationStore,
  MemoryDriverLocationBackend,
  type MemoryDriverLocationStoreOptions,
} from './memory-driver-location-store.js';
export { parseGps } from './gps.js';
export { CELL_PRECISION, cellOf, cellPolygon } from './cell.js';
