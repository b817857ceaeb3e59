export { nackCatalogue, type NackReason, type NackSide, type NackEntry, type ErrorType } from './nack-catalogue.js';
export { NackError, nackBody, ackBody, type NackBody } from './nack-error.js';
