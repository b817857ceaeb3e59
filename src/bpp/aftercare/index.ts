export { AFTERCARE_ERRORS, domainCodes } from './aftercare-errors.js';
export type { AftercareDeps } from './aftercare-deps.js';
export { createStatusHandler } from './status-handler.js';
export { createTrackHandler } from './track-handler.js';
export { createRatingHandler } from './rating-handler.js';
export { createSupportHandler } from './support-handler.js';
export { createUpdateHandler } from './update-handler.js';
export { findDropUpdate, withDropUpdate, type DropUpdate } from './drop-store.js';
