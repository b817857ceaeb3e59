export { createSelectHandler, allocationWindowMs, type SelectHandlerDeps } from './select-handler.js';
export {
  ALLOCATION_BATCH_JOB,
  SELECT_ERRORS,
  advanceAllocation,
  allocationCheckJobId,
  offerNewBatch,
  scheduleCheck,
  createAllocationBatchJob,
  type AllocationStep,
  type AllocationStepDeps,
  type ReallocationEnd,
} from './allocation-batches.js';
export { lockAllocation, startReallocationRound, type AllocationStatus, type AllocationTuning, type LockedAllocation } from './allocation-store.js';
