export { createInitHandler, type BookingHandlerDeps } from './init-handler.js';
export { createConfirmHandler } from './confirm-handler.js';
export { BOOKING_ERRORS } from './order-request.js';
export type { BookingStatus } from './booking-store.js';
export { findRideInProgress, moveRide, type MovedRide, type RideLifecycleDeps, type RideMove, type RideStatus } from './ride-lifecycle.js';
