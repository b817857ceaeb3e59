import type { RouteSpec } from '../../infra/http/index.js';
import { createDriverAuth } from './driver-auth.js';
import type { DriverAppDeps } from './driver-app-deps.js';
import { driverStatusRoutes } from './driver-status-routes.js';
import { driverTokenRoutes } from './driver-token-routes.js';
import { rideListRoutes } from './ride-list-route.js';
import { rideOfferRoutes } from './ride-offer-routes.js';
import { rideRoutes } from './ride-routes.js';
import { earningsRoutes } from '../payout/index.js';

/** The driver app's API (driver tokens) and the operator routes that issue and revoke those tokens. */
export function driverRoutes(deps: DriverAppDeps): RouteSpec[] {
  const auth = createDriverAuth(deps);
  return [...driverTokenRoutes(deps, auth), ...driverStatusRoutes(deps, auth), ...rideOfferRoutes(deps, auth), ...rideRoutes(deps, auth), ...rideListRoutes(deps, auth), ...earningsRoutes(deps, auth)];
}

export { createDriverAuth, type AuthenticatedDriver, type DriverAuth, type IssuedDriverToken } from './driver-auth.js';
export type { DriverAppDeps } from './driver-app-deps.js';
