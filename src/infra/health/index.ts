export { healthRoutes, type HealthDeps } from './health-routes.js';
export { runReadinessChecks, type ReadinessCheck, type CheckResult } from './readiness.js';
