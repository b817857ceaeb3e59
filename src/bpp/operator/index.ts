export { operatorRoutes } from './operator-routes.js';
export type { OperatorDeps } from './operator-deps.js';
export { maskMobileNumber } from './driver-routes.js';
export { toPostgresPolygon, fromPostgresPolygon, fromPostgresPoint, type GeoJsonPolygon, type Position } from './geojson-polygon.js';
