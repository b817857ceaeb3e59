import { mkdir } from 'node:fs/promises';
import type { Logger } from '../../infra/logging/logger.js';
import {
  countLines,
  listSegments,
  readCheckpoint,
  removeSegment,
  segmentPath,
  truncateTornTail,
  type SegmentFile,
  type SpoolPosition,
} from './spool-files.js';

/** What a spool folder holds when it is opened. */
export interface RecoveredSpool {
  /** Segments still holding records not shipped, oldest first. */
  segments: SegmentFile[];
  /** Where shipping resumes: inside segments[0], or the start of `nextSegment` when there is none. */
  position: SpoolPosition;
  /** Number the next segment created gets. */
  nextSegment: number;
  records: number;
  bytes: number;
}

async function checkpointOrOldest(dir: string, logger: Logger): Promise<SpoolPosition | null> {
  try {
    return await readCheckpoint(dir);
  } catch (error) {
    // Shipping from the oldest segment again repeats records (the sink dedupes by id) but loses none.
    logger.warn({ err: error, spoolDir: dir }, 'message log spool: checkpoint unreadable, shipping from the oldest segment');
    return null;
  }
}

/**
 * Opens a spool folder after a clean stop or a crash: drops segments the
 * checkpoint says were shipped (a crash between checkpoint and delete leaves
 * them), cuts partial last lines, and counts what is still to ship.
 */
export async function recoverSpool(dir: string, logger: Logger): Promise<RecoveredSpool> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const checkpoint = await checkpointOrOldest(dir, logger);
  const segments: SegmentFile[] = [];
  for (const file of await listSegments(dir)) {
    if (checkpoint && file.segment < checkpoint.segment) {
      await removeSegment(dir, file.segment);
      continue;
    }
    const cut = await truncateTornTail(segmentPath(dir, file.segment), file.size);
    if (cut > 0) {
      logger.warn({ spoolDir: dir, segment: file.segment, bytes: cut }, 'message log spool: removed a partial last line left by an interrupted write');
    }
    segments.push({ segment: file.segment, size: file.size - cut });
  }

  const last = segments.at(-1)?.segment ?? 0;
  const nextSegment = Math.max(last + 1, (checkpoint?.segment ?? 0) + 1, 1);
  const first = segments[0];
  let position: SpoolPosition = first ? { segment: first.segment, offset: 0 } : { segment: nextSegment, offset: 0 };
  if (first && checkpoint?.segment === first.segment) {
    if (checkpoint.offset > first.size) {
      logger.warn({ spoolDir: dir, checkpoint, size: first.size }, 'message log spool: checkpoint beyond the end of its segment, treating the segment as shipped');
    }
    position = { segment: first.segment, offset: Math.min(checkpoint.offset, first.size) };
  }

  let records = 0;
  let bytes = 0;
  for (const file of segments) {
    const from = file.segment === position.segment ? position.offset : 0;
    records += await countLines(segmentPath(dir, file.segment), from, file.size);
    bytes += file.size - from;
  }
  if (records > 0) logger.info({ spoolDir: dir, records, bytes }, 'message log spool: records from before the restart wait for Kafka');
  return { segments, position, nextSegment, records, bytes };
}
