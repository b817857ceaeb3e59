export { fullJitterDelayMs, type BackoffOptions } from './backoff.js';
