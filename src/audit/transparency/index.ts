export { consistencyProof, inclusionProof, leafHash, nodeHash, treeRoot, verifyConsistency, verifyInclusion } from './merkle.js';
export { recordLeafBytes, recordLeafHash } from './leaf.js';
export { isPeriod, periodBounds, periodOf, type Period } from './period.js';
export { compareLeaves, coveredRange, leafOf, periodLeaves, type TreeLeaf } from './period-tree.js';
export { checkpointOrigin, checkpointSignedBy, checkpointText, signCheckpoint, type Checkpoint, type CheckpointBody } from './checkpoint.js';
export { appendCheckpoint, checkpointPeriods, parseCheckpointLines, readCheckpoints } from './checkpoint-files.js';
export {
  publishCheckpoints,
  startCheckpointPublisher,
  type CheckpointPublisher,
  type CheckpointPublisherOptions,
  type PublishOutcome,
  type RecordSource,
} from './checkpoint-publisher.js';
export { verifyLog, type ExportedRecord, type LogProblem, type LogVerification } from './verify-log.js';
export { checkpointSchedule, type CheckpointSettings } from './checkpoint-schedule.js';
