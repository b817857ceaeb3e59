export { nextRideState, rideStateOf, applyRideChange, RIDE_STATES, type RideState, type RideTransition } from './ride-state.js';
export { createOnCancelHandler, createOnRatingHandler, createOnSupportHandler, createOnTrackHandler, createOrderUpdateHandler } from './ride-callbacks.js';
export { rideRoutes } from './ride-routes.js';
