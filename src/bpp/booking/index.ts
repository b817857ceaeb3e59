export { createInitHandler, type BookingHandlerDeps } from './init-handler.js';
export { providerPaymentTermsOf, type ProviderPaymentTerms } from './booking-order.js';
export { createConfirmHandler } from './confirm-handler.js';
export { createCancelHandler, CANCEL_ERRORS } from './cancel-handler.js';
export {
  assignNewDriver,
  cancelRideByDriver,
  reallocationEnd,
  REALLOCATION_WINDOW_MS,
  type DriverCancelDeps,
  type DriverCancelledRide,
  type OrderPushDeps,
} from './cancel-by-driver.js';
export { driverReasonCodes } from './cancel-reasons.js';
export { BOOKING_ERRORS } from './order-request.js';
export type { BookingStatus } from './booking-store.js';
export { findRideInProgress, moveRide, type MovedRide, type RideLifecycleDeps, type RideMove, type RideStatus } from './ride-lifecycle.js';
export { createUndeliveredConfirmListener, UNDELIVERED_CONFIRM_REASON, type UndeliveredConfirmDeps } from './undelivered-confirm.js';
