export type { PayoutDeps } from './payout-deps.js';
export { runPayouts, type PayoutRun, type CreatedPayout, type SkippedBatch } from './run-payouts.js';
export { startPayoutTracking, checkDuePayouts, PAYOUT_STATUS_JOB, type PayoutTracking } from './track-payouts.js';
export { payoutRoutes, type PayoutRouteDeps } from './payout-routes.js';
export { earningsRoutes, type EarningsAuth } from './earnings-route.js';
