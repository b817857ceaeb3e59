import type { RouteSpec } from '../../infra/http/index.js';
import { driverRoutes } from './driver-routes.js';
import { farePolicyRoutes } from './fare-policy-routes.js';
import { merchantListRoutes } from './merchant-list-route.js';
import { merchantRoutes } from './merchant-routes.js';
import type { OperatorDeps } from './operator-deps.js';
import { specialLocationRoutes } from './special-location-routes.js';
import { payoutRoutes } from '../payout/index.js';

/** The operator's admin API over the provider side's reference data; every route needs the admin token. */
export function operatorRoutes(deps: OperatorDeps): RouteSpec[] {
  return [...merchantRoutes(deps), ...merchantListRoutes(deps), ...driverRoutes(deps), ...farePolicyRoutes(deps), ...specialLocationRoutes(deps), ...payoutRoutes(deps)];
}
