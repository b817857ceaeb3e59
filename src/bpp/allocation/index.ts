export { createSelectHandler, allocationWindowMs, type SelectHandlerDeps } from './select-handler.js';
export {
  ALLOCATION_BATCH_JOB,
  SELECT_ERRORS,
  advanceAllocation,
  allocationCheckJobId,
  createAllocationBatchJob,
  type AllocationStep,
  type AllocationStepDeps,
} from './allocation-batches.js';
export { lockAllocation, type AllocationStatus, type AllocationTuning, type LockedAllocation } from './allocation-store.js';
