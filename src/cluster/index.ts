export { adoptOrphanSpools, type SpoolAdoption } from './adopt-spools.js';
export { runPrimary, type PrimaryOptions } from './primary.js';
export { askSlot, isClusterWorker, joinCluster } from './worker.js';
export { spoolDirOf } from './worker-spools.js';
