export { nextRideState, rideStateOf, applyRideChange, RIDE_STATES, type RideState, type RideTransition } from './ride-state.js';
export { createOrderUpdateHandler } from './on-status-update.js';
export { createOnCancelHandler } from './on-cancel.js';
export { createOnTrackHandler } from './on-track.js';
export { createOnRatingHandler } from './on-rating.js';
export { createOnSupportHandler } from './on-support.js';
export { rideRoutes } from './ride-routes.js';
