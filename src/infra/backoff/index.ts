export { backoffCeilingMs, fullJitterDelayMs, type BackoffOptions } from './backoff.js';
