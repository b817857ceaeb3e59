export { createSelectHandler, SELECT_ERRORS, type SelectHandlerDeps } from './select-handler.js';
export { createAllocationTimeoutJob, ALLOCATION_TIMEOUT_JOB, allocationTimeoutJobId } from './allocation-timeout.js';
export { expireAllocation, type AllocationStatus } from './allocation-store.js';
